import { execFile } from "node:child_process";
import { promisify } from "node:util";

/**
 * Command lines for the libgpiod tools (Linux GPIO character device). Both majors are in the
 * field: Debian bookworm ships gpiod 1.6 (`gpioset [-m MODE] CHIP LINE=V`, `gpiomon -F CHIP
 * LINE`), newer distributions 2.x (`gpioset -c CHIP LINE=V`, `gpiomon -e falling -c CHIP
 * LINE`). Either way the line keeps its value only while the tool runs, so callers keep
 * the process alive and kill it to change the value.
 */

/** The libgpiod major version of the installed tools (`gpioset --version`: "... v1.6.3"). */
export async function libgpiodMajor() {
  const { stdout } = await promisify(execFile)("gpioset", ["--version"]);
  const match = /\bv(\d+)\./.exec(stdout);
  if (match === null) throw new Error(`cannot tell the libgpiod version from: ${stdout.trim()}`);
  return Number(match[1]);
}

/** Arguments that drive `line` of `chip` to `value` until the process is killed. */
export function gpiosetArgs(major, chip, line, value) {
  return major === 1
    ? ["--mode=signal", chip, `${line}=${value}`]
    : ["--chip", chip, `${line}=${value}`];
}

/** Arguments that print one line per falling edge (a press that pulls the line low). */
export function gpiomonArgs(major, chip, line) {
  return major === 1
    ? ["--falling-edge", chip, String(line)]
    : ["--edges=falling", "--chip", chip, String(line)];
}
