#!/bin/sh
# Installs Debian tools the tests need when they are missing: by default those of the OS-image
# tests (shellcheck, systemd-analyze, packer); given COMMAND=PACKAGE pairs, those instead (the
# console's browser tests: chromium=chromium; the board's, with absolute file paths for
# COMMAND: scripts/board/ensure-board-tools.sh). A no-op when all are present.
# Non-interactive; uses sudo when not root.
# Usage: scripts/ensure-debian-tools.sh [COMMAND=PACKAGE ...]
set -eu

missing=""
need() {
  # $1 = command (or absolute path of a file) that must exist, $2 = Debian package that provides it
  case "$1" in
  /*) [ -e "$1" ] || missing="$missing $2" ;;
  *) command -v "$1" >/dev/null 2>&1 || missing="$missing $2" ;;
  esac
}

if [ "$#" -eq 0 ]; then
  set -- shellcheck=shellcheck systemd-analyze=systemd packer=packer
fi
for pair in "$@"; do
  need "${pair%%=*}" "${pair#*=}"
done

if [ -z "$missing" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian-tools: missing:$missing; apt-get is not available on this machine." >&2
  echo "Install them with your package manager (packer 1.6 or later) and run the tests again." >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "ensure-debian-tools: missing:$missing; installing needs root (or passwordless sudo)." >&2
    echo "Run: sudo apt-get install -y$missing" >&2
    exit 1
  fi
fi

echo "ensure-debian-tools: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An out-of-date package index is the usual reason for "unable to locate package": refresh once.
# shellcheck disable=SC2086 # $sudo and $missing are intentionally split into words
if ! $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null; then
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
