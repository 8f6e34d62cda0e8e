import { spawn } from "node:child_process";
import { once } from "node:events";
import { rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gpiosetArgs, libgpiodMajor } from "#lib/gpio.js";

/**
 * Where the LED level goes: a GPIO line through `gpioset` when FLEET_GPIO_CHIP is set,
 * otherwise (the sandbox) the file `<FLEET_APP_DATA_DIR>/led-level` holding "0" or "1".
 * Levels are applied one after the other, in order.
 */
export async function createLedOutput({ dataDir, chip, line, log }) {
  const write = chip ? await gpioWriter(chip, line, log) : fileWriter(dataDir);
  let chain = Promise.resolve();
  let level;
  return {
    set(next) {
      if (next === level) return chain;
      level = next;
      chain = chain
        .then(() => write(next))
        .catch((error) => log.error("led.output-failed", { error: error.message }));
      return chain;
    },
    close: () => chain.then(() => write.close?.()),
  };
}

function fileWriter(dataDir) {
  const file = join(dataDir, "led-level");
  // Written whole then renamed, so a reader never sees a half-written level.
  return async (level) => {
    await writeFile(`${file}.tmp`, `${level}\n`);
    await rename(`${file}.tmp`, file);
  };
}

async function gpioWriter(chip, line, log) {
  if (!line)
    throw new Error("FLEET_LED_LINE must name the LED's GPIO line when FLEET_GPIO_CHIP is set");
  const major = await libgpiodMajor();
  log.info("led.gpio", { chip, line, libgpiod: major });
  let holder;
  const release = async () => {
    if (holder === undefined || holder.exitCode !== null) return;
    const exited = once(holder, "exit");
    holder.kill("SIGTERM");
    await exited;
  };
  // The line must be free before the next gpioset can request it.
  const write = async (level) => {
    await release();
    holder = spawn("gpioset", gpiosetArgs(major, chip, line, level), { stdio: "ignore" });
    holder.on("error", (error) => log.error("led.gpioset-failed", { error: error.message }));
  };
  write.close = release;
  return write;
}
