import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { presignedUrlPlaceholder } from "@fleet/core/contracts";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { replacePresignedUrlPlaceholders } from "../../src/artifacts/presigned-url-placeholders.ts";
import { InvalidRequestError } from "../../src/errors.ts";
import { JobStore } from "../../src/jobs/job-store.ts";
import {
  type DeliverDocument,
  JobsMqttApi,
  jobsNotifications,
} from "../../src/jobs/jobs-mqtt-api.ts";

const UNSIGNED = "http://127.0.0.1:1/artifacts/apps/led/1.0.0/a.tar.gz";
const document = {
  version: "1",
  steps: [{ operation: "app-update", url: presignedUrlPlaceholder(UNSIGNED) }],
};

describe("job documents sent to devices", () => {
  let dir: string;
  let store: JobStore;
  let signed = 0;
  const deliverDocument = (stored: Record<string, unknown>) =>
    replacePresignedUrlPlaceholders(stored, (url) => `${url}?signature=${++signed}`);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-jobs-deliver-"));
    store = await JobStore.open(dir);
    await store.createJob({ jobId: "job-1", document, targets: ["SN-1"] });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("carry freshly signed URLs on start-next, describe and notify-next, never in the stored job", async () => {
    const api = new JobsMqttApi({ store, logger: pino({ level: "silent" }), deliverDocument });
    const ask = (suffix: string) =>
      api.handle({
        topic: `$aws/things/SN-1/jobs/${suffix}`,
        payload: Buffer.from("{}"),
        clientId: "SN-1",
        certificateId: "cert",
        thingName: "SN-1",
      });
    const urlIn = (payload: unknown) =>
      (payload as { execution: { jobDocument: { steps: { url: string }[] } } }).execution
        .jobDocument.steps[0]?.url;

    expect(urlIn((await ask("start-next"))?.payload)).toBe(`${UNSIGNED}?signature=1`);
    expect(urlIn((await ask("job-1/get"))?.payload)).toBe(`${UNSIGNED}?signature=2`);
    const notifyNext = jobsNotifications(
      { thingName: "SN-1", before: [], after: store.pendingExecutions("SN-1") },
      store,
      new Date(),
      deliverDocument,
    ).find((message) => message.topic.endsWith("/notify-next"));
    expect(urlIn(notifyNext?.payload)).toBe(`${UNSIGNED}?signature=3`);
    expect(store.describeJob("job-1").document).toEqual(document);
  });

  it("refuses at creation a job whose presigned placeholder is malformed, naming the step", async () => {
    const malformed = {
      version: "1",
      steps: [{ operation: "app-update", url: `\${aws:iot:s3-presigned-url-v2:${UNSIGNED}` }],
    };
    const created = store.createJob({ jobId: "job-2", document: malformed, targets: ["SN-1"] });
    await expect(created).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(created).rejects.toThrow(/steps\[0\]\.url: malformed presigned URL placeholder/);
    expect(store.listJobs().map((job) => job.jobId)).toEqual(["job-1"]);
  });

  it("fails an execution whose stored document cannot be sent, with the reason, and starts the next job", async () => {
    await store.createJob({ jobId: "job-2", document: { version: "1" }, targets: ["SN-1"] });
    // A document an older sandbox stored, whose placeholder this one cannot sign.
    const failing: DeliverDocument = (stored) => {
      if (stored.steps !== undefined) throw new TypeError("Invalid URL");
      return stored;
    };
    const api = new JobsMqttApi({
      store,
      logger: pino({ level: "silent" }),
      deliverDocument: failing,
    });
    const reply = await api.handle({
      topic: "$aws/things/SN-1/jobs/start-next",
      payload: Buffer.from('{"clientToken":"t"}'),
      clientId: "SN-1",
      certificateId: "cert",
      thingName: "SN-1",
    });

    expect(reply?.topic).toBe("$aws/things/SN-1/jobs/start-next/accepted");
    expect(reply?.payload).toMatchObject({ execution: { jobId: "job-2", status: "IN_PROGRESS" } });
    const failed = store.describeJobExecution("job-1", "SN-1");
    expect(failed.status).toBe("FAILED");
    expect(failed.statusDetails?.reason).toMatch(/job document cannot be delivered: Invalid URL/);
    const notifyNext = jobsNotifications(
      { thingName: "SN-1", before: [], after: [failed] },
      store,
      new Date(),
      failing,
    ).find((message) => message.topic.endsWith("/notify-next"));
    expect(notifyNext?.payload).toMatchObject({ execution: { jobId: "job-1" } });
    expect(notifyNext?.payload).not.toHaveProperty("execution.jobDocument");
  });
});
