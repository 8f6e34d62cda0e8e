import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  commandTopics,
  JobDetailSchema,
  jobsTopics,
  ReleaseRecordSchema,
  shadowTopics,
} from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CANARY_THING_GROUP,
  type SandboxApi,
  sandboxFleetOperations,
  startSandboxApi,
} from "../../src/index.ts";
import { apiFetch } from "./api-fetch.ts";
import { nextMessage, startTestSandbox, waitFor } from "./sandbox-fixture.ts";

/** A release artifact: `app.json` at the root of a .tar.gz, made with the system's tar. */
function writeArtifact(dir: string): string {
  const source = join(dir, "led-src");
  mkdirSync(source, { recursive: true });
  writeFileSync(
    join(source, "app.json"),
    JSON.stringify({ name: "led", version: "1.0.0", start: "node main.js" }),
  );
  writeFileSync(join(source, "main.js"), "setInterval(() => {}, 1000);\n");
  const file = join(dir, "led-1.0.0.tar.gz");
  execFileSync("tar", ["-czf", file, "-C", source, "app.json", "main.js"]);
  return file;
}

describe("the sandbox's OTA routes", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  const post = (path: string, body: unknown) =>
    apiFetch(api, `${path}`, { method: "POST", body: JSON.stringify(body) });
  const get = async (path: string) => (await apiFetch(api, `${path}`)).json();

  beforeAll(async () => {
    env = await startTestSandbox("ota-http", { commandTimeoutMs: 500 });
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
  });
  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  it("releases to the canary group, signs the artifact URL for the device, then moves to the fleet", async () => {
    const { device, credentials } = await env.enroll("SN-OTA-1");
    const { thingName } = device;
    expect(await get(`/v1/thing-groups/${CANARY_THING_GROUP}/things`)).toEqual({
      thingGroupName: CANARY_THING_GROUP,
      thingNames: [],
    });
    expect(
      (await post(`/v1/thing-groups/${CANARY_THING_GROUP}/things`, { thingName })).status,
    ).toBe(200);
    expect(await get(`/v1/thing-groups/${CANARY_THING_GROUP}/things`)).toMatchObject({
      thingNames: [thingName],
    });

    const artifact = writeArtifact(env.dir);
    const created = await post("/v1/releases", {
      artifactPath: artifact,
      targets: [thingName],
      canaryGroup: CANARY_THING_GROUP,
    });
    expect(created.status).toBe(201);
    const release = ReleaseRecordSchema.parse(await created.json());
    expect(release).toMatchObject({ phase: "canary", app: "led", version: "1.0.0" });
    const canaryJobId = release.canaryJobId ?? "";
    const stored = JobDetailSchema.parse(await get(`/v1/jobs/${canaryJobId}`));
    expect(JSON.stringify(stored.document)).toContain("${aws:iot:s3-presigned-url-v2:");

    const client = await env.connect(credentials, thingName);
    const topics = jobsTopics(thingName);
    await client.subscribeAsync(`$aws/things/${thingName}/jobs/#`, { qos: 1 });
    const started = nextMessage(client, topics.startNextAccepted);
    await client.publishAsync(topics.startNext, "{}");
    const execution = (
      JSON.parse(await started) as {
        execution: { jobDocument: { steps: { url: string }[] } };
      }
    ).execution;
    const url = execution.jobDocument.steps[0]?.url ?? "";
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/artifacts\/.+\?expires=\d+&signature=/);
    const download = await fetch(url);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(readFileSync(artifact));

    await client.publishAsync(topics.update(canaryJobId), JSON.stringify({ status: "SUCCEEDED" }));
    const advanced = await waitFor("the release to reach the fleet", async () => {
      const [latest] = ReleaseRecordSchema.array().parse(await get("/v1/releases"));
      return latest?.phase === "fleet" ? latest : undefined;
    });
    expect(advanced.fleetJobId).toBe(`${release.releaseId}-fleet`);
  });

  it("answers 404 naming unknown release targets and 400 for an unreadable artifact", async () => {
    const unknown = await post("/v1/releases", {
      artifactPath: writeArtifact(env.dir),
      targets: ["no-such-group"],
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ names: ["no-such-group"] });
    expect(
      (
        await post("/v1/releases", {
          artifactPath: join(env.dir, "missing.tar.gz"),
          targets: [CANARY_THING_GROUP],
        })
      ).status,
    ).toBe(400);
  });

  it("relays a command to the device and its reply back, 504 when no reply comes", async () => {
    const { device, credentials } = await env.enroll("SN-OTA-CMD");
    const { thingName } = device;
    const client = await env.connect(credentials, thingName);
    const topics = commandTopics(thingName, "led");
    await client.subscribeAsync(topics.request, { qos: 1 });
    client.on("message", (topic, payload) => {
      if (topic !== topics.request) return;
      const { requestId } = JSON.parse(payload.toString()) as { requestId: string };
      void client.publishAsync(
        topics.accepted,
        JSON.stringify({ requestId, result: { on: true } }),
      );
    });
    const answered = await post("/v1/commands", {
      thingName,
      command: "led",
      params: { on: true },
    });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toMatchObject({
      status: "accepted",
      reply: { result: { on: true } },
    });

    const silent = await post("/v1/commands", { thingName, command: "other", params: {} });
    expect(silent.status).toBe(504);
  });

  it("lists a device's apps from the shadow it reports to", async () => {
    const { device, credentials } = await env.enroll("SN-OTA-SHADOW");
    const { thingName } = device;
    const client = await env.connect(credentials, thingName);
    const topics = shadowTopics(thingName);
    await client.subscribeAsync(`${topics.update}/+`, { qos: 1 });
    const accepted = nextMessage(client, topics.updateAccepted);
    await client.publishAsync(
      topics.update,
      JSON.stringify({ state: { reported: { apps: { led: "1.0.0" } } } }),
    );
    await accepted;
    const devices = (await get("/v1/devices")) as { thingName: string; apps: unknown }[];
    expect(devices.find((each) => each.thingName === thingName)?.apps).toEqual({ led: "1.0.0" });
  });
});
