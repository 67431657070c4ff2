#!/bin/sh
# /init of the drill guest (busybox, runs as PID 1 from the initramfs).
# Loads the virtio modules, writes N fixed 16-byte records "%015d\n" to /dev/vda in 4 KiB
# chunks (256 records each, one O_DIRECT write per chunk so each chunk is one guest request),
# reports progress on the serial console after every chunk, then syncs, reports done and idles.
# Before its last chunk the writer holds until the host writes "release" to /dev/vdb: however slow
# the host is, its snapshot and commit then come while the writer is still mid-stream.
# Parameters come from the kernel command line: drill.records=N drill.pause_us=MICROSECONDS.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /tmp
exec >/dev/console 2>&1

# The pause lets the console drain: powered off at once, the line can be lost and the host sees silence.
fail() { echo "drill-error $*"; sync; sleep 1; poweroff -f; }

# No modules.dep in an extracted kernel: load in dependency order (built-in ones are absent).
for module in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk; do
  [ -e "/lib/modules/$module.ko" ] || continue
  insmod "/lib/modules/$module.ko" || fail "insmod $module"
done

records=0
pause_us=0
for word in $(cat /proc/cmdline); do
  case "$word" in
    drill.records=*) records="${word#*=}" ;;
    drill.pause_us=*) pause_us="${word#*=}" ;;
  esac
done
[ "$records" -gt 0 ] || fail "no drill.records on the kernel command line"

# Both disks (vdb: the release disk) may show up a moment after the modules load, vdb after vda.
for disk in vda vdb; do
  waited=0
  until [ -b "/dev/$disk" ]; do
    waited=$((waited + 1))
    [ "$waited" -le 300 ] || fail "no /dev/$disk"
    usleep 100000
  done
done

released() { [ "$(dd if=/dev/vdb bs=512 count=1 iflag=direct 2>/dev/null | head -c 7)" = release ]; }

echo "drill-start $records"
chunks=$(( (records + 255) / 256 ))
chunk=0
while [ "$chunk" -lt "$chunks" ]; do
  first=$((chunk * 256 + 1))
  last=$((first + 255))
  [ "$last" -le "$records" ] || last=$records
  if [ "$chunk" -gt 0 ] && [ "$chunk" -eq $((chunks - 1)) ]; then
    echo "drill-hold $((chunk * 256))"
    until released; do usleep 100000; done
  fi
  # Build the chunk in tmpfs first so dd reads one full 4 KiB block (a pipe could hand it a short read).
  printf '%015d\n' $(seq "$first" "$last") > /tmp/chunk
  dd if=/tmp/chunk of=/dev/vda bs=4096 count=1 seek="$chunk" oflag=direct conv=notrunc,sync 2>/dev/null || fail "dd chunk $chunk"
  echo "drill-progress $last"
  chunk=$((chunk + 1))
  [ "$pause_us" -eq 0 ] || usleep "$pause_us"
done
sync
echo "drill-done $records"
# Idle, do not power off: under load the host's snapshot or commit may come after the last record,
# and it must still find a running domain. The host stops the domain once it has seen drill-done.
while :; do sleep 3600; done
