#!/bin/sh
# Installs the fleet device client into an image at build time (Packer's chroot or
# cloud-init on the board): service user, client and Node runtime, systemd units, claim
# credentials and endpoint settings. Run as root on the target system.
#
# Inputs, staged in $FLEET_STAGING (default /tmp/fleet-image):
#   fleet-device.tar.gz  the client with its runtime: bin/node and lib/fleet-device.mjs
#   claim.cert.pem, claim.key.pem, root-ca.pem (the CA bundle: os-image/files/amazon-root-cas.pem,
#   Amazon Root CA 1-4), release-key.pub.pem (the stage's release public key, Ed25519), and
#   the files of os-image/files/
# Environment: FLEET_ENDPOINT_HOST, FLEET_ENDPOINT_PORT (default 8883), FLEET_TEMPLATE_NAME,
# FLEET_ENDPOINT_ALPN (optional: x-amzn-mqtt-ca with port 443, for networks that block 8883).
set -eu

STAGING="${FLEET_STAGING:-/tmp/fleet-image}"
PREFIX=/opt/fleet-device

fail() {
  echo "install-fleet: error: $*" >&2
  exit 1
}

for input in fleet-device.tar.gz claim.cert.pem claim.key.pem root-ca.pem release-key.pub.pem \
  fleet-device.service fleet-firstboot.service fleet-firstboot.sh \
  50-fleet-reboot.rules 60-fleet-gpio.rules; do
  [ -f "$STAGING/$input" ] || fail "missing $STAGING/$input"
done
: "${FLEET_ENDPOINT_HOST:?FLEET_ENDPOINT_HOST is required}"
: "${FLEET_TEMPLATE_NAME:?FLEET_TEMPLATE_NAME is required}"

# A system user with no login and no home of its own; gpio for the LED/button apps.
getent group gpio >/dev/null || groupadd --system gpio
if ! getent passwd fleet >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/fleet --no-create-home \
    --shell /usr/sbin/nologin --comment "fleet device client" fleet
fi
usermod --append --groups gpio fleet

rm -rf "$PREFIX"
mkdir -p "$PREFIX"
tar -xzf "$STAGING/fleet-device.tar.gz" -C "$PREFIX" --no-same-owner
[ -x "$PREFIX/bin/node" ] || fail "the client tarball has no executable bin/node"
[ -f "$PREFIX/lib/fleet-device.mjs" ] || fail "the client tarball has no lib/fleet-device.mjs"
chown -R root:root "$PREFIX"
chmod -R go-w "$PREFIX"
# Apps start with `node main.js` (their app.json) on the service's default PATH: the client's
# own runtime is the board's node.
ln -sf "$PREFIX/bin/node" /usr/local/bin/node

install -d -m 0755 /usr/local/lib/fleet
install -m 0755 "$STAGING/fleet-firstboot.sh" /usr/local/lib/fleet/fleet-firstboot.sh
install -m 0644 "$STAGING/fleet-device.service" "$STAGING/fleet-firstboot.service" /etc/systemd/system/
install -d -m 0755 /etc/polkit-1/rules.d
install -m 0644 "$STAGING/50-fleet-reboot.rules" /etc/polkit-1/rules.d/
install -m 0644 "$STAGING/60-fleet-gpio.rules" /etc/udev/rules.d/

# The claim key is readable by the service user only; /etc/fleet itself stays root's.
install -d -m 0755 -o root -g fleet /etc/fleet
install -d -m 0700 -o fleet -g fleet /etc/fleet/claim
install -m 0600 -o fleet -g fleet "$STAGING/claim.cert.pem" /etc/fleet/claim/claim.cert.pem
install -m 0600 -o fleet -g fleet "$STAGING/claim.key.pem" /etc/fleet/claim/claim.key.pem
install -m 0644 "$STAGING/root-ca.pem" /etc/fleet/root-ca.pem
# Public, but root's: whoever could replace it could sign their own app artifacts.
install -m 0644 "$STAGING/release-key.pub.pem" /etc/fleet/release-key.pub.pem

umask 022
cat >/etc/fleet/endpoint.env <<ENV
FLEET_ENDPOINT_HOST=$FLEET_ENDPOINT_HOST
FLEET_ENDPOINT_PORT=${FLEET_ENDPOINT_PORT:-8883}
FLEET_ENDPOINT_ALPN=${FLEET_ENDPOINT_ALPN:-}
FLEET_TEMPLATE_NAME=$FLEET_TEMPLATE_NAME
FLEET_CA_FILE=/etc/fleet/root-ca.pem
FLEET_CLAIM_CERT_FILE=/etc/fleet/claim/claim.cert.pem
FLEET_CLAIM_KEY_FILE=/etc/fleet/claim/claim.key.pem
FLEET_RELEASE_PUBLIC_KEY_FILE=/etc/fleet/release-key.pub.pem
ENV

# An image must never carry a board's identity: each board gets its own machine id, serial
# config and keys on first boot.
rm -f /etc/fleet/device.json
rm -rf /var/lib/fleet
systemctl enable fleet-firstboot.service fleet-device.service
rm -rf "$STAGING"
echo "install-fleet: installed the fleet client for $FLEET_ENDPOINT_HOST" >&2
