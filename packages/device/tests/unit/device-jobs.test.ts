import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { shadowTopics, telemetryTopic } from "@fleet/core/contracts";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { parseDeviceConfig } from "../../src/config.ts";
import { type Device, startDevice } from "../../src/device.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";
import { createFakeJobs } from "../support/fake-jobs.ts";
import { createFakeSessions } from "../support/fake-sessions.ts";
import { createFakeTime } from "../support/fake-time.ts";
import { createTestPki, type TestPki } from "../support/test-pki.ts";

const SERIAL = "10000000a3c2f1e7";
const THING = SERIAL;

describe("device jobs, settings and shadow", () => {
  let pki: TestPki;
  let dir: string;
  const devices: Device[] = [];
  beforeAll(async () => {
    pki = await createTestPki(THING);
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-device-jobs-"));
    await writeFile(join(dir, "ca.pem"), pki.caPem);
    await writeFile(join(dir, "cert.pem"), pki.device.certPem);
    await writeFile(join(dir, "key.pem"), pki.device.keyPem, { mode: 0o600 });
  });
  afterEach(async () => {
    await Promise.all(devices.splice(0).map((device) => device.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  /** One run of the device against fake Jobs; `exits` records simulated-reboot exit codes. */
  async function start(jobs: ReturnType<typeof createFakeJobs>, exits: number[] = []) {
    const time = createFakeTime();
    const sessions = createFakeSessions({
      onOpen: (session) => session.accept(),
      onPublish: jobs.onPublish,
    });
    const config = parseDeviceConfig(
      {
        serial: SERIAL,
        endpoint: { host: "127.0.0.1" },
        tls: {
          caFile: join(dir, "ca.pem"),
          certFile: join(dir, "cert.pem"),
          keyFile: join(dir, "key.pem"),
        },
        stateDir: join(dir, "state"),
        heartbeatIntervalSeconds: 3_600,
        reboot: { command: ["exit"] },
      },
      "device.json",
    );
    const device = await startDevice(config, {
      openSession: sessions.open,
      logger: createCaptureLogger().logger,
      clock: time.clock,
      timers: time.timers,
      exit: (code) => exits.push(code),
      // These tests follow flows; the CONNECT spacing has its own tests.
      minConnectIntervalMs: 0,
      connectJitterMs: 0,
    });
    devices.push(device);
    const published = (topic: string) =>
      sessions.sessions.flatMap((s) => s.published).filter((p) => p.topic === topic);
    return { device, time, published };
  }

  it("reports its apps, OS version and settings in the classic shadow after connecting", async () => {
    const jobs = createFakeJobs(THING);
    const { published } = await start(jobs);
    const update = shadowTopics(THING).update;
    await vi.waitFor(() => expect(published(update)).toHaveLength(1));
    expect(JSON.parse(published(update)[0]?.payload ?? "")).toEqual({
      state: { reported: { apps: {}, osVersion: null, settings: {} } },
    });
    expect(published(update)[0]?.qos).toBe(1);
  });

  it("a configure job changes the telemetry interval at once, persists it and reports it", async () => {
    const jobs = createFakeJobs(THING);
    jobs.add("cfg-1", {
      version: "1",
      steps: [{ operation: "configure", settings: { telemetryIntervalMs: 2_000 } }],
    });
    const { time, published } = await start(jobs);
    const telemetry = telemetryTopic(THING);
    await vi.waitFor(() => expect(jobs.status("cfg-1")).toBe("SUCCEEDED"));
    // The reading taken at connect; the configured interval was an hour.
    await vi.waitFor(() => expect(published(telemetry)).toHaveLength(1));

    await time.advance(2_000);
    await vi.waitFor(() => expect(published(telemetry)).toHaveLength(2));
    await time.advance(2_000);
    await vi.waitFor(() => expect(published(telemetry)).toHaveLength(3));
    expect(JSON.parse(await readFile(join(dir, "state", "settings.json"), "utf8"))).toEqual({
      telemetryIntervalMs: 2_000,
    });
    const reports = published(shadowTopics(THING).update).map((p) => JSON.parse(p.payload));
    expect(reports.at(-1)).toEqual({
      state: { reported: { apps: {}, osVersion: null, settings: { telemetryIntervalMs: 2_000 } } },
    });
  });

  it("a reboot step with the exit command stops the device with code 75; after the restart the job succeeds", async () => {
    const jobs = createFakeJobs(THING);
    jobs.add("reboot-1", { version: "1", steps: [{ operation: "reboot" }] });
    const exits: number[] = [];
    const first = await start(jobs, exits);
    await vi.waitFor(() => expect(exits).toEqual([75]));
    expect(first.device.phase).toBe("stopped");
    expect(jobs.status("reboot-1")).toBe("IN_PROGRESS");

    await start(jobs);
    await vi.waitFor(() => expect(jobs.status("reboot-1")).toBe("SUCCEEDED"));
    expect(jobs.updates.map((u) => [u.status, u.statusDetails.phase])).toEqual([
      ["IN_PROGRESS", "rebooting"],
      ["SUCCEEDED", undefined],
    ]);
  });
});
