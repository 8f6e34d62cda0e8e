// Issue 14, attack 4: valid data lost to bad data. One telemetry message over Kinesis's 1 MiB
// record limit failed the rule's whole PutRecords batch, so valid messages of other devices
// put in the same call were dead-lettered with it. The broker now refuses payloads over 128 KB,
// so the rule is driven directly here, on the sandbox's real pipeline (kinesalite, the ingest
// poller, DuckDB).
import { DEAD_LETTER_PAYLOAD_MAX_BYTES, telemetryTopic } from "@fleet/core/contracts";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startTelemetryPipeline,
  type TelemetryPipeline,
} from "../../src/telemetry/telemetry-pipeline.ts";
import { tempDir, waitFor } from "../e2e/sandbox-fixture.ts";

const DEVICES = ["SN-BAD-A001", "SN-BAD-B002", "SN-BAD-C003"] as const;
const ATTACKER = "SN-BAD-EVIL";

function telemetry(seq: number, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 1,
      seq,
      deviceTime: new Date().toISOString(),
      heartbeat: { uptimeSeconds: seq, clientVersion: "0.1.0", reconnects: 0 },
      ...extra,
    }),
  );
}

describe("attack: one oversized telemetry record among valid ones in the same tick", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let pipeline: TelemetryPipeline;
  const since = new Date(Date.now() - 60_000);

  beforeAll(async () => {
    dir = await tempDir("bad-data");
    pipeline = await startTelemetryPipeline({
      stateDir: dir.path,
      logger: pino({ level: "silent" }),
    });
  });
  afterAll(async () => {
    await pipeline.close();
    await dir.remove();
  });

  it("dead-letters the oversized record alone with its reason and keeps every valid message", async () => {
    const receivedAt = Date.now();
    const send = (thing: string, payload: Buffer) =>
      pipeline.rule.handle({ topic: telemetryTopic(thing), payload, clientId: thing, receivedAt });
    // All in one tick, the attacker's record in the middle of the batch.
    for (const [index, thing] of DEVICES.entries()) send(thing, telemetry(index + 1));
    send(ATTACKER, telemetry(1, { padding: "x".repeat(1024 * 1024) }));
    for (const [index, thing] of DEVICES.entries()) send(thing, telemetry(index + 10));

    for (const thing of DEVICES) {
      const samples = await waitFor(`both messages of ${thing}`, async () => {
        const found = await pipeline.queryTelemetry({
          thing,
          since,
          measure: "heartbeat.uptimeSeconds",
        });
        return found.length === 2 ? found : undefined;
      });
      expect(samples.map((sample) => sample.value).sort()).toHaveLength(2);
    }
    const letters = await pipeline.listDeadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      thing: ATTACKER,
      reason: expect.stringMatching(/exceeds Kinesis's 1048576-byte record limit/),
    });
  });

  // The payload is cut as the stage cuts it (core's `deadLetterPayload`): to 64 KiB of UTF-8
  // bytes, not 64 Ki UTF-16 characters, which kept up to three times as many bytes of
  // multi-byte text as an SQS dead letter on a stage.
  it("cuts a multi-byte oversized record's dead-letter payload to 64 KiB of UTF-8 bytes", async () => {
    const thing = "SN-BAD-EURO";
    pipeline.rule.handle({
      topic: telemetryTopic(thing),
      payload: telemetry(1, { padding: "€".repeat(400_000) }),
      clientId: thing,
      receivedAt: Date.now(),
    });
    const letter = await waitFor("the dead letter", async () =>
      (await pipeline.listDeadLetters()).find((l) => l.thing === thing),
    );
    const bytes = Buffer.byteLength(letter.payload, "utf8");
    expect(bytes).toBeLessThanOrEqual(DEAD_LETTER_PAYLOAD_MAX_BYTES);
    expect(bytes).toBeGreaterThan(DEAD_LETTER_PAYLOAD_MAX_BYTES - 3);
    expect(letter.payload.endsWith("€")).toBe(true);
  });
});
