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

// Same batch as Timestream, so the ingest groups and chunks alike whichever store it writes to.
const MAX_POINTS = 100;

/**
 * Timestream for InfluxDB (InfluxDB 2.x): POST /api/v2/write with line protocol, one line per
 * point. InfluxDB answers a batch it refused in part (422, a field type conflict) or in whole
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
    if (sendable.length > 0) {
      const answer = await this.#post(sendable.map(({ point }) => point));
      if (isRefusal(answer)) {
        rejected.push(
          ...(sendable.length === 1
            ? [{ index: sendable[0]?.index ?? 0, reason: refusalReason(answer), retryable: false }]
            : await isolateRefusedPoints(sendable, (point) => this.#writeOne(point))),
        );
      }
    }
    return { rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  async #writeOne(point: TelemetryPoint): Promise<string | null> {
    const answer = await this.#post([point]);
    return isRefusal(answer) ? refusalReason(answer) : null;
  }

  /** Resolves when InfluxDB stored every line or refused some of them; throws otherwise. */
  async #post(points: readonly TelemetryPoint[]): Promise<InfluxDbAnswer> {
    const answer = await influxDbRequest(this.#options, "write", "api/v2/write", {
      query: { org: this.#options.organization, bucket: this.#options.bucket, precision: "ms" },
      contentType: "text/plain; charset=utf-8",
      accept: "application/json",
      body: points.map(lineProtocol).join("\n"),
    });
    if (answer.status === 204 || answer.status === 200 || isRefusal(answer)) return answer;
    throw influxDbCallError("write", this.#options, answer);
  }
}

/** 400: a line InfluxDB could not parse; 422: lines it refused (e.g. a field type conflict). */
function isRefusal(answer: InfluxDbAnswer): boolean {
  return answer.status === 400 || answer.status === 422;
}

function refusalReason(answer: InfluxDbAnswer): string {
  return `InfluxDB refused the point (HTTP ${answer.status}): ${influxDbErrorMessage(answer)}`;
}
