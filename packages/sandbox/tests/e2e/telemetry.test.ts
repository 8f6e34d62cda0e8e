import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DeadLetter } from "@fleet/core";
import { type DeviceView, telemetryTopic } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SandboxApi, sandboxFleetOperations, startSandboxApi } from "../../src/index.ts";
import { apiFetch } from "./api-fetch.ts";
import { startTestSandbox, waitFor } from "./sandbox-fixture.ts";

const DEVICE_BIN = fileURLToPath(
  new URL("../../../device/src/bin/fleet-device.ts", import.meta.url),
);
const DEVICES = ["SN-TEL-A001", "SN-TEL-B002", "SN-TEL-C003"] as const;
/** Reaches the broker through a proxy the test can cut: the device that goes offline. */
const OFFLINE = "SN-TEL-C003";
const BAD = "SN-TEL-BAD9";
/** Measure present once per message: a message's seq shows up exactly once under it. */
const PER_MESSAGE = "heartbeat.uptimeSeconds";

interface Sample {
  thing: string;
  time: string;
  seq: number;
  measure: string;
  value: number | string | boolean;
}

/** A TCP relay to the broker whose connections can be cut and refused, like a lost uplink. */
async function startCuttableProxy(target: { host: string; port: number }) {
  let cut = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    if (cut) {
      inbound.destroy();
      return;
    }
    const outbound = connect(target.port, target.host);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.once("close", () => outbound.destroy());
    outbound.once("close", () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: { host: "127.0.0.1", port },
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("telemetry from real fleet-device processes to the sandbox store", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  const devices: ChildProcess[] = [];

  async function get<T>(path: string): Promise<T> {
    const response = await apiFetch(api, `${path}`);
    if (response.status !== 200)
      throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  const samples = (thing: string, measure?: string) =>
    get<Sample[]>(
      `/v1/telemetry?${new URLSearchParams({ device: thing, since: "15m", limit: "10000", ...(measure ? { measure } : {}) })}`,
    );

  /** The seqs stored for a device, ascending. */
  const storedSeqs = async (thing: string) =>
    (await samples(thing, PER_MESSAGE)).map((sample) => sample.seq).sort((a, b) => a - b);

  const connected = async (serial: string) =>
    (await get<DeviceView[]>("/v1/devices")).find((view) => view.serial === serial)?.connected;

  async function startDevice(serial: string, index: number): Promise<void> {
    const dir = join(env.dir, "devices", serial);
    const { claim } = env.sandbox;
    await mkdir(dir, { recursive: true });
    const configPath = join(dir, "config.json");
    await writeFile(
      configPath,
      JSON.stringify({
        serial,
        endpoint: serial === OFFLINE ? proxy.endpoint : env.sandbox.mqtt,
        tls: { caFile: claim.caFile },
        credentialsDir: join(dir, "credentials"),
        provisioning: {
          claimCertFile: claim.certFile,
          claimKeyFile: claim.keyFile,
          templateName: claim.templateName,
          retry: { initialDelayMs: 100, maxDelayMs: 500 },
        },
        reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
        telemetry: { intervalSeconds: 0.5, sources: { system: {}, vehicle: { seed: index + 1 } } },
      }),
    );
    devices.push(
      spawn(process.execPath, [DEVICE_BIN, "--config", configPath, "--log-level", "warn"], {
        stdio: ["ignore", "ignore", "inherit"],
      }),
    );
  }

  beforeAll(async () => {
    env = await startTestSandbox("telemetry");
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
    proxy = await startCuttableProxy(env.sandbox.mqtt);
    await env.sandbox.uploadAllowList(Buffer.from(`serial\n${DEVICES.join("\n")}\n`), {
      allowEmpty: false,
    });
    await Promise.all(DEVICES.map(startDevice));
  });

  afterAll(async () => {
    await Promise.all(
      devices.map((child) => {
        if (child.exitCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        return exited;
      }),
    );
    await proxy.close();
    await api.close();
    await env.stop();
  });

  it("stores each device's system and vehicle readings as flattened measures within seconds", async () => {
    for (const serial of DEVICES) {
      const measures = await waitFor(`${serial}'s vehicle and system measures`, async () => {
        const names = new Set((await samples(serial)).map((sample) => sample.measure));
        return names.has("vehicle.battery.soc") && names.has("system.load1") ? names : undefined;
      });
      expect([...measures]).toEqual(
        expect.arrayContaining([
          "vehicle.speedKph",
          "vehicle.battery.soc",
          "vehicle.abs.wheelSpeedKph.fl",
          "vehicle.abs.brakePressureBar.rr",
          "vehicle.seatBelts.driver",
          "system.load1",
          "system.memory.availableBytes",
          PER_MESSAGE,
        ]),
      );
      const [soc] = await samples(serial, "vehicle.battery.soc");
      expect(soc).toMatchObject({ thing: serial, measure: "vehicle.battery.soc" });
      expect(typeof soc?.value).toBe("number");
    }
  });

  it("sets aside a device's invalid payloads with reasons, storing none of them", async () => {
    const { credentials } = await env.enroll(BAD);
    const client = await env.connect(credentials, BAD);
    const topic = telemetryTopic(BAD);
    const deviceTime = new Date().toISOString();
    await client.publishAsync(topic, "temperature=21", { qos: 1 });
    await client.publishAsync(
      topic,
      JSON.stringify({ schemaVersion: 1, seq: 1, deviceTime, engine: { rpm: 900 } }),
      { qos: 1 },
    );
    await client.publishAsync(
      topic,
      JSON.stringify({
        schemaVersion: 1,
        seq: -2,
        deviceTime,
        heartbeat: { uptimeSeconds: 1, clientVersion: "test", reconnects: 0 },
      }),
      { qos: 1 },
    );
    const letters = await waitFor("three dead letters", async () => {
      const all = await get<DeadLetter[]>("/v1/dead-letters?since=15m");
      const mine = all.filter((letter) => letter.source.partitionKey === BAD);
      return mine.length === 3 ? mine : undefined;
    });
    const byPayload = (text: string) => letters.find((letter) => letter.payload.includes(text));
    expect(byPayload("temperature=21")).toMatchObject({ reason: expect.stringMatching(/JSON/) });
    expect(byPayload("engine")?.issues.length).toBeGreaterThan(0);
    expect(byPayload('"seq":-2')?.issues).toEqual([expect.objectContaining({ path: "seq" })]);
    for (const letter of letters) expect(letter.reason).not.toBe("");
    expect(await samples(BAD)).toEqual([]);
  });

  it("replays what a device took while cut off, losing no sequence number", async () => {
    const before = await waitFor(`${OFFLINE} to publish`, async () => {
      const seqs = await storedSeqs(OFFLINE);
      return seqs.length > 0 ? seqs : undefined;
    });
    proxy.cut();
    await waitFor(`${OFFLINE} to be disconnected`, async () =>
      (await connected(OFFLINE)) === false ? true : undefined,
    );
    // Offline for a few intervals: those messages can only arrive from the device's buffer.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const lastBeforeReconnect = Math.max(...(await storedSeqs(OFFLINE)));
    proxy.restore();
    const after = await waitFor(`${OFFLINE} to replay its buffer`, async () => {
      const seqs = await storedSeqs(OFFLINE);
      return Math.max(...seqs) >= lastBeforeReconnect + 6 ? seqs : undefined;
    });
    expect(after[0]).toBe(before[0]);
    expect(after).toEqual(contiguous(after[0] ?? 0, after.at(-1) ?? 0));

    for (const serial of DEVICES.filter((serial) => serial !== OFFLINE)) {
      const seqs = await storedSeqs(serial);
      expect(seqs).toEqual(contiguous(seqs[0] ?? 0, seqs.at(-1) ?? 0));
    }
  });
});

function contiguous(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
