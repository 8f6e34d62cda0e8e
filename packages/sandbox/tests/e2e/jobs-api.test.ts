import { jobsTopics } from "@fleet/core/contracts";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  enrollBackend,
  nextEvent,
  nextMessage,
  startTestSandbox,
  whenClosed,
} from "./sandbox-fixture.ts";

type Body = Record<string, unknown>;

describe("AWS IoT Jobs device MQTT API", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;

  beforeAll(async () => {
    env = await startTestSandbox("jobs-api");
  });
  afterAll(() => env.stop());

  /** An enrolled device connected as its thing, subscribed to its whole jobs namespace. */
  async function device(serial: string) {
    const { device, credentials } = await env.enroll(serial);
    const client = await env.connect(credentials, device.thingName);
    await client.subscribeAsync(`$aws/things/${device.thingName}/jobs/#`, { qos: 1 });
    return { thingName: device.thingName, client, topics: jobsTopics(device.thingName) };
  }

  /** Publishes a request and returns whichever of its two replies arrives. */
  async function request(client: MqttClient, topic: string, payload: Body | string) {
    const reply = Promise.race([
      nextMessage(client, `${topic}/accepted`).then((text) => ({
        outcome: "accepted",
        body: JSON.parse(text) as Body,
      })),
      nextMessage(client, `${topic}/rejected`).then((text) => ({
        outcome: "rejected",
        body: JSON.parse(text) as Body,
      })),
    ]);
    await client.publishAsync(
      topic,
      typeof payload === "string" ? payload : JSON.stringify(payload),
      { qos: 1 },
    );
    return reply;
  }

  it("runs a job from notify-next through start-next and updates to SUCCEEDED, which is final", async () => {
    const { thingName, client, topics } = await device("SN-JOBS-0001");
    const notified = nextMessage(client, topics.notifyNext);
    const listed = nextMessage(client, topics.notify);
    const document = { operation: "reboot" };
    await env.sandbox.jobs.createJob({ jobId: "job-run", document, targets: [thingName] });

    expect(JSON.parse(await notified)).toMatchObject({
      execution: { jobId: "job-run", status: "QUEUED", jobDocument: document, versionNumber: 1 },
    });
    expect(JSON.parse(await listed)).toMatchObject({
      jobs: { QUEUED: [{ jobId: "job-run", versionNumber: 1 }] },
    });

    const started = await request(client, topics.startNext, {
      clientToken: "t-1",
      statusDetails: { step: "starting" },
    });
    expect(started).toMatchObject({
      outcome: "accepted",
      body: {
        clientToken: "t-1",
        execution: {
          jobId: "job-run",
          thingName,
          status: "IN_PROGRESS",
          jobDocument: document,
          statusDetails: { step: "starting" },
          versionNumber: 2,
        },
      },
    });

    const updated = await request(client, topics.update("job-run"), {
      status: "IN_PROGRESS",
      statusDetails: { step: "downloading", progress: "50" },
      expectedVersion: 2,
      includeJobExecutionState: true,
      clientToken: "t-2",
    });
    expect(updated).toMatchObject({
      outcome: "accepted",
      body: {
        clientToken: "t-2",
        executionState: {
          status: "IN_PROGRESS",
          statusDetails: { step: "downloading", progress: "50" },
          versionNumber: 3,
        },
      },
    });

    const stale = await request(client, topics.update("job-run"), {
      status: "SUCCEEDED",
      expectedVersion: 2,
    });
    expect(stale).toMatchObject({
      outcome: "rejected",
      body: { code: "VersionMismatch", executionState: { versionNumber: 3 } },
    });

    const emptied = nextMessage(client, topics.notifyNext);
    const done = await request(client, topics.update("job-run"), { status: "SUCCEEDED" });
    expect(done.outcome).toBe("accepted");
    expect(JSON.parse(await emptied)).not.toHaveProperty("execution");

    const reopened = await request(client, topics.update("job-run"), {
      status: "IN_PROGRESS",
      clientToken: "t-3",
    });
    expect(reopened).toMatchObject({
      outcome: "rejected",
      body: {
        code: "InvalidStateTransition",
        clientToken: "t-3",
        executionState: { status: "SUCCEEDED", versionNumber: 4 },
      },
    });
    expect(env.sandbox.jobs.describeJobExecution("job-run", thingName)).toMatchObject({
      status: "SUCCEEDED",
      versionNumber: 4,
    });
    expect(env.sandbox.jobs.describeJob("job-run").status).toBe("COMPLETED");
    const nothing = await request(client, topics.startNext, {});
    expect(nothing.outcome).toBe("accepted");
    expect(nothing.body).not.toHaveProperty("execution");
  });

  it("rejects status details past the AWS limits naming the key, and bad JSON", async () => {
    const { thingName, client, topics } = await device("SN-JOBS-0002");
    await env.sandbox.jobs.createJob({ jobId: "job-limits", document: {}, targets: [thingName] });

    const oversized = await request(client, topics.update("job-limits"), {
      status: "IN_PROGRESS",
      statusDetails: { log: "x".repeat(1025) },
      clientToken: "big",
    });
    expect(oversized).toMatchObject({ outcome: "rejected", body: { code: "InvalidRequest" } });
    expect(oversized.body.message).toContain('"log"');
    expect(oversized.body.clientToken).toBe("big");

    const badKey = await request(client, topics.update("job-limits"), {
      status: "IN_PROGRESS",
      statusDetails: { "bad key!": "v" },
    });
    expect(badKey.body.message).toContain('"bad key!"');

    const notJson = await request(client, topics.update("job-limits"), "{not json");
    expect(notJson).toMatchObject({ outcome: "rejected", body: { code: "InvalidJson" } });

    const unknownJob = await request(client, topics.describe("no-such-job"), {});
    expect(unknownJob).toMatchObject({ outcome: "rejected", body: { code: "ResourceNotFound" } });
    expect(env.sandbox.jobs.describeJobExecution("job-limits", thingName).versionNumber).toBe(1);
  });

  it("rejects an update whose status-detail value holds control characters with InvalidRequest, as AWS does", async () => {
    const { thingName, client, topics } = await device("SN-JOBS-0007");
    await env.sandbox.jobs.createJob({ jobId: "job-ctrl", document: {}, targets: [thingName] });

    // AWS: statusDetails values match [^\p{C}]+ (API reference, JobExecutionState).
    const multiLine = await request(client, topics.update("job-ctrl"), {
      status: "FAILED",
      statusDetails: { step: "1/1", reason: "exited with 100:\nE: dpkg broken" },
      clientToken: "ctrl",
    });
    expect(multiLine).toEqual({
      outcome: "rejected",
      body: {
        code: "InvalidRequest",
        message: 'statusDetails value of "reason" contains control characters',
        clientToken: "ctrl",
        timestamp: expect.any(Number),
      },
    });
    expect(env.sandbox.jobs.describeJobExecution("job-ctrl", thingName)).toMatchObject({
      status: "QUEUED",
      versionNumber: 1,
    });
  });

  it("answers get and $next with the thing's pending executions", async () => {
    const { thingName, client, topics } = await device("SN-JOBS-0003");
    await env.sandbox.jobs.createJob({ jobId: "job-a", document: { n: 1 }, targets: [thingName] });
    await env.sandbox.jobs.createJob({ jobId: "job-b", document: { n: 2 }, targets: [thingName] });

    const pending = await request(client, topics.getPending, { clientToken: "list" });
    expect(pending).toMatchObject({ outcome: "accepted", body: { clientToken: "list" } });
    expect((pending.body.queuedJobs as Body[]).map((job) => job.jobId).sort()).toEqual([
      "job-a",
      "job-b",
    ]);
    const next = await request(client, topics.describe("$next"), { includeJobDocument: false });
    expect(next).toMatchObject({ outcome: "accepted", body: { execution: { status: "QUEUED" } } });
    expect(next.body.execution).not.toHaveProperty("jobDocument");
  });

  it("keeps one thing's job out of another thing's reach", async () => {
    const owner = await device("SN-JOBS-0004");
    await env.sandbox.jobs.createJob({
      jobId: "job-private",
      document: { secret: "x" },
      targets: [owner.thingName],
    });
    const other = await device("SN-JOBS-0005");

    // On its own topics, the other thing finds no such execution.
    const describe = await request(other.client, other.topics.describe("job-private"), {});
    expect(describe).toMatchObject({ outcome: "rejected", body: { code: "ResourceNotFound" } });
    const update = await request(other.client, other.topics.update("job-private"), {
      status: "SUCCEEDED",
    });
    expect(update).toMatchObject({ outcome: "rejected", body: { code: "ResourceNotFound" } });

    // On the owner's topics, its policy refuses the publish and the broker closes it.
    const denied = nextEvent(env.sandbox, "publish-denied", (e) => e.clientId === other.thingName);
    const closed = whenClosed(other.client);
    other.client.publish(owner.topics.update("job-private"), JSON.stringify({ status: "FAILED" }));
    await Promise.all([denied, closed]);

    // A principal that may publish anywhere is still not the thing.
    const backend = await env.connect(await enrollBackend(env.sandbox), "backend-jobs");
    await backend.subscribeAsync(`${owner.topics.startNext}/#`, { qos: 1 });
    const impostor = await request(backend, owner.topics.startNext, {});
    expect(impostor).toMatchObject({ outcome: "rejected", body: { code: "InvalidRequest" } });

    expect(env.sandbox.jobs.describeJobExecution("job-private", owner.thingName).status).toBe(
      "QUEUED",
    );
  });

  it("refuses a duplicate job id, an invalid one and an unknown target", async () => {
    const { thingName } = await device("SN-JOBS-0006");
    await env.sandbox.jobs.createJob({ jobId: "job-once", document: {}, targets: [thingName] });
    await expect(
      env.sandbox.jobs.createJob({ jobId: "job-once", document: {}, targets: [thingName] }),
    ).rejects.toThrow(/already exists/);
    await expect(
      env.sandbox.jobs.createJob({ jobId: "bad id", document: {}, targets: [thingName] }),
    ).rejects.toThrow(/jobId/);
    await expect(
      env.sandbox.jobs.createJob({ jobId: "job-nobody", document: {}, targets: ["SN-NOBODY"] }),
    ).rejects.toThrow(/SN-NOBODY/);
    expect(env.sandbox.jobs.listJobExecutions("job-once")).toHaveLength(1);
  });
});
