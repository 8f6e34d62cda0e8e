import { TelemetryStoreError } from "../../telemetry/telemetry-errors.ts";

/** Where a Timestream for InfluxDB (or any InfluxDB 2.x) bucket is, and the token to reach it. */
export interface InfluxDbOptions {
  /** e.g. https://<id>-<hash>.timestream-influxdb.<region>.on.aws:8086 */
  url: string;
  /** API token with write (store) or read (reader) access to the bucket. */
  token: string;
  organization: string;
  bucket: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

/** What InfluxDB answered: status and the error text of a JSON `{ code, message }` body. */
export interface InfluxDbAnswer {
  status: number;
  body: string;
}

/** Sends one request to the InfluxDB API; a network failure becomes a TelemetryStoreError. */
export async function influxDbRequest(
  options: InfluxDbOptions,
  operation: string,
  path: string,
  init: { query: Record<string, string>; contentType: string; accept: string; body: string },
): Promise<InfluxDbAnswer> {
  const url = new URL(path, options.url.endsWith("/") ? options.url : `${options.url}/`);
  for (const [key, value] of Object.entries(init.query)) url.searchParams.set(key, value);
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: "POST",
      headers: {
        Authorization: `Token ${options.token}`,
        "Content-Type": init.contentType,
        Accept: init.accept,
      },
      body: init.body,
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    throw new TelemetryStoreError(
      `InfluxDB ${operation} at ${url.origin} failed: ${error instanceof Error ? error.message : String(error)}`,
      { operation, cause: error },
    );
  }
}

/** The `message` of InfluxDB's JSON error body, or the body itself. */
export function influxDbErrorMessage(answer: InfluxDbAnswer): string {
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (typeof parsed === "object" && parsed !== null && "message" in parsed) {
      return String(parsed.message);
    }
  } catch {
    // Not JSON (a proxy's error page): the text is the message.
  }
  return answer.body.trim() || `HTTP ${answer.status}`;
}

/** A whole-call failure, naming what to check for the statuses an operator can fix. */
export function influxDbCallError(
  operation: string,
  options: InfluxDbOptions,
  answer: InfluxDbAnswer,
): TelemetryStoreError {
  const hint =
    answer.status === 401 || answer.status === 403
      ? `: check the token's ${operation === "write" ? "write" : "read"} permission on bucket ${options.bucket}`
      : answer.status === 404
        ? `: check that organization ${options.organization} and bucket ${options.bucket} exist`
        : "";
  return new TelemetryStoreError(
    `InfluxDB ${operation} failed with HTTP ${answer.status} (${influxDbErrorMessage(answer)})${hint}`,
    { operation, status: answer.status },
  );
}
