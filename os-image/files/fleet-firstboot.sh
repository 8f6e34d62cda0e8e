#!/bin/sh
# First boot of a fleet board: determine the serial, write the device client's configuration
# (/etc/fleet/device.json) from the endpoint settings baked into the image
# (/etc/fleet/endpoint.env), apply the hostname and Wi-Fi settings a user left on the boot
# (FAT) partition, create the client's state directory and mark the work done.
#
# Idempotent: an existing configuration is never overwritten and no key is ever created here
# (the client generates its own key when it provisions by claim).
#
# FLEET_ROOT (default empty) prefixes every path, so tests run this against a fixture root.
# Users and groups are looked up in "$FLEET_ROOT/etc/passwd" and "$FLEET_ROOT/etc/group".
set -eu

ROOT="${FLEET_ROOT:-}"
CONFIG_DIR="$ROOT/etc/fleet"
CONFIG_FILE="$CONFIG_DIR/device.json"
ENDPOINT_ENV="$CONFIG_DIR/endpoint.env"
STATE_DIR="$ROOT/var/lib/fleet"
DONE_MARKER="$STATE_DIR/.firstboot-done"
SERVICE_USER=fleet

log() {
  echo "fleet-firstboot: $*" >&2
}

fail() {
  log "error: $*"
  exit 1
}

# Numeric id of field 3 (uid) or 4 (gid) of a passwd/group entry in the image's own database.
lookup_id() {
  # $1 = database file, $2 = name
  awk -F: -v name="$2" '$1 == name { print $3; found = 1; exit } END { exit !found }' "$1"
}

# Firmware fills unset DMI fields with text like this; such a value identifies nothing.
is_placeholder() {
  lowered=$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')
  case "$lowered" in
  "" | "to be filled by o.e.m." | "to be filled by oem" | "not specified" | "not applicable" | \
    "default string" | "system serial number" | "chassis serial number" | "none" | "n/a" | \
    "na" | "unknown" | "invalid" | "serial" | "0123456789" | "123456789" | "1234567890" | \
    "x.x" | "oem" | "empty")
    return 0
    ;;
  esac
  # All zeros, all 'f' (erased flash) or all 'x'.
  if printf '%s' "$lowered" | grep -Eq '^(0+|f+|x+|-+)$'; then
    return 0
  fi
  return 1
}

# Maps a raw value to the product's serial format (SerialSchema: 4-64 characters of
# [A-Za-z0-9_-], starting with a letter or digit): other characters become '-', leading
# separators are dropped, the result is cut at 64. Prints nothing when too short.
normalise_serial() {
  value=$(printf '%s' "$1" | tr -c 'A-Za-z0-9_-' '-' | sed -e 's/^[-_]*//' | cut -c1-64)
  case "$value" in
  ????*) printf '%s' "$value" ;;
  esac
}

# Reads a firmware string: device-tree values end in NUL, DMI values in a newline.
read_firmware_string() {
  tr -d '\000\r\n' <"$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

detect_serial() {
  for source in \
    "$ROOT/proc/device-tree/serial-number" \
    "$ROOT/sys/firmware/devicetree/base/serial-number" \
    "$ROOT/sys/class/dmi/id/product_serial"; do
    [ -r "$source" ] || continue
    raw=$(read_firmware_string "$source")
    if is_placeholder "$raw"; then
      log "ignoring placeholder serial '$raw' in $source"
      continue
    fi
    serial=$(normalise_serial "$raw")
    if [ -n "$serial" ]; then
      log "serial $serial from $source"
      printf '%s' "$serial"
      return 0
    fi
    log "ignoring unusable serial '$raw' in $source"
  done
  # No hardware serial: the machine id is unique per installation (systemd creates it on
  # first boot), so the board still gets a stable identity.
  if [ -r "$ROOT/etc/machine-id" ]; then
    serial=$(normalise_serial "$(read_firmware_string "$ROOT/etc/machine-id")")
    if [ -n "$serial" ] && ! is_placeholder "$serial"; then
      log "serial $serial from $ROOT/etc/machine-id (no hardware serial found)"
      printf '%s' "$serial"
      return 0
    fi
  fi
  return 1
}

# The endpoint file holds KEY=value lines written at image build time. It is read, never
# sourced (nothing in it runs), and each value is checked so the JSON below needs no escaping.
setting() {
  # $1 = key; the last assignment wins
  sed -n "s/^$1=//p" "$ENDPOINT_ENV" | tail -n 1
}

require_setting() {
  # $1 = name, $2 = value, $3 = extended regular expression the value must match
  if ! printf '%s' "$2" | grep -Eq "^($3)\$"; then
    fail "$ENDPOINT_ENV: $1='$2' is missing or invalid (expected $3)"
  fi
}

write_config() {
  # $1 = serial
  [ -r "$ENDPOINT_ENV" ] || fail "$ENDPOINT_ENV is missing: the image was built without endpoint settings"
  FLEET_ENDPOINT_HOST=$(setting FLEET_ENDPOINT_HOST)
  FLEET_ENDPOINT_PORT=$(setting FLEET_ENDPOINT_PORT)
  FLEET_ENDPOINT_ALPN=$(setting FLEET_ENDPOINT_ALPN)
  FLEET_TEMPLATE_NAME=$(setting FLEET_TEMPLATE_NAME)
  FLEET_CA_FILE=$(setting FLEET_CA_FILE)
  FLEET_CLAIM_CERT_FILE=$(setting FLEET_CLAIM_CERT_FILE)
  FLEET_CLAIM_KEY_FILE=$(setting FLEET_CLAIM_KEY_FILE)
  FLEET_RELEASE_PUBLIC_KEY_FILE=$(setting FLEET_RELEASE_PUBLIC_KEY_FILE)
  path_re='/[A-Za-z0-9._/-]+'
  require_setting FLEET_ENDPOINT_HOST "${FLEET_ENDPOINT_HOST:-}" '[A-Za-z0-9.-]+'
  require_setting FLEET_ENDPOINT_PORT "${FLEET_ENDPOINT_PORT:-8883}" '[0-9]{1,5}'
  alpn=""
  if [ -n "${FLEET_ENDPOINT_ALPN:-}" ]; then
    # MQTT on port 443 (networks that block 8883): AWS IoT Core wants ALPN x-amzn-mqtt-ca.
    require_setting FLEET_ENDPOINT_ALPN "$FLEET_ENDPOINT_ALPN" '[A-Za-z0-9._-]{1,64}'
    alpn=", \"alpn\": \"$FLEET_ENDPOINT_ALPN\""
  fi
  require_setting FLEET_TEMPLATE_NAME "${FLEET_TEMPLATE_NAME:-}" '[0-9A-Za-z_-]{1,36}'
  require_setting FLEET_CA_FILE "${FLEET_CA_FILE:-}" "$path_re"
  require_setting FLEET_CLAIM_CERT_FILE "${FLEET_CLAIM_CERT_FILE:-}" "$path_re"
  require_setting FLEET_CLAIM_KEY_FILE "${FLEET_CLAIM_KEY_FILE:-}" "$path_re"
  require_setting FLEET_RELEASE_PUBLIC_KEY_FILE "${FLEET_RELEASE_PUBLIC_KEY_FILE:-}" "$path_re"

  tmp="$CONFIG_FILE.tmp.$$"
  # Written beside the target and renamed, so a power cut never leaves half a config.
  cat >"$tmp" <<JSON
{
  "serial": "$1",
  "endpoint": { "host": "$FLEET_ENDPOINT_HOST", "port": ${FLEET_ENDPOINT_PORT:-8883}$alpn },
  "tls": { "caFile": "$FLEET_CA_FILE" },
  "credentialsDir": "/var/lib/fleet/credentials",
  "stateDir": "/var/lib/fleet",
  "provisioning": {
    "claimCertFile": "$FLEET_CLAIM_CERT_FILE",
    "claimKeyFile": "$FLEET_CLAIM_KEY_FILE",
    "templateName": "$FLEET_TEMPLATE_NAME"
  },
  "telemetry": { "sources": { "system": {} } },
  "apps": { "releasePublicKeyFile": "$FLEET_RELEASE_PUBLIC_KEY_FILE" }
}
JSON
  chmod 0640 "$tmp"
  chown "$root_uid:$fleet_gid" "$tmp"
  mv -f "$tmp" "$CONFIG_FILE"
  log "wrote $CONFIG_FILE"
}

# fleet-boot.txt on the boot (FAT) partition: what a user sets from any OS before the first
# boot. KEY=value lines; blank lines and lines starting with '#' are ignored, CR line ends
# (Windows editors) are accepted, the last assignment of a key wins. Keys:
#   hostname=NAME       1-63 letters, digits and '-', not starting or ending with '-'
#   wifi_ssid=NAME      the network's name, 1-32 characters (any, spaces included)
#   wifi_psk=SECRET     WPA2 passphrase, 8-63 printable ASCII characters without '"' or '\',
#                       or the 64 hex digits of the raw key
#   wifi_country=CC     ISO 3166 country code (radio regulations), e.g. DE; optional
# Anything else stops the first boot with a message naming the line: a typo must not leave a
# board off the network silently. The file is deleted once applied (it holds the passphrase).
BOOT_SETTINGS_FILES="$ROOT/boot/efi/fleet-boot.txt $ROOT/boot/firmware/fleet-boot.txt"

boot_setting() {
  # $1 = file, $2 = key; the last assignment wins
  tr -d '\r' <"$1" | sed -n "s/^$2=//p" | tail -n 1
}

apply_boot_settings() {
  for file in $BOOT_SETTINGS_FILES; do
    [ -f "$file" ] || continue
    unknown=$(tr -d '\r' <"$file" | grep -Ev '^(#.*|[[:space:]]*|(hostname|wifi_ssid|wifi_psk|wifi_country)=.*)$' | head -n 1)
    [ -z "$unknown" ] || fail "$file: unknown line '$unknown' (keys: hostname, wifi_ssid, wifi_psk, wifi_country)"
    name=$(boot_setting "$file" hostname)
    ssid=$(boot_setting "$file" wifi_ssid)
    psk=$(boot_setting "$file" wifi_psk)
    country=$(boot_setting "$file" wifi_country)
    if [ -n "$name" ]; then
      printf '%s' "$name" | grep -Eq '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$' ||
        fail "$file: hostname '$name' is not 1-63 letters, digits and '-'"
      printf '%s\n' "$name" >"$ROOT/etc/hostname"
      log "hostname $name from $file"
    fi
    if [ -n "$ssid$psk" ]; then
      write_wifi "$file" "$ssid" "$psk" "$country"
    fi
    rm -f "$file"
  done
}

write_wifi() {
  # $1 = file (for messages), $2 = SSID, $3 = passphrase or raw key, $4 = country (optional)
  length=$(printf '%s' "$2" | wc -c)
  if [ "$length" -lt 1 ] || [ "$length" -gt 32 ]; then
    fail "$1: wifi_ssid must be 1-32 characters"
  fi
  if printf '%s' "$3" | grep -Eq '^[0-9A-Fa-f]{64}$'; then
    psk_line="psk=$3"
  elif printf '%s' "$3" | grep -Eq '^[]-~ !#-[]{8,63}$'; then
    psk_line="psk=\"$3\""
  else
    fail "$1: wifi_psk must be 8-63 printable ASCII characters without '\"' or '\\', or 64 hex digits"
  fi
  if [ -n "$4" ]; then
    printf '%s' "$4" | grep -Eq '^[A-Z]{2}$' || fail "$1: wifi_country '$4' is not a two-letter code"
  fi
  # The SSID goes in as hex, so no character of it needs quoting.
  ssid_hex=$(printf '%s' "$2" | od -An -tx1 | tr -d ' \n')
  conf="$ROOT/etc/wpa_supplicant/wpa_supplicant-wlan0.conf"
  mkdir -p "$(dirname "$conf")"
  (
    umask 077
    {
      echo "ctrl_interface=DIR=/run/wpa_supplicant"
      [ -z "$4" ] || echo "country=$4"
      echo "network={"
      echo "  ssid=$ssid_hex"
      echo "  $psk_line"
      echo "}"
    } >"$conf.tmp.$$"
    mv -f "$conf.tmp.$$" "$conf"
  )
  log "Wi-Fi network '$2' from $1 (wlan0)"
}

main() {
  if [ -e "$DONE_MARKER" ]; then
    log "already done ($DONE_MARKER exists)"
    return 0
  fi
  root_uid=$(lookup_id "$ROOT/etc/passwd" root) || fail "no root user in $ROOT/etc/passwd"
  fleet_uid=$(lookup_id "$ROOT/etc/passwd" "$SERVICE_USER") ||
    fail "no '$SERVICE_USER' user in $ROOT/etc/passwd: the image was not built with install-fleet.sh"
  fleet_gid=$(lookup_id "$ROOT/etc/group" "$SERVICE_USER") ||
    fail "no '$SERVICE_USER' group in $ROOT/etc/group"

  apply_boot_settings
  mkdir -p "$CONFIG_DIR"
  if [ -e "$CONFIG_FILE" ]; then
    log "keeping the existing $CONFIG_FILE"
  else
    serial=$(detect_serial) ||
      fail "no serial: no device-tree or DMI serial and no /etc/machine-id; set \"serial\" in $CONFIG_FILE"
    write_config "$serial"
  fi

  mkdir -p "$STATE_DIR"
  chown "$fleet_uid:$fleet_gid" "$STATE_DIR"
  chmod 0700 "$STATE_DIR"
  : >"$DONE_MARKER"
  log "done"
}

main
