#!/bin/sh
# Installs the Debian tools the board image and the board test need when they are missing
# (scripts/ensure-debian-tools.sh), and registers the qemu-aarch64 binfmt_misc handler
# (mmdebstrap runs the arm64 package scripts of the root filesystem through it). A no-op when
# all are present. Needs root (or passwordless sudo) only when something is missing.
# Usage: scripts/board/ensure-board-tools.sh
set -eu

# Debian's archive key: mmdebstrap checks the bookworm archive with it (Ubuntu lacks it).
sh "$(dirname "$0")/../ensure-debian-tools.sh" \
  mmdebstrap=mmdebstrap \
  /usr/share/keyrings/debian-archive-keyring.gpg=debian-archive-keyring \
  /usr/libexec/qemu-binfmt/aarch64-binfmt-P=qemu-user-static \
  update-binfmts=binfmt-support \
  qemu-system-aarch64=qemu-system-arm \
  /usr/share/AAVMF/AAVMF_CODE.fd=qemu-efi-aarch64 \
  mkfs.ext4=e2fsprogs \
  mkfs.vfat=dosfstools \
  mcopy=mtools \
  sgdisk=gdisk

[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "ensure-board-tools: needs root (or passwordless sudo) to enable binfmt_misc" >&2
    exit 1
  fi
fi

# In a container binfmt_misc is often not mounted; the handler must be registered with the F
# flag (qemu-user-static's default) so that it also works inside the chroot.
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
  $sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
# Mounting it may show a handler the kernel already has.
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  $sudo update-binfmts --enable qemu-aarch64
fi
