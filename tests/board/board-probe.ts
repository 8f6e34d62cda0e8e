// What the board test adds to the release image, and only there: journald forwards the
// journal to the serial console (so the first-boot script's and the client's log lines reach
// the test), and a probe unit prints the client's resident memory every 10 s. Everything else
// on the disk is what a release image carries.

/** Kernel argument: the probe unit started. */
export const BOARD_TEST_KERNEL_ARGS = "systemd.wants=board-probe.service";

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
