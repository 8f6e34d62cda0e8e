#!/bin/sh
# Installs the Debian tools the board image and the board test need when they are missing, and
# registers the qemu-aarch64 binfmt_misc handler (mmdebstrap runs the arm64 package scripts of
# the root filesystem through it). A no-op when all are present. Needs root (or passwordless
# sudo) only when something is missing.
# Usage: scripts/board/ensure-board-tools.sh
set -eu

missing=""
need() {
  # $1 = file or command that must exist, $2 = Debian package that provides it
  case "$1" in
  /*) [ -e "$1" ] || missing="$missing $2" ;;
  *) command -v "$1" >/dev/null 2>&1 || missing="$missing $2" ;;
  esac
}

need mmdebstrap mmdebstrap
# Debian's archive key: mmdebstrap checks the bookworm archive with it (Ubuntu lacks it).
need /usr/share/keyrings/debian-archive-keyring.gpg debian-archive-keyring
need /usr/libexec/qemu-binfmt/aarch64-binfmt-P qemu-user-static
need update-binfmts binfmt-support
need qemu-system-aarch64 qemu-system-arm
need /usr/share/AAVMF/AAVMF_CODE.fd qemu-efi-aarch64
need mkfs.ext4 e2fsprogs
need mkfs.vfat dosfstools
need mcopy mtools
need sgdisk gdisk

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  elif [ -n "$missing" ] || [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    echo "ensure-board-tools: needs root (or passwordless sudo) to install:$missing and enable binfmt_misc" >&2
    exit 1
  fi
fi

if [ -n "$missing" ]; then
  echo "ensure-board-tools: installing$missing" >&2
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086 # $sudo and $missing are intentionally split into words
  if ! $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null; then
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
  fi
fi

# In a container binfmt_misc is often not mounted; the handler must be registered with the F
# flag (qemu-user-static's default) so that it also works inside the chroot.
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
  $sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
  $sudo update-binfmts --enable qemu-aarch64
fi
