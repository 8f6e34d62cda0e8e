import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClassicShadowService } from "../../src/shadow/classic-shadow-service.ts";
import { SHADOW_REQUEST_MAX_BYTES, ShadowStore } from "../../src/shadow/shadow-store.ts";

const THING = "SN-1";
const base = `$aws/things/${THING}/shadow`;

describe("the classic shadow service", () => {
  let dir: string;
  let store: ShadowStore;
  let service: ClassicShadowService;
  let published: { topic: string; payload: unknown }[];
  const request = (operation: "update" | "get", payload: unknown, thingName = THING) =>
    service.handle({
      topic: `$aws/things/${thingName}/shadow/${operation}`,
      payload: Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)),
      clientId: THING,
      certificateId: "cert",
      thingName: THING,
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-shadow-"));
    store = await ShadowStore.open(dir, { clock: () => new Date("2026-01-01T00:00:00Z") });
    service = new ClassicShadowService({ store, logger: pino({ level: "silent" }) });
    published = [];
    service.publish = (topic, payload) => published.push({ topic, payload });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("accepts an update with versions and metadata, echoing the client token", async () => {
    const reply = await request("update", {
      state: { reported: { apps: { led: "1.0.0" } } },
      clientToken: "t-1",
    });
    expect(reply).toEqual({
      topic: `${base}/update/accepted`,
      payload: {
        state: { reported: { apps: { led: "1.0.0" } } },
        metadata: { reported: { apps: { led: { timestamp: 1767225600 } } } },
        version: 1,
        timestamp: 1767225600,
        clientToken: "t-1",
      },
    });
    expect(published.map((m) => m.topic)).toEqual([`${base}/update/documents`]);
    expect(published[0]?.payload).toMatchObject({ previous: null, current: { version: 1 } });
  });

  it("merges updates, deletes null keys and publishes the delta between desired and reported", async () => {
    await request("update", { state: { reported: { led: { on: true, hz: 1 }, extra: 1 } } });
    await request("update", {
      state: { desired: { led: { on: true, hz: 4 } }, reported: { extra: null } },
    });
    expect(published.find((m) => m.topic === `${base}/update/delta`)?.payload).toMatchObject({
      state: { led: { hz: 4 } },
      version: 2,
    });
    const got = await request("get", "", THING);
    expect(got?.topic).toBe(`${base}/get/accepted`);
    expect(got?.payload).toMatchObject({
      state: {
        desired: { led: { on: true, hz: 4 } },
        reported: { led: { on: true, hz: 1 } },
        delta: { led: { hz: 4 } },
      },
      version: 2,
    });
  });

  it("keeps a key a re-sent map leaves out and removes only a key set to null, as AWS merges", async () => {
    await request("update", { state: { reported: { apps: { led: "1.0.0", fan: "2.0.0" } } } });
    await request("update", { state: { reported: { apps: { led: "1.1.0" } } } });
    expect(store.find(THING)?.state.reported).toEqual({ apps: { led: "1.1.0", fan: "2.0.0" } });

    await request("update", { state: { reported: { apps: { led: "1.1.0", fan: null } } } });
    const shadow = store.find(THING);
    expect(shadow?.state.reported).toEqual({ apps: { led: "1.1.0" } });
    expect(shadow?.metadata.reported).toEqual({ apps: { led: { timestamp: 1767225600 } } });
  });

  it("rejects a stale version with 409, bad JSON and a missing state with 400", async () => {
    await request("update", { state: { reported: { a: 1 } } });
    expect(
      await request("update", { state: { reported: { a: 2 } }, version: 0, clientToken: "c" }),
    ).toMatchObject({
      topic: `${base}/update/rejected`,
      payload: { code: 409, message: "Version conflict", clientToken: "c" },
    });
    expect(await request("update", { state: { reported: { a: 2 } }, version: 1 })).toMatchObject({
      payload: { version: 2 },
    });
    expect(await request("update", "{not json")).toMatchObject({
      topic: `${base}/update/rejected`,
      payload: { code: 400, message: "Payload contains invalid json" },
    });
    expect(await request("update", { reported: {} })).toMatchObject({
      payload: { code: 400, message: "Missing required node: state" },
    });
  });

  it("refuses an update over the request size limit with 413 before reading it, and keeps the shadow", async () => {
    await request("update", { state: { reported: { a: 1 } } });
    // Not even JSON: the size alone decides, so nothing is parsed or merged.
    const huge = `{"state":{"reported":{"blob":"${"x".repeat(SHADOW_REQUEST_MAX_BYTES)}`;
    expect(await request("update", huge)).toMatchObject({
      topic: `${base}/update/rejected`,
      payload: { code: 413, message: "The payload exceeds the maximum size allowed" },
    });
    expect(store.find(THING)).toMatchObject({ state: { reported: { a: 1 } }, version: 1 });
  });

  it("answers 404 for a shadow never written and 403 for another thing's shadow", async () => {
    expect(await request("get", {})).toMatchObject({ payload: { code: 404 } });
    expect(await request("update", { state: { reported: {} } }, "SN-2")).toMatchObject({
      topic: "$aws/things/SN-2/shadow/update/rejected",
      payload: { code: 403 },
    });
  });

  it("keeps shadows across a restart", async () => {
    await request("update", { state: { reported: { apps: { led: "2.0.0" } } } });
    await store.flush();
    const reopened = await ShadowStore.open(dir);
    expect(reopened.find(THING)).toMatchObject({
      state: { reported: { apps: { led: "2.0.0" } } },
      version: 1,
    });
  });
});
