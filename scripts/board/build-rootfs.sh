#!/bin/sh
# The hooks are single-quoted on purpose: mmdebstrap runs each hook with the root directory as $1.
# shellcheck disable=SC2016
# Builds the board's arm64 root filesystem (Debian bookworm) as a tarball with mmdebstrap, or
# reuses the cached one: the cache key is this script's own hash (it holds the package list and
# every customisation), so any change here rebuilds it.
# Usage: scripts/board/build-rootfs.sh CACHE_DIR   (prints the tarball's path)
# Needs root and the qemu-aarch64 binfmt handler (scripts/board/ensure-board-tools.sh).
#
# What the tarball holds, besides Debian's essential packages: the kernel and its initramfs
# (/vmlinuz, /initrd.img), systemd with networkd (DHCP on every wired interface, Wi-Fi through
# wpa_supplicant) and resolved, polkit (the client reboots through logind), and GRUB's arm64
# EFI modules. The fleet client and the boot loader are not in it: scripts/board/build-image.ts
# installs them with the stage's endpoint, claim credentials and kernel arguments.
set -eu

cache="${1:?usage: build-rootfs.sh CACHE_DIR}"
mirror="${FLEET_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
key=$(sha256sum "$0" | cut -c1-16)
tarball="$cache/rootfs-bookworm-arm64-$key.tar"
if [ -s "$tarball" ]; then
  echo "$tarball"
  exit 0
fi
mkdir -p "$cache"

packages="linux-image-arm64,initramfs-tools,kmod,udev,systemd,systemd-sysv,systemd-resolved,dbus,\
libpam-systemd,polkitd,grub-efi-arm64-bin,iproute2,wpasupplicant,procps,ca-certificates"

# The initramfs carries the storage drivers a SystemReady board boots from (virtio for QEMU,
# NVMe, SD/eMMC, SATA, USB) and ext4, not Debian's MODULES=most: building that under emulation
# takes over half an hour. Both files are in place before the kernel package makes the initramfs.
initramfs_modules="virtio_blk virtio_scsi virtio_pci nvme mmc_block sdhci_of_arasan sdhci_iproc \
sdhci_of_dwcmshc dw_mmc_rockchip ahci ahci_platform sd_mod usb_storage uas xhci_pci xhci_plat_hcd \
dwc3 dwc2 ext4 crc32c_generic"
export FLEET_INITRAMFS_HOOK="#!/bin/sh
[ \"\$1\" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
for module in $initramfs_modules; do
  modinfo -k \"\$version\" \"\$module\" >/dev/null 2>&1 && manual_add_modules \"\$module\"
done
exit 0"

nice -n 10 mmdebstrap --arch=arm64 --variant=minbase --format=tar \
  --aptopt='APT::Install-Recommends "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --include="$packages" \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" "$1/etc/initramfs-tools/hooks"' \
  --essential-hook='echo MODULES=list >"$1/etc/initramfs-tools/conf.d/fleet-board.conf"' \
  --essential-hook='printf "%s\n" "$FLEET_INITRAMFS_HOOK" >"$1/etc/initramfs-tools/hooks/fleet-board-modules"' \
  --essential-hook='chmod 0755 "$1/etc/initramfs-tools/hooks/fleet-board-modules"' \
  --customize-hook='echo fleet-board >"$1/etc/hostname"' \
  --customize-hook='printf "%s\n" "LABEL=fleet-root / ext4 defaults,noatime,commit=5 0 1" "LABEL=FLEET-BOOT /boot/efi vfat umask=0077,nofail 0 2" >"$1/etc/fstab"' \
  --customize-hook='mkdir -p "$1/etc/systemd/network" && printf "%s\n" "[Match]" "Name=en* eth* wl*" "" "[Network]" "DHCP=yes" >"$1/etc/systemd/network/80-dhcp.network"' \
  --customize-hook='chroot "$1" systemctl enable systemd-networkd systemd-resolved' \
  --customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer' \
  --customize-hook='mkdir -p "$1/boot/efi/EFI/BOOT"' \
  --customize-hook='test -e "$1/vmlinuz" && test -e "$1/initrd.img"' \
  bookworm "$tarball.tmp" "$mirror"
mv "$tarball.tmp" "$tarball"
echo "$tarball"
