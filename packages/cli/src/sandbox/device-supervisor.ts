import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
// A simulated device that "reboots" (its reboot command is `exit`) exits with this code; the
// supervisor starts it again at once, as a board boots.
import { REBOOT_EXIT_CODE } from "@fleet/device";

export interface SupervisedDevice {
  serial: string;
  configPath: string;
  logPath: string;
}

export interface DeviceSupervisorOptions {
  /** Command that runs one device client: `[executable, ...args]`; `--config PATH` is appended. */
  command: readonly string[];
  /** Delay before restarting a device process that exited on its own. Default 5000 ms. */
  restartDelayMs?: number;
  /** How long a device may take to exit after SIGTERM before it is killed. Default 5000 ms. */
  stopTimeoutMs?: number;
}

const DEFAULTS = { restartDelayMs: 5_000, stopTimeoutMs: 5_000 } as const;

interface Running {
  device: SupervisedDevice;
  child: ChildProcess | null;
  log: WriteStream;
  restartTimer: NodeJS.Timeout | null;
  restarts: number;
}

/**
 * Runs one real `fleet-device` process per simulated device and restarts one that exits, as
 * systemd's `Restart=on-failure` does on a board (after `restartDelayMs`; at once after a
 * simulated reboot, REBOOT_EXIT_CODE). Output goes to the device's log file.
 */
export class DeviceSupervisor extends EventEmitter<{
  exit: [serial: string, code: number | null, signal: NodeJS.Signals | null];
  reboot: [serial: string];
}> {
  private readonly options: Required<DeviceSupervisorOptions>;
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(options: DeviceSupervisorOptions) {
    super();
    this.options = { ...DEFAULTS, ...options };
  }

  start(device: SupervisedDevice): void {
    const entry: Running = {
      device,
      child: null,
      log: createWriteStream(device.logPath, { flags: "a" }),
      restartTimer: null,
      restarts: 0,
    };
    this.running.set(device.serial, entry);
    this.spawn(entry);
  }

  restartCount(serial: string): number {
    return this.running.get(serial)?.restarts ?? 0;
  }

  private spawn(entry: Running): void {
    const [executable, ...args] = this.options.command;
    if (!executable) throw new Error("device command is empty");
    const child = spawn(executable, [...args, "--config", entry.device.configPath], {
      // The IPC channel lets the device notice if this process dies without stopping it.
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    entry.child = child;
    child.stdout?.pipe(entry.log, { end: false });
    child.stderr?.pipe(entry.log, { end: false });
    child.once("exit", (code, signal) => {
      entry.child = null;
      if (this.stopping) {
        this.emit("exit", entry.device.serial, code, signal);
        return;
      }
      entry.restarts += 1;
      if (code === REBOOT_EXIT_CODE) {
        this.emit("reboot", entry.device.serial);
        this.spawn(entry);
        return;
      }
      this.emit("exit", entry.device.serial, code, signal);
      entry.restartTimer = setTimeout(() => {
        entry.restartTimer = null;
        if (!this.stopping) this.spawn(entry);
      }, this.options.restartDelayMs);
    });
  }

  /** SIGTERM every device (they disconnect cleanly), SIGKILL what is still up after the timeout. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.running.values()].map((entry) => this.stop(entry)));
    this.running.clear();
  }

  private async stop(entry: Running): Promise<void> {
    if (entry.restartTimer) clearTimeout(entry.restartTimer);
    const child = entry.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), this.options.stopTimeoutMs);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => entry.log.end(resolve));
  }
}
