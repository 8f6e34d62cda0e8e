import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { presignedUrlPlaceholder } from "@fleet/core/contracts";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { replacePresignedUrlPlaceholders } from "../../src/artifacts/presigned-url-placeholders.ts";
import { JobStore } from "../../src/jobs/job-store.ts";
import { JobsMqttApi, jobsNotifications } from "../../src/jobs/jobs-mqtt-api.ts";

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
});
