/*
 * p2ptest - asks the running kernel for its P2PDMA verdict on every (provider, client) pair.
 *
 * Built with `gcc -static -O2 -o p2ptest p2ptest.c` by tools/oracle and run by the initramfs /init
 * (docs/kernel/oracle.md#how-the-oracle-asks-the-kernel). Output lines start with "KQ " and are parsed by tools/oracle/parse.ts.
 *
 *   p2ptest               for every PCI function with p2pmem/allocate (a provider): mmap 2 MiB of
 *                         p2pmem, then for every NVMe namespace (the client is its controller) an
 *                         O_DIRECT pread of 2 MiB into it; print OK with the first and last byte, or
 *                         the errno. A control read into normal memory gives the expected byte.
 *   p2ptest acs           dump the ACS capability and control of every function
 *   p2ptest setacs BDF HEX  write ACS Control through /sys/bus/pci/devices/BDF/config
 *   p2ptest replay ID FILE  replay a scenario's operations (tools/oracle/replay.ts writes FILE, one
 *                         operation per line) and print each return value and errno:
 *                           probe_p2pmem dev=BDF            (what the nvme driver did at probe)
 *                           mmap_resource dev=BDF bar=N len=B offset=B wc=0|1 as=NAME
 *                           mmap_p2pmem dev=BDF len=B offset=B private=0|1 as=NAME
 *                           pread client=BDF buf=NAME off=B len=B pos=B   (O_DIRECT, the client's
 *                                                           namespace into the named mapping)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LEN (2u << 20)
#define PCI_EXT_CAP_ID_ACS 0x0d

static int read_line(const char *path, char *buf, size_t n) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  if (!fgets(buf, (int)n, f)) {
    fclose(f);
    return -1;
  }
  fclose(f);
  buf[strcspn(buf, "\n")] = 0;
  return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int list_dir(const char *dir, const char *prefix, char **out, int max) {
  DIR *d = opendir(dir);
  int n = 0;
  if (!d) return 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < max) {
    if (e->d_name[0] == '.') continue;
    if (prefix && strncmp(e->d_name, prefix, strlen(prefix))) continue;
    out[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(out, n, sizeof(char *), cmp);
  return n;
}

/* ACS extended capability offset in config space, 0 when absent. */
static int acs_offset(int fd) {
  unsigned off = 0x100;
  for (int i = 0; i < 64 && off; i++) {
    uint32_t h;
    if (pread(fd, &h, 4, off) != 4 || h == 0 || h == 0xffffffff) return 0;
    if ((h & 0xffff) == PCI_EXT_CAP_ID_ACS) return (int)off;
    off = (h >> 20) & 0xffc;
  }
  return 0;
}

static int cmd_acs(void) {
  char *devs[512];
  int n = list_dir("/sys/bus/pci/devices", NULL, devs, 512);
  for (int i = 0; i < n; i++) {
    char path[256];
    snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/config", devs[i]);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    int off = acs_offset(fd);
    if (off) {
      uint16_t cap = 0, ctrl = 0;
      if (pread(fd, &cap, 2, off + 4) == 2 && pread(fd, &ctrl, 2, off + 6) == 2)
        printf("KQ ACS %s cap=0x%04x ctrl=0x%04x\n", devs[i], cap, ctrl);
    }
    close(fd);
  }
  return 0;
}

static int cmd_setacs(const char *bdf, const char *hex) {
  char path[256];
  snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/config", bdf);
  int fd = open(path, O_RDWR);
  if (fd < 0) {
    printf("KQ SETACS %s error=%d\n", bdf, errno);
    return 1;
  }
  int off = acs_offset(fd);
  uint16_t v = (uint16_t)strtoul(hex, NULL, 16), back = 0;
  if (!off || pwrite(fd, &v, 2, off + 6) != 2 || pread(fd, &back, 2, off + 6) != 2) {
    printf("KQ SETACS %s error=%d off=0x%x\n", bdf, off ? errno : ENOENT, off);
    close(fd);
    return 1;
  }
  printf("KQ SETACS %s ctrl=0x%04x\n", bdf, back);
  close(fd);
  return 0;
}

/* key=value from one replay line; def when absent */
static const char *field(char *line, const char *key, char *out, size_t n, const char *def) {
  size_t kl = strlen(key);
  for (char *p = line; (p = strstr(p, key)); p += kl) {
    if ((p == line || p[-1] == ' ') && p[kl] == '=') {
      size_t i = 0;
      p += kl + 1;
      while (p[i] && p[i] != ' ' && p[i] != '\n' && i + 1 < n) {
        out[i] = p[i];
        i++;
      }
      out[i] = 0;
      return out;
    }
  }
  snprintf(out, n, "%s", def);
  return out;
}

static unsigned long long num(char *line, const char *key) {
  char v[64];
  return strtoull(field(line, key, v, sizeof v, "0"), NULL, 0);
}

/* the namespace (/dev/nvmeXnY) of the controller at bdf */
static int ns_of(const char *bdf, char *dev, size_t n) {
  char *blocks[256];
  int nb = list_dir("/sys/block", "nvme", blocks, 256);
  for (int j = 0; j < nb; j++) {
    char path[256], addr[64] = "";
    snprintf(path, sizeof path, "/sys/block/%s/device/address", blocks[j]);
    if (!read_line(path, addr, sizeof addr) && !strcmp(addr, bdf)) {
      snprintf(dev, n, "/dev/%s", blocks[j]);
      return 0;
    }
  }
  return -1;
}

#define MAXBUF 32
static struct {
  char name[64];
  unsigned char *addr;
} bufs[MAXBUF];
static int nbufs;

static unsigned char *buf_of(const char *name) {
  for (int i = 0; i < nbufs; i++)
    if (!strcmp(bufs[i].name, name)) return bufs[i].addr;
  return NULL;
}

static int cmd_replay(const char *id, const char *file) {
  FILE *f = fopen(file, "r");
  if (!f) {
    printf("KQ OP %s -1 error=cannot-open\n", id);
    return 1;
  }
  char line[512];
  int i = 0;
  while (fgets(line, sizeof line, f)) {
    char op[32] = "", dev[64], as[64], path[256];
    sscanf(line, "%31s", op);
    if (!op[0]) continue;
    long long ret = -1;
    int e = 0;
    errno = 0;
    if (!strcmp(op, "probe_p2pmem")) {
      char v[16] = "";
      snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/p2pmem/published", field(line, "dev", dev, sizeof dev, ""));
      if (!read_line(path, v, sizeof v) && !strcmp(v, "1")) ret = 0;
      else e = ENODEV;
    } else if (!strcmp(op, "mmap_resource") || !strcmp(op, "mmap_p2pmem")) {
      int res = !strcmp(op, "mmap_resource");
      field(line, "dev", dev, sizeof dev, "");
      if (res)
        snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/resource%llu%s", dev, num(line, "bar"),
                 num(line, "wc") ? "_wc" : "");
      else
        snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/p2pmem/allocate", dev);
      int fd = open(path, O_RDWR);
      if (fd < 0) e = errno;
      else {
        int flags = !res && num(line, "private") ? MAP_PRIVATE : MAP_SHARED;
        void *p = mmap(NULL, num(line, "len"), PROT_READ | PROT_WRITE, flags, fd, (off_t)num(line, "offset"));
        if (p == MAP_FAILED) e = errno;
        else {
          ret = 0;
          if (nbufs < MAXBUF) {
            snprintf(bufs[nbufs].name, sizeof bufs[nbufs].name, "%s", field(line, "as", as, sizeof as, "?"));
            bufs[nbufs++].addr = p;
          }
        }
        close(fd);
      }
    } else if (!strcmp(op, "pread")) {
      char client[64], name[64], ns[128];
      unsigned char *b = buf_of(field(line, "buf", name, sizeof name, ""));
      /* errno -1: the buffer was never mapped; -2: no namespace for the client */
      if (!b) e = -1;
      else if (ns_of(field(line, "client", client, sizeof client, ""), ns, sizeof ns)) e = -2;
      else {
        int fd = open(ns, O_RDONLY | O_DIRECT);
        if (fd < 0) e = errno;
        else {
          ret = pread(fd, b + num(line, "off"), num(line, "len"), (off_t)num(line, "pos"));
          if (ret < 0) e = errno;
          close(fd);
        }
      }
    } else {
      e = ENOSYS;
    }
    printf("KQ OP %s %d op=%s ret=%lld errno=%d\n", id, i++, op, ret, e);
    fflush(stdout);
  }
  fclose(f);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "acs")) return cmd_acs();
  if (argc > 3 && !strcmp(argv[1], "replay")) return cmd_replay(argv[2], argv[3]);
  if (argc > 3 && !strcmp(argv[1], "setacs")) return cmd_setacs(argv[2], argv[3]);

  char *devs[512], *blocks[256];
  int nd = list_dir("/sys/bus/pci/devices", NULL, devs, 512);
  int nb = list_dir("/sys/block", "nvme", blocks, 256);
  char *ctrl[256];
  unsigned char expect[256];
  for (int j = 0; j < nb; j++) {
    char path[256], addr[64] = "?";
    snprintf(path, sizeof path, "/sys/block/%s/device/address", blocks[j]);
    read_line(path, addr, sizeof addr);
    ctrl[j] = strdup(addr);
    /* control read into normal memory: the namespace's fill byte */
    expect[j] = 0;
    void *ram = NULL;
    char dev[128];
    snprintf(dev, sizeof dev, "/dev/%s", blocks[j]);
    int fd = open(dev, O_RDONLY | O_DIRECT);
    if (fd >= 0 && posix_memalign(&ram, 4096, LEN) == 0) {
      ssize_t r = pread(fd, ram, LEN, 0);
      if (r > 0) expect[j] = ((unsigned char *)ram)[0];
      printf("KQ NS %s ctrl=%s control=%zd byte=0x%02x\n", blocks[j], ctrl[j], r, expect[j]);
    } else {
      printf("KQ NS %s ctrl=%s control-error=%d\n", blocks[j], ctrl[j], errno);
    }
    free(ram);
    if (fd >= 0) close(fd);
  }
  fflush(stdout);

  for (int i = 0; i < nd; i++) {
    char path[256];
    snprintf(path, sizeof path, "/sys/bus/pci/devices/%s/p2pmem/allocate", devs[i]);
    if (access(path, F_OK)) continue;
    int pfd = open(path, O_RDWR);
    void *buf = pfd < 0 ? MAP_FAILED : mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, pfd, 0);
    if (buf == MAP_FAILED) {
      printf("KQ PROVIDER %s error=%d\n", devs[i], errno);
      if (pfd >= 0) close(pfd);
      continue;
    }
    printf("KQ PROVIDER %s ok\n", devs[i]);
    for (int j = 0; j < nb; j++) {
      char dev[128];
      snprintf(dev, sizeof dev, "/dev/%s", blocks[j]);
      memset(buf, 0, 4096);
      ((unsigned char *)buf)[LEN - 1] = 0;
      int fd = open(dev, O_RDONLY | O_DIRECT);
      if (fd < 0) {
        printf("KQ PAIR provider=%s client=%s ns=%s ret=-1 errno=%d open\n", devs[i], ctrl[j], blocks[j], errno);
        continue;
      }
      errno = 0;
      ssize_t r = pread(fd, buf, LEN, 0);
      int e = r < 0 ? errno : 0;
      unsigned char first = ((unsigned char *)buf)[0], last = ((unsigned char *)buf)[LEN - 1];
      printf("KQ PAIR provider=%s client=%s ns=%s ret=%zd errno=%d first=0x%02x last=0x%02x expect=0x%02x\n",
             devs[i], ctrl[j], blocks[j], r, e, first, last, expect[j]);
      fflush(stdout);
      close(fd);
    }
    munmap(buf, LEN);
    close(pfd);
  }
  printf("KQ P2PTEST-DONE\n");
  return 0;
}
