import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../src/bin/fleet-device.ts", import.meta.url));

export interface DeviceProcess {
  child: ChildProcess;
  /** Parsed JSON log lines written so far. */
  logs(): Record<string, unknown>[];
  stderr(): string;
  /** Resolves with the first log line with this message that matches. */
  waitForLog(
    msg: string,
    match?: (line: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>>;
  /** Resolves once the process has exited and its output has been read. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the real `fleet-device` bin with the Node that runs the tests. */
export function spawnDevice(args: string[]): DeviceProcess {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: Record<string, unknown>[] = [];
  const waiters: {
    msg: string;
    match: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }[] = [];
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    let newline = stdout.indexOf("\n");
    while (newline >= 0) {
      const line = JSON.parse(stdout.slice(0, newline)) as Record<string, unknown>;
      stdout = stdout.slice(newline + 1);
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.msg === line.msg && waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      newline = stdout.indexOf("\n");
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // "close", not "exit": it follows the end of stdout, so every log line has been read.
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    logs: () => [...lines],
    stderr: () => stderr,
    waitForLog(msg, match = () => true) {
      const seen = lines.find((line) => line.msg === msg && match(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ msg, match, resolve }));
    },
    exited,
  };
}
