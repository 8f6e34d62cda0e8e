// Issue 14, item 7/8: a job document with a malformed presigned-URL placeholder jammed the
// thing's job queue (start-next and update answered InternalError). Now it is refused when
// the job is created, and one an older sandbox stored fails alone while the queue moves on.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { presignedUrlPlaceholder } from "@fleet/core/contracts";
import type { MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Sandbox,
  type SandboxApi,
  sandboxFleetOperations,
  startSandbox,
  startSandboxApi,
} from "../../src/index.ts";
import { JOBS_FILE } from "../../src/jobs/job-store.ts";
import { apiFetch } from "../e2e/api-fetch.ts";
import {
  type ClientCredentials,
  connectClient,
  deviceCredentials,
  nextMessage,
  tempDir,
} from "../e2e/sandbox-fixture.ts";

const ARTIFACT = "http://127.0.0.1:1/artifacts/apps/led/1.0.0/a.tar.gz";
/** Closed, so AWS's pattern finds it, but its URL path cannot be decoded to sign it. */
const UNSIGNABLE = "${aws:iot:s3-presigned-url-v2:http://127.0.0.1:1/artifacts/%zz}";
const appUpdate = (url: string) => ({
  version: "1",
  steps: [
    { operation: "app-update", app: "led", version: "1.0.0", url, sha256: "0".repeat(64), size: 1 },
  ],
});

describe("a job document with a malformed presigned placeholder", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let sandbox: Sandbox;
  let api: SandboxApi;
  let victim: ClientCredentials;
  const clients: MqttClient[] = [];
  const stateDir = () => join(dir.path, "state");

  beforeAll(async () => {
    dir = await tempDir("attack-placeholder");
    sandbox = await startSandbox({ stateDir: stateDir() });
    const device = await sandbox.enrollDevice("SN-PH-0001", join(dir.path, "SN-PH-0001"));
    victim = await deviceCredentials(device);
    await sandbox.enrollDevice("SN-PH-0002", join(dir.path, "SN-PH-0002"));
    const targets = ["SN-PH-0001", "SN-PH-0002"];
    await sandbox.jobs.createJob({
      jobId: "app-update-old",
      document: appUpdate(presignedUrlPlaceholder(ARTIFACT)),
      targets: ["SN-PH-0001"],
    });
    await sandbox.jobs.createJob({ jobId: "reboot", document: { operation: "reboot" }, targets });
    await sandbox.close();
    // What a sandbox from before the creation-time check could have stored.
    const path = join(stateDir(), JOBS_FILE);
    const stored = await readFile(path, "utf8");
    await writeFile(path, stored.replace(presignedUrlPlaceholder(ARTIFACT), UNSIGNABLE));
    sandbox = await startSandbox({ stateDir: stateDir() });
    api = await startSandboxApi(sandboxFleetOperations(sandbox));
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await api.close();
    await sandbox.close();
    await dir.remove();
  });

  it("is refused when the job is created: 400 naming the step's url and what is wrong", async () => {
    const response = await apiFetch(api, "/v1/jobs", {
      method: "POST",
      body: JSON.stringify({
        jobId: "malformed",
        document: appUpdate(`\${aws:iot:s3-presigned-url-v2:${ARTIFACT}`),
        targets: ["SN-PH-0001"],
      }),
    });

    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; field: string };
    expect(body.field).toBe("document");
    expect(body.error).toContain("steps[0].url: malformed presigned URL placeholder");
    expect(sandbox.jobs.listJobs().map((job) => job.jobId)).not.toContain("malformed");
  });

  it("stored by an older sandbox, fails alone with its reason and start-next moves to the next job", async () => {
    const device = await connectClient(sandbox, victim, "SN-PH-0001");
    clients.push(device);
    const base = "$aws/things/SN-PH-0001/jobs/start-next";
    await device.subscribeAsync([`${base}/accepted`, `${base}/rejected`], { qos: 1 });
    const accepted = nextMessage(device, `${base}/accepted`);

    await device.publishAsync(base, JSON.stringify({ clientToken: "attack" }), { qos: 1 });

    expect(JSON.parse(await accepted)).toMatchObject({
      clientToken: "attack",
      execution: { jobId: "reboot", status: "IN_PROGRESS", jobDocument: { operation: "reboot" } },
    });
    const failed = sandbox.jobs.describeJobExecution("app-update-old", "SN-PH-0001");
    expect(failed.status).toBe("FAILED");
    expect(failed.statusDetails?.reason).toContain("the job document cannot be delivered");
    expect(sandbox.jobs.describeJobExecution("reboot", "SN-PH-0002").status).toBe("QUEUED");
  });
});
