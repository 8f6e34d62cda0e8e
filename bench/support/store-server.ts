// A telemetry store on loopback that answers like the services the ingest writes to, so a
// benchmark sees their round trips: every request waits `latencyMs` once it has one of
// `concurrency` service slots (more wait in line), then answers.
// - Timestream for LiveAnalytics (JSON 1.0 protocol, `X-Amz-Target: Timestream_20181101.*`):
//   DescribeEndpoints names a cell endpoint, and WriteRecords sent anywhere else is refused with
//   InvalidEndpointException, as the service does (developer guide, "Endpoint discovery
//   pattern", Using the API). WriteRecords takes at most 100 records and refuses, record by
//   record (RejectedRecordsException), a MULTI record of more than 256 measures or over 2 KB
//   (developer guide, Quotas). It meters each request (timestream-metering.ts).
// - Timestream for InfluxDB (InfluxDB 2.x): POST /api/v2/write with line protocol, 204.
// - Secrets Manager GetSecretValue (the InfluxDB token) and SQS SendMessageBatch (dead letters).
// Requests reach it through `routeToLoopback` (loopback-transport.ts), which keeps the host the
// client meant in `x-forwarded-host`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type MeteredWrite, writeRequestBytes, writeRequestUnits } from "./timestream-metering.ts";

export interface StoreServerOptions {
  /** Time each request spends in service. */
  latencyMs: number;
  /** Requests in service at once; more wait for a slot. */
  concurrency: number;
  region: string;
}

export interface StoreCounters {
  describeEndpoints: number;
  writeRecords: number;
  records: number;
  measures: number;
  /** Metered bytes and billed 1 KiB write units of the WriteRecords requests. */
  writeBytes: number;
  writeUnits: number;
  influxWrites: number;
  influxLines: number;
  /** Most requests waiting or in service at once, and most in service. */
  peakQueued: number;
  peakInService: number;
}

export interface StoreServer {
  port: number;
  /** The host DescribeEndpoints names; writes must go there. */
  cellEndpoint: string;
  counters: StoreCounters;
  reset(): void;
  close(): Promise<void>;
}

const MAX_RECORDS = 100;
const MAX_RECORD_MEASURES = 256;
const MAX_RECORD_BYTES = 2048;

function emptyCounters(): StoreCounters {
  return {
    describeEndpoints: 0,
    writeRecords: 0,
    records: 0,
    measures: 0,
    writeBytes: 0,
    writeUnits: 0,
    influxWrites: 0,
    influxLines: 0,
    peakQueued: 0,
    peakInService: 0,
  };
}

interface Answer {
  status: number;
  body?: unknown;
  text?: string;
}

function awsError(type: string, message: string, extra: object = {}): Answer {
  return { status: 400, body: { __type: type, message, ...extra } };
}

export async function startStoreServer(options: StoreServerOptions): Promise<StoreServer> {
  const cellEndpoint = `ingest-cell1.timestream.${options.region}.amazonaws.com`;
  let counters = emptyCounters();
  let inService = 0;
  let queued = 0;
  const waiting: (() => void)[] = [];

  async function slot<T>(work: () => T): Promise<T> {
    queued += 1;
    counters.peakQueued = Math.max(counters.peakQueued, queued);
    if (inService >= options.concurrency) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    inService += 1;
    counters.peakInService = Math.max(counters.peakInService, inService);
    try {
      await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      return work();
    } finally {
      inService -= 1;
      queued -= 1;
      waiting.shift()?.();
    }
  }

  function timestream(target: string, host: string | undefined, input: unknown): Answer {
    if (target === "DescribeEndpoints") {
      counters.describeEndpoints += 1;
      return {
        status: 200,
        body: { Endpoints: [{ Address: cellEndpoint, CachePeriodInMinutes: 1440 }] },
      };
    }
    if (target !== "WriteRecords") return awsError("ValidationException", `not served: ${target}`);
    if (host !== cellEndpoint) {
      return awsError(
        "InvalidEndpointException",
        `WriteRecords must go to a discovered endpoint, not ${host}`,
      );
    }
    const write = input as MeteredWrite;
    const records = write.Records ?? [];
    if (records.length === 0 || records.length > MAX_RECORDS) {
      return awsError(
        "ValidationException",
        `1..${MAX_RECORDS} records a request, got ${records.length}`,
      );
    }
    const rejected = records.flatMap((record, index) => {
      const measures = record.MeasureValues?.length ?? 1;
      const size = writeRequestBytes({
        CommonAttributes: write.CommonAttributes,
        Records: [record],
      });
      if (measures > MAX_RECORD_MEASURES || size > MAX_RECORD_BYTES) {
        return [
          {
            RecordIndex: index,
            Reason: `${measures} measures, ${size} bytes: over a record's limits`,
          },
        ];
      }
      return [];
    });
    counters.writeRecords += 1;
    counters.writeBytes += writeRequestBytes(write);
    counters.writeUnits += writeRequestUnits(write);
    counters.records += records.length - rejected.length;
    counters.measures += records.reduce((sum, r) => sum + (r.MeasureValues?.length ?? 1), 0);
    if (rejected.length > 0) {
      return awsError("RejectedRecordsException", "One or more records have been rejected.", {
        RejectedRecords: rejected,
      });
    }
    const total = records.length;
    return {
      status: 200,
      body: { RecordsIngested: { Total: total, MemoryStore: total, MagneticStore: 0 } },
    };
  }

  function answer(request: IncomingMessage, body: string): Answer {
    const url = new URL(request.url ?? "/", "http://loopback");
    const target = String(request.headers["x-amz-target"] ?? "");
    const host = request.headers["x-forwarded-host"] as string | undefined;
    if (target.startsWith("Timestream_20181101.")) {
      return timestream(target.slice("Timestream_20181101.".length), host, JSON.parse(body));
    }
    if (target === "secretsmanager.GetSecretValue") {
      return { status: 200, body: { SecretString: "bench-influxdb-token" } };
    }
    if (target === "AmazonSQS.SendMessageBatch") {
      const entries = (JSON.parse(body) as { Entries?: { Id: string }[] }).Entries ?? [];
      return {
        status: 200,
        body: { Successful: entries.map(({ Id }) => ({ Id, MessageId: Id })), Failed: [] },
      };
    }
    if (request.method === "POST" && url.pathname === "/api/v2/write") {
      counters.influxWrites += 1;
      counters.influxLines += body === "" ? 0 : body.split("\n").length;
      return { status: 204 };
    }
    return { status: 404, text: `not served: ${request.method} ${url.pathname} ${target}` };
  }

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      slot(() => answer(request, body)).then(({ status, body: json, text }) => {
        const payload = json === undefined ? (text ?? "") : JSON.stringify(json);
        response.writeHead(status, {
          "content-type": json === undefined ? "text/plain" : "application/x-amz-json-1.0",
          "content-length": Buffer.byteLength(payload),
        });
        response.end(payload);
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    cellEndpoint,
    get counters() {
      return counters;
    },
    reset() {
      counters = emptyCounters();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
