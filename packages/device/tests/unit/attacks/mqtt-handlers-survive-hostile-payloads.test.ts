import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateCertificateFromCsrAcceptedSchema,
  commandRequestFilter,
  commandTopics,
  createCertificateFromCsrTopics,
  jobsTopics,
  rotationTopics,
} from "@fleet/core/contracts";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createCommandHandler } from "../../../src/commands/command-handler.ts";
import { ProvisioningError } from "../../../src/errors.ts";
import { createJobsAgent } from "../../../src/jobs/jobs-agent.ts";
import { openClaimSession } from "../../../src/provisioning/claim-session.ts";
import {
  createCertificateRotator,
  recoverRotation,
} from "../../../src/rotation/certificate-rotator.ts";
import { rotationFiles } from "../../../src/rotation/rotation-files.ts";
import { openDeviceSettings } from "../../../src/settings/device-settings.ts";
import { createCaptureLogger } from "../../support/capture-logger.ts";
import { createFakeJobs } from "../../support/fake-jobs.ts";
import { createFakeRotationCloud } from "../../support/fake-rotation-cloud.ts";
import { createFakeSessions, type FakeSession } from "../../support/fake-sessions.ts";
import { createFakeTime } from "../../support/fake-time.ts";
import { FUZZ_SEED, type HostileInput, hostileInputs } from "../../support/hostile-input.ts";
import { createTestConnection, TEST_TARGET } from "../../support/test-connection.ts";
import { createTestPki, type TestPki } from "../../support/test-pki.ts";

const THING = "sim-0001";
const RANDOM_CASES = 150;
const FUZZ_TIMEOUT_MS = 30_000;

/** Every hostile input on every topic, as the broker would deliver them. */
function flood(session: FakeSession, topics: readonly string[], inputs: HostileInput[]): void {
  for (const input of inputs) for (const topic of topics) session.deliver(topic, input.bytes);
}

const notPolluted = () => expect(({} as Record<string, unknown>).polluted).toBeUndefined();

describe(`MQTT handlers on the device against hostile payloads (seed ${FUZZ_SEED})`, () => {
  const cleanups: (() => Promise<void>)[] = [];
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki(THING);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const tempDir = async (prefix: string) => {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  };

  it(
    "the jobs agent logs and drops hostile payloads on every jobs topic, then still runs the next job",
    async () => {
      const jobs = createFakeJobs(THING);
      const ran: number[] = [];
      const device = jobs.boot(
        {
          configure: async ({ step }) => {
            ran.push(step.settings.telemetryIntervalMs ?? 0);
            return { status: "succeeded" };
          },
        },
        await tempDir("fleet-jobs-attack-"),
      );
      cleanups.push(() => device.stop());
      const session = () => device.sessions.latest();
      await vi.waitFor(() => expect(session().published).toHaveLength(1));

      const topics = jobsTopics(THING);
      flood(
        session(),
        [
          topics.notifyNext,
          topics.startNextAccepted,
          topics.startNextRejected,
          topics.updateAccepted("job-1"),
          topics.updateRejected("job-1"),
        ],
        hostileInputs({ valid: { timestamp: 2 }, seed: FUZZ_SEED, count: RANDOM_CASES }),
      );

      jobs.add("job-1", {
        version: "1",
        steps: [{ operation: "configure", settings: { telemetryIntervalMs: 5_000 } }],
      });
      session().deliver(topics.notifyNext, {
        execution: {
          jobId: "job-1",
          status: "QUEUED",
          queuedAt: 1,
          lastUpdatedAt: 1,
          versionNumber: 1,
          executionNumber: 1,
        },
        timestamp: 2,
      });
      await vi.waitFor(() => expect(jobs.status("job-1")).toBe("SUCCEEDED"), { timeout: 5_000 });
      expect(ran).toEqual([5_000]);
      expect(device.connection.state).toBe("connected");
      notPolluted();
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "the command handler drops or rejects hostile command requests, then still answers a valid one",
    async () => {
      const time = createFakeTime();
      const sessions = createFakeSessions({ onOpen: (session) => session.accept() });
      const { logger, lines } = createCaptureLogger();
      const connection = createTestConnection({
        clientId: THING,
        openSession: sessions.open,
        logger,
        time,
      });
      const led = async () => ({ on: true, blinking: false, blinkHz: 1 });
      const settings = await openDeviceSettings({
        stateDir: await tempDir("fleet-commands-attack-"),
        appliers: { telemetryIntervalMs: () => {}, led },
        logger,
      });
      const handler = createCommandHandler({
        thingName: THING,
        connection,
        led: { set: led },
        settings,
        logger,
      });
      connection.start();
      cleanups.push(async () => {
        handler.stop();
        await connection.stop();
      });
      await vi.waitFor(() =>
        expect(sessions.latest().subscribed).toEqual([commandRequestFilter(THING)]),
      );

      const requestId = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
      const topics = commandTopics(THING, "led");
      flood(
        sessions.latest(),
        [topics.request, commandTopics(THING, "reboot").request],
        hostileInputs({
          valid: { requestId, params: { on: true } },
          seed: FUZZ_SEED,
          count: RANDOM_CASES,
        }),
      );
      await vi.waitFor(() =>
        expect(lines().filter((line) => line.msg === "command.handled").length).toBeGreaterThan(0),
      );

      const published = sessions.latest().published;
      const before = published.length;
      const validId = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
      sessions.latest().deliver(topics.request, { requestId: validId, params: { on: true } });
      await vi.waitFor(() =>
        expect(
          published.slice(before).map((p) => ({ topic: p.topic, body: JSON.parse(p.payload) })),
        ).toContainEqual({
          topic: topics.accepted,
          body: { requestId: validId, result: { on: true, blinking: false, blinkHz: 1 } },
        }),
      );
      notPolluted();
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "certificate rotation ignores hostile payloads on the CSR and commit reply topics and still rotates",
    async () => {
      const dir = await tempDir("fleet-rotation-attack-");
      await writeFile(join(dir, "ca.pem"), pki.caPem);
      await writeFile(join(dir, "cert.pem"), pki.device.certPem);
      await writeFile(join(dir, "key.pem"), pki.device.keyPem, { mode: 0o600 });
      const files = rotationFiles(
        { certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") },
        join(dir, "state"),
      );
      const { logger } = createCaptureLogger();
      const cloud = createFakeRotationCloud(pki, THING);
      const topics = rotationTopics(THING);
      // Another rotation's id: hostile replies never match the one in progress.
      const inputs = hostileInputs({
        valid: { rotationId: "00000000-0000-4000-8000-000000000000", certificatePem: "x" },
        seed: FUZZ_SEED,
        count: RANDOM_CASES,
      });
      const time = createFakeTime();
      const sessions = createFakeSessions({
        onOpen: (session) => session.accept(),
        onPublish: (session, topic, payload) => {
          if (topic === topics.csr)
            flood(session, [topics.csrAccepted, topics.csrRejected], inputs);
          if (topic === topics.commit) {
            flood(session, [topics.commitAccepted, topics.commitRejected], inputs);
          }
          cloud.onPublish(session, topic, payload);
        },
      });
      const connection = createTestConnection({
        clientId: THING,
        openSession: sessions.open,
        logger,
        time,
        tls: { caFile: join(dir, "ca.pem"), ...(await recoverRotation(files, logger)) },
      });
      const rotator = createCertificateRotator({
        thingName: THING,
        files,
        connection,
        replyTimeoutMs: 10_000,
        timers: time.timers,
        logger,
      });
      const agent = createJobsAgent({
        thingName: THING,
        connection,
        handlers: { "rotate-certificate": rotator.handle },
        stateDir: join(dir, "state"),
        replyTimeoutMs: 10_000,
        timers: time.timers,
        logger,
      });
      connection.start();
      cleanups.push(async () => {
        agent.stop();
        rotator.stop();
        await connection.stop();
      });

      await vi.waitFor(() => expect(cloud.status()).toBe("SUCCEEDED"), { timeout: 10_000 });
      expect(cloud.requests.csrs).toHaveLength(1);
      expect(cloud.requests.commits).toHaveLength(1);
      expect(connection.state).toBe("connected");
      notPolluted();
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "a hostile provisioning reply fails only its request with a ProvisioningError; the next request gets its reply",
    async () => {
      const topics = createCertificateFromCsrTopics();
      const inputs = hostileInputs({
        valid: {
          certificateId: "a".repeat(64),
          certificatePem: "x",
          certificateOwnershipToken: "t",
        },
        seed: FUZZ_SEED,
        count: RANDOM_CASES,
      });
      let next: { topic: string; payload: unknown } | undefined;
      const sessions = createFakeSessions({
        onOpen: (session) => session.accept(),
        onPublish: (session) => {
          if (next !== undefined) session.deliver(next.topic, next.payload);
        },
      });
      const time = createFakeTime();
      const claim = openClaimSession({
        target: TEST_TARGET,
        replyTopics: [topics.accepted, topics.rejected],
        openSession: sessions.open,
        timers: time.timers,
        timeoutMs: 10_000,
      });
      cleanups.push(() => claim.close());
      await claim.ready;
      const request = () =>
        claim.request("create-certificate", topics, {}, CreateCertificateFromCsrAcceptedSchema);

      for (const [index, input] of inputs.entries()) {
        next = { topic: index % 2 === 0 ? topics.accepted : topics.rejected, payload: input.bytes };
        const outcome = await request().then(
          () => "accepted",
          (error: unknown) => error,
        );
        // A random message may happen to be a valid reply; anything else is a refusal.
        if (outcome !== "accepted") expect(outcome, input.name).toBeInstanceOf(ProvisioningError);
      }

      const valid = {
        certificateId: "b".repeat(64),
        certificatePem: pki.device.certPem,
        certificateOwnershipToken: "token",
      };
      next = { topic: topics.accepted, payload: valid };
      await expect(request()).resolves.toEqual(valid);
      notPolluted();
    },
    FUZZ_TIMEOUT_MS,
  );
});
