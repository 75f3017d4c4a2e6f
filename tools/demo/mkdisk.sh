#!/bin/bash
# mkdisk.sh - the demo's sample disk: a GPT with an EFI system partition and an ext4 rootfs of real files.
set -euo pipefail
out=${1:?usage: mkdisk.sh OUT.img [SIZE_MIB]}
size_mib=${2:-64}
top=$(cd "$(dirname "$0")/../.." && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# Partition table: 1 MiB alignment, 16 MiB ESP, the rest ext4 rootfs.
truncate -s "${size_mib}M" "$w/disk.img"
sgdisk --clear -a 2048 \
	-n 1:2048:+16M -t 1:ef00 -c 1:esp \
	-n 2:0:0 -t 2:8300 -c 2:APP "$w/disk.img" >/dev/null 2>&1
part() { sgdisk -i "$1" "$w/disk.img" | awk -v k="$2" '$0 ~ k {print $3}'; }
esp_start=$(part 1 'First sector') esp_end=$(part 1 'Last sector')
root_start=$(part 2 'First sector') root_end=$(part 2 'Last sector')

# ESP: FAT with a boot config, populated with mtools (no mounting, no root).
truncate -s $(((esp_end - esp_start + 1) * 512)) "$w/esp.img"
mkfs.vfat -n ESP "$w/esp.img" >/dev/null
printf 'timeout 3\ndefault initflash-demo\n' >"$w/loader.conf"
mmd -i "$w/esp.img" ::/EFI ::/EFI/BOOT ::/loader
mcopy -i "$w/esp.img" "$w/loader.conf" ::/loader/loader.conf
mcopy -i "$w/esp.img" /bin/busybox ::/EFI/BOOT/busybox

# rootfs: ext4 made from a directory of real files (mkfs.ext4 -d).
mkdir -p "$w/root/etc" "$w/root/bin" "$w/root/usr/share/doc/initflash"
cp /bin/busybox "$w/root/bin/"
cp "$top/README.md" "$top"/docs/* "$w/root/usr/share/doc/initflash/"
cp -r /usr/share/common-licenses "$w/root/usr/share/doc/" 2>/dev/null || true
echo "initflash-demo" >"$w/root/etc/hostname"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$w/root/etc/passwd"
mkfs.ext4 -q -F -L rootfs -E root_owner=0:0 -d "$w/root" "$w/root.img" \
	$(((root_end - root_start + 1) / 2))k >/dev/null

dd if="$w/esp.img" of="$w/disk.img" bs=512 seek="$esp_start" conv=notrunc status=none
dd if="$w/root.img" of="$w/disk.img" bs=512 seek="$root_start" conv=notrunc status=none
sgdisk -v "$w/disk.img" >/dev/null
mv "$w/disk.img" "$out"
echo "mkdisk: $out: GPT, esp $(((esp_end - esp_start + 1) / 2048)) MiB (vfat), APP $(((root_end - root_start + 1) / 2048)) MiB (ext4)"
