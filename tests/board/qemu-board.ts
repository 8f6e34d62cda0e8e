// An emulated Arm SystemReady board: qemu-system-aarch64's `virt` machine with the EDK2 UEFI
// firmware (Debian's qemu-efi-aarch64, "AAVMF"), the image on a virtio disk, QEMU user
// networking (the guest reaches the host's loopback at 10.0.2.2) and an SMBIOS type 1 table
// carrying the board's serial, as a SystemReady board's firmware does. The serial console is
// the process's stdout: its lines are kept for the test and appended to a log file.
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** Debian's EDK2 build for the virt machine: read-only code, and the variable store template. */
const FIRMWARE_CODE = "/usr/share/AAVMF/AAVMF_CODE.fd";
const FIRMWARE_VARS = "/usr/share/AAVMF/AAVMF_VARS.fd";

export interface BoardOptions {
  disk: string;
  /** SMBIOS system serial number (DMI product_serial in the guest). */
  serial: string;
  /** Directory for the board's UEFI variable store and its console log. */
  dir: string;
}

export interface ConsoleWatch {
  /** Resolves with the first console line (from now on) matching `pattern`. */
  next(pattern: RegExp, timeoutMs: number, what: string): Promise<string>;
}

export interface Board extends ConsoleWatch {
  readonly consoleLog: string;
  /** Every console line since the first power-on. */
  readonly lines: readonly string[];
  /** Powers the board on (again): boots from the disk. */
  powerOn(): void;
  /** Cuts the power: QEMU is killed (SIGKILL), nothing in the guest gets to flush. */
  powerCut(): Promise<void>;
  /** Powers off if on; what `afterAll` calls. */
  dispose(): Promise<void>;
}

export function createBoard(options: BoardOptions): Board {
  const consoleLog = join(options.dir, "console.log");
  const vars = join(options.dir, "efivars.fd");
  // The board's NVRAM persists across power cycles, like a real board's flash.
  if (!existsSync(vars)) copyFileSync(FIRMWARE_VARS, vars);
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  let qemu: ChildProcess | undefined;

  const onLine = (line: string) => {
    lines.push(line);
    appendFileSync(consoleLog, `${line}\n`);
    for (const waiter of waiters) {
      if (waiter.pattern.test(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };

  const stop = async () => {
    const running = qemu;
    qemu = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once("exit", resolve));
    running.kill("SIGKILL");
    await exited;
  };

  return {
    consoleLog,
    lines,
    powerOn() {
      if (qemu !== undefined) throw new Error("the board is already on");
      appendFileSync(consoleLog, `--- power on ${new Date().toISOString()}\n`);
      const args = [
        ...["-M", "virt", "-cpu", "cortex-a57", "-smp", "2", "-m", "1024"],
        ...["-accel", "tcg,thread=multi"],
        ...["-drive", `if=pflash,format=raw,readonly=on,file=${FIRMWARE_CODE}`],
        ...["-drive", `if=pflash,format=raw,file=${vars}`],
        ...["-drive", `if=none,id=disk,format=raw,file=${options.disk}`],
        ...["-device", "virtio-blk-pci,drive=disk"],
        // romfile=: the firmware drives virtio-net itself; no iPXE option ROM (ipxe-qemu) needed.
        ...["-netdev", "user,id=net", "-device", "virtio-net-pci,netdev=net,romfile="],
        // Early boot waits for entropy (TLS keys, systemd's random seed) without it.
        ...["-device", "virtio-rng-pci"],
        ...["-smbios", `type=1,manufacturer=fleet,product=emulated-board,serial=${options.serial}`],
        ...["-display", "none", "-serial", "stdio", "-monitor", "none"],
      ];
      const child = spawn("qemu-system-aarch64", args, { stdio: ["ignore", "pipe", "pipe"] });
      qemu = child;
      // A test run that ends without afterAll (an error, Ctrl-C) still powers the board off.
      const onExit = () => child.kill("SIGKILL");
      process.once("exit", onExit);
      child.once("exit", () => process.off("exit", onExit));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) =>
        onLine(line.replace(/\r$/, "")),
      );
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) =>
        onLine(`qemu: ${line}`),
      );
      child.once("exit", (code, signal) => {
        if (qemu === child) qemu = undefined;
        appendFileSync(consoleLog, `--- qemu exited (${code ?? signal})\n`);
      });
    },
    powerCut: stop,
    dispose: stop,
    next(pattern, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const waiter = {
          pattern,
          resolve: (line: string) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(
              `no console line for ${what} within ${timeoutMs / 1000} s (${pattern}); see ${consoleLog}`,
            ),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
  };
}
