import type {
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterReader,
  DeviceReset,
  FleetInventory,
  ReconcileSummary,
  RotationRecord,
  TelemetryQuery,
  TelemetryReader,
  TelemetrySample,
} from "@fleet/core";
import {
  CommandAcceptedSchema,
  CommandRejectedSchema,
  DeadLetterSchema,
  type DeviceView,
  DeviceViewSchema,
  type JobDetail,
  JobDetailSchema,
  type JobSummary,
  JobSummarySchema,
  LED_COMMAND,
  type LedCommandParams,
  type ReleaseRecord,
  ReleaseRecordSchema,
  RotationRecordSchema,
} from "@fleet/core/contracts";
import { isProcessAlive, readSandboxInfo, sandboxInfoPath } from "@fleet/sandbox/http-api";
import * as z from "zod";
import { CliError, SandboxUnavailableError } from "../errors.ts";
import type { DeviceResetter } from "./device-resetter.ts";
import type { LedCommander, LedOutcome } from "./led-commander.ts";
import type { OtaService, ProgressReporter, ReleaseRequest } from "./ota-service.ts";
import type { RotationRequest, RotationService, RotationStartResult } from "./rotation-service.ts";

/**
 * Talks to a running sandbox through the loopback API announced in `<stateDir>/sandbox.json`,
 * with the bearer token it gives: the API refuses requests without it.
 */
export class SandboxClient
  implements
    FleetInventory,
    DeviceResetter,
    TelemetryReader,
    DeadLetterReader,
    RotationService,
    OtaService,
    LedCommander
{
  readonly apiUrl: string;
  readonly #token: string;

  private constructor(apiUrl: string, token: string) {
    this.apiUrl = apiUrl;
    this.#token = token;
  }

  static async connect(stateDir: string): Promise<SandboxClient> {
    const info = await readSandboxInfo(stateDir);
    if (!info || !isProcessAlive(info.pid)) {
      throw new SandboxUnavailableError(
        `no sandbox is running on state dir ${stateDir} (${sandboxInfoPath(stateDir)} ${
          info ? `names pid ${info.pid}, which is not running` : "does not exist"
        }); start one with \`npm start\` or \`fleet sandbox --state-dir ${stateDir}\``,
      );
    }
    return new SandboxClient(info.apiUrl, info.token);
  }

  async listDevices(): Promise<DeviceView[]> {
    return this.request("GET", "/v1/devices", z.array(DeviceViewSchema));
  }

  async resetDevice(serial: string): Promise<DeviceReset> {
    return this.request(
      "POST",
      `/v1/devices/${encodeURIComponent(serial)}/reset`,
      DeviceResetSchema,
      jsonBody({}),
    );
  }

  async query(query: TelemetryQuery): Promise<TelemetrySample[]> {
    const params = new URLSearchParams({ device: query.thing, since: query.since.toISOString() });
    if (query.until) params.set("until", query.until.toISOString());
    if (query.measure) params.set("measure", query.measure);
    if (query.limit) params.set("limit", String(query.limit));
    const samples = await this.request("GET", `/v1/telemetry?${params}`, z.array(SampleSchema));
    return samples.map((s) => ({ ...s, time: new Date(s.time) }));
  }

  async list(options: DeadLetterListOptions = {}): Promise<DeadLetter[]> {
    const params = new URLSearchParams();
    if (options.since) params.set("since", options.since.toISOString());
    if (options.limit) params.set("limit", String(options.limit));
    return this.request("GET", `/v1/dead-letters?${params}`, z.array(DeadLetterSchema));
  }

  async readAllowList(): Promise<{ version: string; serials: ReadonlySet<string> } | null> {
    const reply = await this.request("GET", "/v1/allowlist", AllowListReplySchema);
    return reply.version === null
      ? null
      : { version: reply.version, serials: new Set(reply.serials) };
  }

  async uploadAllowList(
    body: Uint8Array,
    options: { allowEmpty: boolean },
  ): Promise<{ version: string; reconcile: ReconcileSummary }> {
    const path = `/v1/allowlist${options.allowEmpty ? "?allowEmpty=1" : ""}`;
    const reply = await this.request("PUT", path, UploadReplySchema, body);
    return { version: reply.version, reconcile: reply.reconcile as unknown as ReconcileSummary };
  }

  async listRotations(): Promise<RotationRecord[]> {
    return this.request("GET", "/v1/rotations", z.array(RotationRecordSchema));
  }

  /** The sandbox starts them with its own deadline; a device it cannot rotate fails the call. */
  async startRotations(request: RotationRequest): Promise<RotationStartResult> {
    const started = await this.request(
      "POST",
      "/v1/rotations",
      z.array(RotationRecordSchema),
      jsonBody(request),
    );
    return { started, failures: [] };
  }

  /** The sandbox reads the artifact from the path, stores it, and creates the first job. */
  async release(request: ReleaseRequest, progress: ProgressReporter): Promise<ReleaseRecord> {
    progress("creating the release in the sandbox: upload, then the first job");
    const path = "/v1/releases";
    // The API takes no canary group as an absent field.
    const body = jsonBody({ ...request, canaryGroup: request.canaryGroup ?? undefined });
    const { response, reply } = await this.send("POST", path, body);
    // A request the sandbox refuses (unknown target, bad field) is the operator's to fix.
    if (response.status >= 400 && response.status < 500) {
      throw new CliError(
        `sandbox API ${path} answered ${response.status}: ${errorMessage(response, reply)}`,
        { exitCode: 2 },
      );
    }
    return this.parse(path, response, reply, ReleaseRecordSchema);
  }

  async listReleases(): Promise<ReleaseRecord[]> {
    return this.request("GET", "/v1/releases", z.array(ReleaseRecordSchema));
  }

  async listJobs(): Promise<JobSummary[]> {
    return this.request("GET", "/v1/jobs", z.array(JobSummarySchema));
  }

  async showJob(jobId: string): Promise<JobDetail | null> {
    const path = `/v1/jobs/${encodeURIComponent(jobId)}`;
    const { response, reply } = await this.send("GET", path);
    if (response.status === 404) return null;
    return this.parse(path, response, reply, JobDetailSchema);
  }

  /**
   * The sandbox publishes the command and answers `{ status, reply }` with the device's reply
   * payload once it answered, or 504 when it did not in time.
   */
  async sendLed(thingName: string, params: LedCommandParams): Promise<LedOutcome> {
    const path = "/v1/commands";
    const { response, reply } = await this.send(
      "POST",
      path,
      jsonBody({ thingName, command: LED_COMMAND, params }),
    );
    if (response.status === 504) {
      throw new CliError(
        `${thingName} did not answer the ${LED_COMMAND} command: ${errorMessage(response, reply)}`,
      );
    }
    const answer = this.parse(path, response, reply, CommandAnswerSchema);
    if (answer.status === "rejected") return { kind: "rejected", ...answer.reply };
    return {
      kind: "accepted",
      requestId: answer.reply.requestId,
      state: answer.reply.result ?? {},
    };
  }

  private async request<T>(
    method: "GET" | "PUT" | "POST",
    path: string,
    schema: z.ZodType<T>,
    body?: Uint8Array,
  ): Promise<T> {
    const { response, reply } = await this.send(method, path, body);
    return this.parse(path, response, reply, schema);
  }

  private async send(
    method: "GET" | "PUT" | "POST",
    path: string,
    body?: Uint8Array,
  ): Promise<{ response: Response; reply: unknown }> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.apiUrl), {
        method,
        body,
        headers: {
          authorization: `Bearer ${this.#token}`,
          // The allow-list upload (the only PUT) sends the file's bytes as they are.
          ...(method === "POST" ? { "content-type": "application/json" } : {}),
          ...(method === "PUT" ? { "content-type": "application/octet-stream" } : {}),
        },
      });
    } catch (error) {
      throw new SandboxUnavailableError(`sandbox API at ${this.apiUrl} is not reachable`, {
        cause: error,
      });
    }
    const reply: unknown = await response.json().catch(() => null);
    return { response, reply };
  }

  private parse<T>(path: string, response: Response, reply: unknown, schema: z.ZodType<T>): T {
    if (!response.ok) {
      throw new CliError(
        `sandbox API ${path} answered ${response.status}: ${errorMessage(response, reply)}`,
      );
    }
    const parsed = schema.safeParse(reply);
    if (!parsed.success) {
      throw new CliError(
        `sandbox API ${path} sent an unexpected reply: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }
}

function jsonBody(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

function errorMessage(response: Response, reply: unknown): string {
  return (reply as { error?: string } | null)?.error ?? response.statusText;
}

const DeviceResetSchema = z.object({
  serial: z.string(),
  thingName: z.string(),
  revoked: z.array(z.string()),
});

const CommandAnswerSchema = z.discriminatedUnion("status", [
  z.object({ status: z.literal("accepted"), reply: CommandAcceptedSchema }),
  z.object({ status: z.literal("rejected"), reply: CommandRejectedSchema }),
]);

const AllowListReplySchema = z.object({
  version: z.string().nullable(),
  serials: z.array(z.string()),
});

// The sandbox runs the same reconcile use case; its summary is shown as the use case shaped it.
const UploadReplySchema = z.object({
  version: z.string(),
  reconcile: z.object({ status: z.string() }).loose(),
});

const SampleSchema = z.object({
  thing: z.string(),
  time: z.iso.datetime(),
  seq: z.number(),
  measure: z.string(),
  value: z.union([z.number(), z.string(), z.boolean()]),
});

// The API sends the sandbox store's records as they are (RotationRecord, ISO 8601 dates).
