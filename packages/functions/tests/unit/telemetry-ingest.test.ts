import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  RejectedRecordsException,
  TimestreamWriteClient,
  WriteRecordsCommand,
} from "@aws-sdk/client-timestream-write";
import type { DeadLetter } from "@fleet/core";
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { InvalidEnvironmentError } from "../../src/errors.ts";
import { context, emfRecords, fixture } from "./lambda-test-kit.ts";

// The fixture: a Kinesis event as Lambda delivers it from the telemetry stream, 4 records:
// two valid messages (device-0001, device-0002), one breaking the contract (device-0003,
// heartbeat.reconnects is a string) and one that is not JSON (device-0003).
const EVENT = "kinesis-telemetry";
const [VALID_1, VALID_2, INVALID, NOT_JSON] = (fixture(EVENT) as KinesisStreamEvent).Records.map(
  (record) => record.kinesis.sequenceNumber,
);

const BASE_ENV = {
  POWERTOOLS_SERVICE_NAME: "telemetry-ingest",
  POWERTOOLS_METRICS_NAMESPACE: "fleet/test",
  DEAD_LETTER_QUEUE_URL:
    "https://sqs.eu-west-1.amazonaws.com/123456789012/fleet-test-telemetry-dead-letters",
  AWS_REGION: "eu-west-1",
};
const TIMESTREAM_ENV = {
  ...BASE_ENV,
  TELEMETRY_STORE: "timestream",
  TIMESTREAM_DATABASE: "fleet-test-telemetry",
  TIMESTREAM_TABLE: "telemetry",
};
const TOKEN_SECRET_ARN =
  "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fleet-influxdb-token-AbCdEf";
const INFLUXDB_ENV = {
  ...BASE_ENV,
  TELEMETRY_STORE: "influxdb",
  INFLUXDB_URL: "https://c5vasdqn0b-3ksj4dla5nfjhi.timestream-influxdb.eu-west-1.on.aws:8086",
  INFLUXDB_ORG: "fleet",
  INFLUXDB_BUCKET: "telemetry",
  INFLUXDB_TOKEN_SECRET_ARN: TOKEN_SECRET_ARN,
};

type Handler = (event: unknown, context: Context) => Promise<KinesisStreamBatchResponse>;

const timestream = mockClient(TimestreamWriteClient);
const sqs = mockClient(SQSClient);
const secrets = mockClient(SecretsManagerClient);

async function loadHandler(env: Record<string, string>): Promise<Handler> {
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  vi.resetModules();
  const module = await import("../../src/handlers/telemetry-ingest.ts");
  return module.handler as unknown as Handler;
}

/** The dead letters sent to SQS, parsed from the message bodies. */
function sentDeadLetters(): DeadLetter[] {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => JSON.parse(entry.MessageBody ?? ""));
}

const failures = (...ids: (string | undefined)[]) => ({
  batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })),
});

describe("telemetry-ingest handler", () => {
  let stdout: MockInstance;
  let stderr: MockInstance;

  beforeEach(() => {
    timestream.reset();
    sqs.reset();
    secrets.reset();
    timestream.on(WriteRecordsCommand).resolves({});
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: input.Entries.map(({ Id }: { Id: string }) => ({ Id })),
      Failed: [],
    }));
    vi.stubEnv("POWERTOOLS_DEV", "");
    stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });

  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  describe("with Timestream", () => {
    it("writes the valid messages in one MULTI WriteRecords and dead-letters the others", async () => {
      const handler = await loadHandler(TIMESTREAM_ENV);
      expect(await handler(fixture(EVENT), context)).toEqual(failures());

      const writes = timestream.commandCalls(WriteRecordsCommand).map((call) => call.args[0].input);
      expect(writes).toHaveLength(1);
      expect(writes[0]).toMatchObject({
        DatabaseName: "fleet-test-telemetry",
        TableName: "telemetry",
        CommonAttributes: { MeasureValueType: "MULTI", TimeUnit: "MILLISECONDS" },
      });
      // One MULTI record per message.
      expect(writes[0]?.Records?.map((record) => record.MeasureName)).toEqual([
        "telemetry",
        "telemetry",
      ]);

      const letters = sentDeadLetters();
      expect(letters.map((letter) => letter.source.sequenceNumber)).toEqual([INVALID, NOT_JSON]);
      expect(letters[0]).toMatchObject({
        thing: "device-0003",
        issues: [{ path: "heartbeat.reconnects" }],
      });
      expect(letters[1]).toMatchObject({
        thing: null,
        reason: expect.stringContaining("expected UTF-8 JSON"),
        payload: '{"schemaVersion":1,"seq":4,',
      });
      expect(sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.QueueUrl).toBe(
        BASE_ENV.DEAD_LETTER_QUEUE_URL,
      );
    });

    it("publishes the batch's counts as metrics", async () => {
      const handler = await loadHandler(TIMESTREAM_ENV);
      await handler(fixture(EVENT), context);
      const [emf] = emfRecords(stdout);
      expect(emf?._aws.CloudWatchMetrics[0]?.Namespace).toBe("fleet/test");
      expect(emf).toMatchObject({
        MessagesWritten: 2,
        MessagesDeadLettered: 2,
        WriteCalls: 1,
        RecordsRetried: 0,
      });
    });

    it("reports only the valid records for retry when Timestream throttles the write", async () => {
      timestream
        .on(WriteRecordsCommand)
        .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
      const handler = await loadHandler(TIMESTREAM_ENV);
      expect(await handler(fixture(EVENT), context)).toEqual(failures(VALID_1, VALID_2));
      expect(sentDeadLetters()).toHaveLength(2);
      expect(emfRecords(stdout)[0]).toMatchObject({ MessagesWritten: 0, RecordsRetried: 2 });
    });

    it("dead-letters a message whose record Timestream rejects, and retries nothing", async () => {
      timestream.on(WriteRecordsCommand).rejects(
        new RejectedRecordsException({
          message: "One or more records have been rejected.",
          $metadata: {},
          RejectedRecords: [
            { RecordIndex: 1, Reason: "The record timestamp is outside the time range" },
          ],
        }),
      );
      const handler = await loadHandler(TIMESTREAM_ENV);
      expect(await handler(fixture(EVENT), context)).toEqual(failures());
      const letters = sentDeadLetters();
      expect(letters.map((letter) => letter.source.sequenceNumber)).toEqual([
        VALID_2,
        INVALID,
        NOT_JSON,
      ]);
      expect(letters[0]?.reason).toContain("outside the time range");
    });

    it("retries the invalid records when the dead-letter queue cannot take them", async () => {
      sqs
        .on(SendMessageBatchCommand)
        .rejects(Object.assign(new Error("down"), { name: "InternalError" }));
      const handler = await loadHandler(TIMESTREAM_ENV);
      expect(await handler(fixture(EVENT), context)).toEqual(failures(INVALID, NOT_JSON));
      expect(timestream.commandCalls(WriteRecordsCommand)).toHaveLength(1);
    });

    it("fails its cold start naming a missing variable", async () => {
      const { TIMESTREAM_TABLE: _, ...env } = TIMESTREAM_ENV;
      vi.stubEnv("TIMESTREAM_TABLE", undefined);
      const error: InvalidEnvironmentError = await loadHandler(env).then(
        () => expect.unreachable(),
        (e) => e,
      );
      expect(error.name).toBe("InvalidEnvironmentError");
      expect(error.keys).toEqual(["TIMESTREAM_TABLE"]);
    });
  });

  describe("with Timestream for InfluxDB", () => {
    function stubInfluxDb(status = 204): MockInstance<typeof fetch> {
      const fetchStub = vi.fn<typeof fetch>(async () => new Response(null, { status }));
      vi.stubGlobal("fetch", fetchStub);
      return fetchStub;
    }

    it("writes the valid messages as line protocol with the token from Secrets Manager", async () => {
      secrets.on(GetSecretValueCommand, { SecretId: TOKEN_SECRET_ARN }).resolves({
        SecretString: "influx-token-1",
      });
      const fetchStub = stubInfluxDb();
      const handler = await loadHandler(INFLUXDB_ENV);
      expect(await handler(fixture(EVENT), context)).toEqual(failures());

      expect(fetchStub).toHaveBeenCalledTimes(1);
      const [url, init] = fetchStub.mock.calls[0] ?? [];
      const target = new URL(String(url));
      expect(target.origin + target.pathname).toBe(`${INFLUXDB_ENV.INFLUXDB_URL}/api/v2/write`);
      expect(target.searchParams.get("bucket")).toBe("telemetry");
      expect(new Headers(init?.headers).get("Authorization")).toBe("Token influx-token-1");
      const lines = String(init?.body).split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^heartbeat,thing=device-0001 /);
      expect(sentDeadLetters()).toHaveLength(2);
    });

    it("reports the valid records for retry when InfluxDB is unavailable", async () => {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: "influx-token-1" });
      stubInfluxDb(503);
      const handler = await loadHandler(INFLUXDB_ENV);
      expect(await handler(fixture(EVENT), context)).toEqual(failures(VALID_1, VALID_2));
    });

    it("fails its cold start when the token secret is empty", async () => {
      secrets.on(GetSecretValueCommand).resolves({});
      stubInfluxDb();
      await expect(loadHandler(INFLUXDB_ENV)).rejects.toThrow(
        `the InfluxDB token secret ${TOKEN_SECRET_ARN} holds no SecretString`,
      );
    });

    it("refuses an InfluxDB endpoint that is not HTTPS", async () => {
      await expect(
        loadHandler({ ...INFLUXDB_ENV, INFLUXDB_URL: "http://influx.internal:8086" }),
      ).rejects.toThrow(/INFLUXDB_URL/);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    });
  });
});
