import type {
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterReader,
  FleetInventory,
  ReconcileSummary,
  RotationRecord,
  TelemetryQuery,
  TelemetryReader,
  TelemetrySample,
} from "@fleet/core";
import {
  DeadLetterSchema,
  type DeviceView,
  DeviceViewSchema,
  RotationRecordSchema,
} from "@fleet/core/contracts";
import { isProcessAlive, readSandboxInfo, sandboxInfoPath } from "@fleet/sandbox/http-api";
import { z } from "zod";
import { CliError, SandboxUnavailableError } from "../errors.ts";
import type { RotationRequest, RotationService, RotationStartResult } from "./rotation-service.ts";

/** Talks to a running sandbox through the loopback API announced in `<stateDir>/sandbox.json`. */
export class SandboxClient
  implements FleetInventory, TelemetryReader, DeadLetterReader, RotationService
{
  readonly apiUrl: string;

  private constructor(apiUrl: string) {
    this.apiUrl = apiUrl;
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
    return new SandboxClient(info.apiUrl);
  }

  async listDevices(): Promise<DeviceView[]> {
    return this.request("GET", "/v1/devices", z.array(DeviceViewSchema));
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
    const body = new TextEncoder().encode(JSON.stringify(request));
    const started = await this.request(
      "POST",
      "/v1/rotations",
      z.array(RotationRecordSchema),
      body,
    );
    return { started, failures: [] };
  }

  private async request<T>(
    method: "GET" | "PUT" | "POST",
    path: string,
    schema: z.ZodType<T>,
    body?: Uint8Array,
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.apiUrl), {
        method,
        body,
        headers: method === "POST" ? { "content-type": "application/json" } : undefined,
      });
    } catch (error) {
      throw new SandboxUnavailableError(`sandbox API at ${this.apiUrl} is not reachable`, {
        cause: error,
      });
    }
    const reply: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const message = (reply as { error?: string } | null)?.error ?? response.statusText;
      throw new CliError(`sandbox API ${path} answered ${response.status}: ${message}`);
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
