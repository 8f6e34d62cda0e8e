// What the board test adds to the release image, and only there: journald forwards the
// journal to the serial console (so the first-boot script's and the client's log lines reach
// the test), a probe unit prints the client's resident memory every 10 s, and the sandbox's
// artifact port is forwarded to the guest's loopback. Everything else
// on the disk is what a release image carries.

/** Kernel arguments: the probe and the artifact forwarder started. */
export const BOARD_TEST_KERNEL_ARGS =
  "systemd.wants=board-probe.service systemd.wants=board-artifacts.socket";

/**
 * The sandbox's artifact server on the guest's own loopback: the client takes plain http only
 * from 127.0.0.1 (the sandbox; real artifact URLs are https), and the guest reaches the host's
 * loopback at 10.0.2.2. systemd-socket-proxyd forwards the port.
 */
export function artifactForwarder(port: number): Record<string, string> {
  return {
    "/etc/systemd/system/board-artifacts.socket": `[Socket]\nListenStream=127.0.0.1:${port}\n`,
    "/etc/systemd/system/board-artifacts.service": `[Service]\nExecStart=/lib/systemd/systemd-socket-proxyd 10.0.2.2:${port}\n`,
  };
}

/**
 * The journal on the serial console (/dev/console is the last `console=`, tty0 on the image),
 * where the test reads the first-boot script's and the client's lines.
 */
export const BOARD_TEST_JOURNALD_PATH = "/etc/systemd/journald.conf.d/board-test.conf";
export const BOARD_TEST_JOURNALD = "[Journal]\nForwardToConsole=yes\nTTYPath=/dev/ttyAMA0\n";

export const BOARD_PROBE_UNIT_PATH = "/etc/systemd/system/board-probe.service";

/** `$$` is a literal `$` in a unit file. */
export const BOARD_PROBE_UNIT = `[Unit]
Description=Board test probe: the fleet client's resident memory on the serial console

[Service]
ExecStart=/bin/sh -c 'while sleep 10; do pid=$$(systemctl show -p MainPID --value fleet-device.service); if [ "$$pid" != 0 ]; then echo "board-probe: fleet-device $$(grep VmRSS /proc/$$pid/status)" >/dev/ttyAMA0; fi; done'
`;

/** The resident memory a probe line reports, in KiB. */
export function probeRssKib(line: string): number | undefined {
  const match = /board-probe: fleet-device VmRSS:\s+(\d+) kB/.exec(line);
  return match === null ? undefined : Number(match[1]);
}
