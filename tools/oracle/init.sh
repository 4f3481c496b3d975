#!/bin/busybox sh
# /init of the oracle's initramfs (docs/kernel/oracle.md#how-the-oracle-asks-the-kernel). Every line meant for tools/oracle/parse.ts
# starts with "KQ ". Kernel command line: kq.nns=<namespaces to wait for>, kq.acs=BDF=hex,...
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Only KERN_EMERG on the console from here on: kernel messages (e.g. blk's "invalid error" of a
# refused read) would otherwise be interleaved with, and garble, the KQ lines on the same serial port.
dmesg -n 1
echo "KQ BEGIN"
echo "KQ KERNEL $(uname -r)"
echo "KQ CPU vendor=$(grep -m1 '^vendor_id' /proc/cpuinfo | sed 's/.*: //') family=$(grep -m1 '^cpu family' /proc/cpuinfo | sed 's/.*: //') model=$(grep -m1 '^model[^ ]*:' /proc/cpuinfo | sed 's/.*: //')"
echo "KQ CMDLINE $(cat /proc/cmdline)"
NNS=0
ACS=""
for a in $(cat /proc/cmdline); do
  case "$a" in
    kq.nns=*) NNS="${a#kq.nns=}" ;;
    kq.acs=*) ACS="${a#kq.acs=}" ;;
  esac
done
# ACS Control written before the first P2P mapping: verdicts are cached per pair at that point.
for w in $(echo "$ACS" | tr ',' ' '); do
  /p2ptest setacs "${w%%=*}" "${w#*=}"
done
# Debian's kernel has nvme as modules: keyring, auth, core, nvme (depends= order; no modules.dep).
for m in nvme-keyring nvme-auth nvme-core nvme; do
  [ -f "/lib/modules/$m.ko" ] && insmod "/lib/modules/$m.ko" $( [ "$m" = nvme-core ] && echo multipath=N )
done
# Wait for every namespace: 10 s plus 1 s per expected namespace (linear in the device count),
# with a progress line every 2 s.
i=0
limit=$((100 + 10 * NNS))
while [ "$i" -lt "$limit" ]; do
  n=$(ls /sys/block 2>/dev/null | grep -c '^nvme')
  [ "$n" -ge "$NNS" ] && break
  [ $((i % 20)) -eq 19 ] && echo "KQ WAIT $n/$NNS"
  sleep 0.1
  i=$((i + 1))
done
echo "KQ NAMESPACES $(ls /sys/block | grep '^nvme' | tr '\n' ' ')"
for c in /sys/class/nvme/nvme*; do
  [ -e "$c" ] && echo "KQ CTRL $(basename "$c") address=$(cat "$c/address") serial=$(cat "$c/serial" | tr -d ' ')"
done
for d in /sys/bus/pci/devices/*; do
  echo "KQ PCI $(basename "$d") $(cat "$d/vendor"):$(cat "$d/device") class=$(cat "$d/class") p2pmem=$(cat "$d/p2pmem/published" 2>/dev/null || echo -)"
done
/p2ptest acs
/p2ptest
# Scenario replays (tools/oracle/replay.ts), each in a process of its own so its mappings go with it.
for r in /replay/*.txt; do
  [ -f "$r" ] && /p2ptest replay "$(basename "$r" .txt)" "$r"
done
echo "KQ DMESG-BEGIN"
dmesg | grep -iE 'p2p|acs|peer|whitelist|iommu|dmar' | sed 's/^/KQ DMESG /'
echo "KQ DMESG-END"
# kq.capture=1 (tools/oracle/capture-sysfs.ts): the files `lab import --sysfs` reads, copied with
# their directory layout and relative symlinks, as a base64 tar.gz on "KQ B64 " lines.
case " $(cat /proc/cmdline) " in *" kq.capture=1 "*)
  C=/tmp/cap
  mkdir -p $C/sys/bus/pci/devices $C/sys/class/iommu $C/proc/sys/kernel
  cat /proc/cmdline > $C/proc/cmdline
  cat /proc/cpuinfo > $C/proc/cpuinfo
  cat /proc/sys/kernel/osrelease > $C/proc/sys/kernel/osrelease
  for i in /sys/class/iommu/*; do
    [ -L "$i" ] && ln -s "$(readlink "$i")" "$C/sys/class/iommu/$(basename "$i")"
  done
  for d in /sys/bus/pci/devices/*; do
    b=$(basename "$d")
    ln -s "$(readlink "$d")" "$C/sys/bus/pci/devices/$b"
    r=$(cd "$d" && pwd -P)
    mkdir -p "$C$r"
    for f in config resource class vendor device numa_node local_cpulist; do
      [ -r "$d/$f" ] && cat "$d/$f" > "$C$r/$f"
    done
    [ -L "$d/driver" ] && ln -s "$(readlink "$d/driver")" "$C$r/driver"
    [ -L "$d/iommu_group" ] && ln -s "$(readlink "$d/iommu_group")" "$C$r/iommu_group"
    if [ -d "$d/p2pmem" ]; then
      mkdir -p "$C$r/p2pmem"
      for f in size available published; do cat "$d/p2pmem/$f" > "$C$r/p2pmem/$f"; done
    fi
  done
  echo "KQ CAPTURE-BEGIN"
  tar czf - -C $C . | base64 | sed 's/^/KQ B64 /'
  echo "KQ CAPTURE-END"
  ;;
esac
echo "KQ END"
poweroff -f
