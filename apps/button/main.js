import { spawn } from "node:child_process";
import { watch } from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { connectBus } from "#lib/bus-client.js";
import { gpiomonArgs, libgpiodMajor } from "#lib/gpio.js";
import { createLog, requireEnv } from "#lib/log.js";

// The button app: each press becomes `button/pressed` on the local bus (the LED app toggles
// blinking). It talks only to the local bus, so it works with the cloud unreachable.
// Presses come from a GPIO line (`gpiomon`) when FLEET_GPIO_CHIP is set; SIGUSR1 always
// counts as a press, and without a chip so does the file `<FLEET_APP_DATA_DIR>/press`.
const log = createLog("button");
const socketPath = requireEnv("FLEET_BUS_SOCKET", log);
const dataDir = requireEnv("FLEET_APP_DATA_DIR", log);
const chip = process.env.FLEET_GPIO_CHIP;
/** A mechanical button bounces: edges closer than this are one press. */
const DEBOUNCE_MS = 200;

const bus = connectBus({ socketPath, log });

function press(source) {
  log.info("button.pressed", { source });
  bus.publish("button/pressed", { source, at: new Date().toISOString() });
}

process.on("SIGUSR1", () => press("signal"));

if (chip) {
  const line = process.env.FLEET_BUTTON_LINE;
  if (!line) {
    log.error("app.missing-env", { variable: "FLEET_BUTTON_LINE" });
    process.exit(78);
  }
  const major = await libgpiodMajor();
  // stdbuf: gpiomon's stdout is a pipe here, and block buffering would hold presses back.
  const monitor = spawn("stdbuf", ["-oL", "gpiomon", ...gpiomonArgs(major, chip, line)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  monitor.on("exit", (code) => {
    log.error("button.gpiomon-exited", { code });
    process.exit(1);
  });
  let last = 0;
  createInterface({ input: monitor.stdout }).on("line", () => {
    const now = Date.now();
    if (now - last >= DEBOUNCE_MS) press("gpio");
    last = now;
  });
  process.once("SIGTERM", () => {
    monitor.removeAllListeners("exit");
    monitor.kill("SIGTERM");
    process.exit(0);
  });
} else {
  const pressFile = join(dataDir, "press");
  // Consuming the file (unlink) makes each touch exactly one press, whatever events fire.
  const consume = () =>
    unlink(pressFile).then(
      () => press("file"),
      () => undefined,
    );
  watch(dataDir, (_event, name) => {
    if (name === "press") consume();
  });
  consume();
}
log.info("button.started", { gpio: Boolean(chip) });
