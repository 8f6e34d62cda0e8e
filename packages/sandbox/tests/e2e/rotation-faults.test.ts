import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { certificateIdOf } from "@fleet/core/contracts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox, waitFor } from "./sandbox-fixture.ts";

const DEVICE_BIN = fileURLToPath(
  new URL("../../../device/src/bin/fleet-device.ts", import.meta.url),
);

type LogLine = Record<string, unknown>;

/**
 * The moments the device's rotator reports in its log (certificate-rotator.ts), in order. The
 * device is killed as soon as the line shows up on its stdout.
 */
const STEPS: { step: string; reached: (line: LogLine) => boolean }[] = [
  // The job is taken; the new key is not made yet.
  { step: "job started", reached: (line) => line.msg === "jobs.step" },
  // New key persisted; the CSR goes out next.
  { step: "key", reached: (line) => line.msg === "rotation.key" },
  // Certificate issued, verified and written to cert.next.pem.
  { step: "verify", reached: (line) => line.msg === "rotation.verify" },
  // Reconnecting with the new pair.
  {
    step: "switch",
    reached: (line) =>
      line.msg === "connection.switch-credentials" &&
      String(line.certFile).endsWith("cert.next.pem"),
  },
  // Committed over the new certificate; the old one is revoked, the files not yet renamed.
  { step: "commit", reached: (line) => line.msg === "rotation.commit" },
  // New pair renamed over the device's own; the job is not marked SUCCEEDED yet.
  { step: "promote", reached: (line) => line.msg === "rotation.promote" },
];

/** Short enough that a rotation the restarted device gives up on is swept within the test. */
const ROTATION_TIMEOUT_MS = 15_000;

describe("certificate rotation survives the device process being killed at each step", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  const running = new Set<ChildProcess>();

  beforeAll(async () => {
    env = await startTestSandbox("rotation-faults", {
      rotationTimeoutMs: ROTATION_TIMEOUT_MS,
      auditIntervalMs: 250,
      // An audit every few hundred ms makes control-plane calls for every thing each time: lift
      // the limit so it does not pace the rotations under test (bench/ measures the limit).
      controlPlaneCallsPerSecond: 1000,
    });
  });

  afterEach(async () => {
    await Promise.all([...running].map(stop));
  });

  afterAll(async () => {
    await env.stop();
  });

  /** A real `fleet-device` process; `killWhen` SIGKILLs it from the log line handler itself. */
  function spawnDevice(configPath: string) {
    const child = spawn(process.execPath, [DEVICE_BIN, "--config", configPath], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    running.add(child);
    child.once("exit", () => running.delete(child));
    let killer: { when: (line: LogLine) => boolean; killed: (line: LogLine) => void } | undefined;
    createInterface({ input: child.stdout as Readable }).on("line", (text) => {
      const line = JSON.parse(text) as LogLine;
      if (killer?.when(line)) {
        child.kill("SIGKILL");
        killer.killed(line);
        killer = undefined;
      }
    });
    return {
      child,
      /** Resolves with the line once the process is gone; rejects if it ends before. */
      killWhen(when: (line: LogLine) => boolean): Promise<LogLine> {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        const seen = new Promise<LogLine>((resolve, reject) => {
          killer = { when, killed: resolve };
          exited.then(() => reject(new Error("the device exited before the step was logged")));
        });
        return seen.then(async (line) => {
          await exited;
          return line;
        });
      },
    };
  }

  async function stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  it.each(STEPS)(
    "killed at $step, the restarted device ends connected with its one ACTIVE certificate",
    async ({ step, reached }) => {
      const serial = `SN-ROTF-${step.replace(/\W/g, "").toUpperCase()}`;
      const dir = join(env.dir, "devices", serial);
      const credentialsDir = join(dir, "credentials");
      const device = await env.sandbox.enrollDevice(serial, credentialsDir);
      const { thingName } = device;
      const configPath = join(dir, "config.json");
      await mkdir(dir, { recursive: true });
      await writeFile(
        configPath,
        JSON.stringify({
          serial,
          endpoint: env.sandbox.mqtt,
          tls: { caFile: device.caFile },
          credentialsDir,
          heartbeatIntervalSeconds: 60,
          reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
        }),
      );

      const first = spawnDevice(configPath);
      await waitFor(`${serial} to connect`, async () =>
        env.sandbox.sessions.get(thingName)?.certificateId === device.certificateId
          ? true
          : undefined,
      );
      const killed = first.killWhen(reached);
      const rotation = await env.sandbox.startRotation(thingName);
      await killed;

      const restartedAt = new Date().toISOString();
      const second = spawnDevice(configPath);
      const settled = await waitFor(
        `${serial} to end connected with a settled rotation`,
        async () => {
          const record = (await env.sandbox.listRotations()).find(
            (each) => each.rotationId === rotation.rotationId,
          );
          if (record?.step !== "committed" && record?.step !== "timed-out") return undefined;
          const certificateId = certificateIdOf(
            await readFile(join(credentialsDir, "cert.pem"), "utf8"),
          );
          const session = env.sandbox.sessions.get(thingName);
          if (session?.certificateId !== certificateId || session.connectedAt < restartedAt) {
            return undefined;
          }
          const execution = env.sandbox.jobs.findJobExecution(rotation.jobId ?? "", thingName);
          if (execution?.status === "QUEUED" || execution?.status === "IN_PROGRESS") {
            return undefined;
          }
          return { record, certificateId, execution };
        },
        ROTATION_TIMEOUT_MS + 20_000,
      );

      const { record, certificateId, execution } = settled;
      expect(env.sandbox.registry.listThingPrincipals(thingName)).toEqual([certificateId]);
      expect(env.sandbox.registry.findCertificate(certificateId)?.status).toBe("ACTIVE");
      const view = (await env.sandbox.listDevices()).find((each) => each.thingName === thingName);
      expect(view).toMatchObject({ connected: true, certificateId });
      if (record.step === "committed") {
        expect(certificateId).toBe(record.newCertificateId);
        expect(execution?.status).toBe("SUCCEEDED");
        expect(env.sandbox.registry.findCertificate(device.certificateId)).toBeUndefined();
      } else {
        expect(certificateId).toBe(device.certificateId);
      }
      expect(second.child.exitCode).toBeNull();
    },
    // Two process starts, and a sweep when the restarted device gives the rotation up.
    ROTATION_TIMEOUT_MS + 45_000,
  );
});
