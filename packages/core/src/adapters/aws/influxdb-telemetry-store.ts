import type { RejectedPoint, TelemetryPoint, TelemetryStore } from "../../ports/telemetry-store.ts";
import {
  type InfluxDbAnswer,
  type InfluxDbOptions,
  influxDbCallError,
  influxDbErrorMessage,
  influxDbRequest,
} from "./influxdb-http.ts";
import { lineProtocol, lineProtocolProblem } from "./influxdb-line-protocol.ts";
import { assertBatchSize, isolateRefusedPoints } from "./refused-points.ts";

export type InfluxDbTelemetryStoreOptions = InfluxDbOptions;

// InfluxDB's advice ("Optimize writes to InfluxDB", docs.influxdata.com/influxdb/v2/write-data/
// best-practices/optimize-writes, read 2026-12-06): batches of 5,000 lines. Timestream for
// InfluxDB refuses a body over max-http-request-size (default 10 MiB; 5 MiB recommended for
// db.influx.medium): a batch whose lines pass 5 MiB is posted in several requests.
const MAX_POINTS = 5000;
const MAX_BODY_BYTES = 5 * 1024 * 1024;

/**
 * Timestream for InfluxDB (InfluxDB 2.x): POST /api/v2/write with line protocol, one line per
 * point, one request per write of up to 5,000 points. InfluxDB answers a batch it refused in part (422, a field type conflict) or in whole
 * (400, a line it cannot parse) without saying which lines: the points are then written one
 * at a time to tell them apart, and only the refused ones are returned. 429 and 5xx (and
 * 401/403/404, which need an operator) fail the whole call, so its records are retried.
 */
export class InfluxDbTelemetryStore implements TelemetryStore {
  readonly maxPointsPerWrite = MAX_POINTS;
  readonly #options: InfluxDbOptions;

  constructor(options: InfluxDbTelemetryStoreOptions) {
    this.#options = { ...options };
  }

  async write(points: readonly TelemetryPoint[]): Promise<{ rejected: RejectedPoint[] }> {
    assertBatchSize("InfluxDB", points.length, MAX_POINTS);
    const rejected: RejectedPoint[] = [];
    const sendable: { index: number; point: TelemetryPoint }[] = [];
    points.forEach((point, index) => {
      const reason = lineProtocolProblem(point);
      if (reason === null) sendable.push({ index, point });
      else rejected.push({ index, reason, retryable: false });
    });
    for (const request of requests(sendable)) {
      const answer = await this.#post(request.map(({ line }) => line));
      if (isRefusal(answer)) {
        rejected.push(
          ...(request.length === 1
            ? [{ index: request[0]?.index ?? 0, reason: refusalReason(answer), retryable: false }]
            : await isolateRefusedPoints(request, (point) => this.#writeOne(point))),
        );
      }
    }
    return { rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  async #writeOne(point: TelemetryPoint): Promise<string | null> {
    const answer = await this.#post([lineProtocol(point)]);
    return isRefusal(answer) ? refusalReason(answer) : null;
  }

  /** Resolves when InfluxDB stored every line or refused some of them; throws otherwise. */
  async #post(lines: readonly string[]): Promise<InfluxDbAnswer> {
    const answer = await influxDbRequest(this.#options, "write", "api/v2/write", {
      query: { org: this.#options.organization, bucket: this.#options.bucket, precision: "ms" },
      contentType: "text/plain; charset=utf-8",
      accept: "application/json",
      body: lines.join("\n"),
    });
    if (answer.status === 204 || answer.status === 200 || isRefusal(answer)) return answer;
    throw influxDbCallError("write", this.#options, answer);
  }
}

/** The points' lines, cut into request bodies of at most MAX_BODY_BYTES (a longer line alone). */
function requests(points: readonly { index: number; point: TelemetryPoint }[]) {
  const bodies: { index: number; point: TelemetryPoint; line: string }[][] = [];
  let body: (typeof bodies)[number] = [];
  let bytes = 0;
  for (const { index, point } of points) {
    const line = lineProtocol(point);
    const size = Buffer.byteLength(line) + 1;
    if (body.length > 0 && bytes + size > MAX_BODY_BYTES) {
      bodies.push(body);
      body = [];
      bytes = 0;
    }
    body.push({ index, point, line });
    bytes += size;
  }
  if (body.length > 0) bodies.push(body);
  return bodies;
}

/** 400: a line InfluxDB could not parse; 422: lines it refused (e.g. a field type conflict). */
function isRefusal(answer: InfluxDbAnswer): boolean {
  return answer.status === 400 || answer.status === 422;
}

function refusalReason(answer: InfluxDbAnswer): string {
  return `InfluxDB refused the point (HTTP ${answer.status}): ${influxDbErrorMessage(answer)}`;
}
