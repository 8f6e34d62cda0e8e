import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { fleet, startSandbox, waitFor } from "../support/fleet-process.ts";

async function fleetJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await fleet(...args, "--json")) as T;
}

interface Rotation {
  thingName: string;
  step: string;
  oldCertificateId: string;
  newCertificateId: string | null;
}
interface Device {
  serial: string;
  connected: boolean;
  certificateId: string | null;
}
interface Sample {
  seq: number;
  measure: string;
}

describe("automatic certificate rotation in the sandbox", () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("rotates a certificate nearing expiry without a telemetry gap, and the old certificate no longer connects", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "fleet-rotation-"));
    // Certificates live 60 s and are due 45 s before expiry: the auditor (every 2 s) starts a
    // rotation about 15 s after each certificate is issued.
    const sandbox = startSandbox(stateDir, "1", [
      "--cert-validity",
      "60s",
      "--rotation-threshold",
      "45s",
      "--audit-interval",
      "2s",
    ]);
    children.push(sandbox);
    const target = ["--state-dir", stateDir];

    const first = await waitFor(
      "sim-0001 connected",
      async () => {
        const [device] = await fleetJson<Device[]>("devices", ...target);
        return device?.connected ? device : undefined;
      },
      30_000,
    );
    const deviceDir = join(stateDir, "devices", "sim-0001");
    const oldCertificate = await readFile(join(deviceDir, "cert.pem"), "utf8");
    const oldKey = await readFile(join(deviceDir, "key.pem"), "utf8");

    const rotation = await waitFor(
      "the first rotation to commit",
      async () => {
        const rotations = await fleetJson<Rotation[]>("rotation", "status", ...target);
        return rotations.find(
          (r) => r.oldCertificateId === first.certificateId && r.step === "committed",
        );
      },
      60_000,
    );
    const after = await waitFor(
      "sim-0001 connected with the new certificate",
      async () => {
        const [device] = await fleetJson<Device[]>("devices", ...target);
        return device?.connected && device.certificateId === rotation.newCertificateId
          ? device
          : undefined;
      },
      20_000,
    );
    expect(after.certificateId).not.toBe(first.certificateId);

    // No gap in telemetry: every seq from the first to the last is stored.
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // one more reading after the switch
    const samples = await fleetJson<Sample[]>(
      "telemetry",
      "query",
      "--device",
      "sim-0001",
      "--since",
      "10m",
      "--measure",
      "heartbeat.uptimeSeconds",
      "--limit",
      "10000",
      ...target,
    );
    const seqs = [...new Set(samples.map((s) => s.seq))].sort((a, b) => a - b);
    expect(seqs.length).toBeGreaterThan(3);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i));

    // The old certificate is refused.
    const info = JSON.parse(await readFile(join(stateDir, "sandbox.json"), "utf8")) as {
      mqtt: { host: string; port: number };
    };
    const ca = await readFile(join(stateDir, "claim", "ca.pem"));
    const refused = await new Promise<string>((resolve) => {
      const client = mqtt.connect({
        protocol: "mqtts",
        host: info.mqtt.host,
        port: info.mqtt.port,
        protocolVersion: 4,
        clientId: "sim-0001-probe",
        key: oldKey,
        cert: oldCertificate,
        ca,
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      });
      client.once("connect", () => {
        client.end(true);
        resolve("connected");
      });
      client.once("error", (error) => {
        client.end(true);
        resolve(error.message);
      });
      client.once("close", () => resolve("closed"));
    });
    expect(refused).not.toBe("connected");

    sandbox.kill("SIGINT");
  }, 150_000);
});
