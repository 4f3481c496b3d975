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

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "acs")) return cmd_acs();
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
