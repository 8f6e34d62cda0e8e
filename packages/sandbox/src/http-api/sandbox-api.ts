import type { AddressInfo } from "node:net";
import {
  ALLOW_LIST_MAX_BYTES,
  AllowListTooLargeError,
  type DeadLetter,
  type DeviceReset,
  InvalidAllowListError,
  InvalidAppArtifactError,
  InvalidReleaseRequestError,
  NoActiveCertificateError,
  ReleaseAlreadyExistsError,
  type ReleaseAppRequest,
  ReleaseTargetNotFoundError,
  type RotationRecord,
  type TelemetryQuery,
  type TelemetrySample,
} from "@fleet/core";
import {
  type DeviceView,
  type JobDetail,
  type JobSummary,
  type ReleaseRecord,
  SerialSchema,
  ThingNameSchema,
} from "@fleet/core/contracts";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import * as z from "zod";
import type { AllowListUploadResult } from "../allow-list-upload.ts";
import type { CommandOutcome } from "../commands/command-requests.ts";
import {
  ApiRequestRefusedError,
  ApiTokenError,
  CommandTimeoutError,
  InvalidRequestError,
  ResourceAlreadyExistsError,
  ResourceNotFoundError,
} from "../errors.ts";
import type { CreateJobInput, JobStore } from "../jobs/job-store.ts";
import { createApiToken } from "./api-token.ts";
import { LOOPBACK_ADDRESS } from "./loopback.ts";
import {
  parseDeadLetterQuery,
  parseTelemetryQuery,
  QueryParameterError,
} from "./query-parameters.ts";
import { type RequestGuardOptions, requestGuard } from "./request-guard.ts";

/**
 * The API always listens on loopback: it creates jobs whose commands run on this machine, so
 * there is no option to put it on another interface.
 */
export interface SandboxApiOptions {
  /** Port. Default 0 (a free port; clients find it in `sandbox.json`). */
  port?: number;
  /** Origins of pages the sandbox itself serves that may call the API. Default none. */
  allowedOrigins?: readonly string[];
}

const DEFAULTS = { port: 0, allowedOrigins: [] } as const;

/** Takes the allow-list file's bytes as they are, not JSON. */
const ALLOW_LIST_PATH = "/v1/allowlist";

/**
 * What the API serves. A `Sandbox` is one; a bare `FleetInventory` still serves `/v1/devices`
 * (the allow-list and telemetry routes then answer 404).
 */
export interface SandboxApiBackend {
  listDevices(): Promise<DeviceView[]>;
  resetDevice?(serial: string): Promise<DeviceReset>;
  readAllowList?(): Promise<{ version: string | null; serials: string[] }>;
  uploadAllowList?(
    body: Uint8Array,
    options: { allowEmpty: boolean },
  ): Promise<AllowListUploadResult>;
  queryTelemetry?(query: TelemetryQuery): Promise<TelemetrySample[]>;
  listDeadLetters?(options: { since?: Date; limit?: number }): Promise<DeadLetter[]>;
  jobs?: Pick<JobStore, "createJob">;
  listJobs?(): Promise<JobSummary[]>;
  describeJob?(jobId: string): Promise<JobDetail>;
  createRelease?(request: ReleaseAppRequest): Promise<ReleaseRecord>;
  listReleases?(): Promise<ReleaseRecord[]>;
  addThingToThingGroup?(thingGroupName: string, thingName: string): Promise<void>;
  removeThingFromThingGroup?(thingGroupName: string, thingName: string): Promise<void>;
  listThingsInThingGroup?(thingGroupName: string): string[];
  sendCommand?(
    thingName: string,
    command: string,
    params: Record<string, unknown>,
  ): Promise<CommandOutcome>;
  listRotations?(): Promise<RotationRecord[]>;
  startRotation?(thingName: string): Promise<RotationRecord>;
  startExpiringRotations?(withinMs: number): Promise<RotationRecord[]>;
}

const CreateReleaseBodySchema = z.strictObject({
  artifactPath: z.string().min(1),
  targets: z.array(z.string().min(1)).min(1),
  canaryGroup: z.string().min(1).optional(),
  abortFailurePct: z.number().min(0).max(100).optional(),
  canaryDeadlineMinutes: z.number().positive().optional(),
});

const ThingNameBodySchema = z.strictObject({ thingName: ThingNameSchema });

const CommandBodySchema = z.strictObject({
  thingName: ThingNameSchema,
  command: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "a command name is 1-64 of [a-zA-Z0-9_-]"),
  params: z.record(z.string(), z.unknown()).default({}),
});

const StartRotationsBodySchema = z.union([
  z.strictObject({ device: ThingNameSchema }),
  z.strictObject({ expiringWithinMs: z.number().int().nonnegative() }),
]);

export interface SandboxApi {
  url: string;
  /** This run's bearer token, for `sandbox.json`. */
  token: string;
  close(): Promise<void>;
}

/**
 * The loopback HTTP API the CLI (and later a dashboard) talks to. Every request passes
 * `requestGuard` first (loopback Host, no foreign Origin, the run's bearer token, JSON bodies;
 * 421, 403, 401 or 415 otherwise); `PUT /v1/allowlist` takes `application/octet-stream`.
 * - `GET /v1/devices`: every device view.
 * - `POST /v1/devices/:serial/reset` `{}`: revokes the thing's certificates so that the device
 *   may provision again by claim; answers `{ serial, thingName, revoked }`, 400 for a bad serial.
 * - `GET /v1/allowlist`: `{ version, serials, count }`.
 * - `PUT /v1/allowlist[?allowEmpty=1]`: body = the file's bytes; 400 with `issues` when it is
 *   not a valid allow-list, 413 past the size limit; else `{ version, diff, reconcile }`.
 * - `GET /v1/telemetry?device=X&since=15m|ISO[&until=ISO][&measure=M][&limit=N]`: samples,
 *   newest first (`time` ISO 8601); 400 naming the bad parameter.
 * - `GET /v1/dead-letters[?since=15m|ISO][&limit=N]`: dead letters, newest first.
 * - `POST /v1/jobs` `{ jobId, document, targets }`: 201 with the job; 400 naming the bad field,
 *   404 for an unknown target thing, 409 for a job id in use.
 * - `GET /v1/jobs`: every job as a `JobSummary`, newest first; `GET /v1/jobs/:jobId`: its
 *   `JobDetail` (document as stored, executions).
 * - `POST /v1/releases` `{ artifactPath, targets, canaryGroup?, abortFailurePct?,
 *   canaryDeadlineMinutes? }`: 201 with the `ReleaseRecord`; 400 for a bad body or artifact,
 *   404 naming unknown targets.
 * - `GET /v1/releases`: every release, newest first.
 * - `GET|POST /v1/thing-groups/:name/things` (`{ thingName }`), `DELETE
 *   /v1/thing-groups/:name/things/:thingName`: the group's members, add, remove.
 * - `POST /v1/commands` `{ thingName, command, params }`: `{ status: "accepted"|"rejected",
 *   reply }` once the device answered; 504 when it did not within 10 s.
 * - `GET /v1/rotations`: every rotation record, newest first (dates ISO 8601).
 * - `POST /v1/rotations` `{ device }` or `{ expiringWithinMs }`: starts rotations (a device
 *   already rotating keeps its rotation) and answers their records as an array; 400 for another
 *   body, 404 for an unknown device, 409 for a device without an ACTIVE certificate.
 */
export function createSandboxApp(
  backend: SandboxApiBackend,
  access: Omit<RequestGuardOptions, "fileBodyPaths">,
): Hono {
  const app = new Hono();
  app.use(requestGuard({ ...access, fileBodyPaths: [ALLOW_LIST_PATH] }));
  app.get("/v1/health", (c) => c.json({ ok: true }));
  app.get("/v1/devices", async (c) => c.json(await backend.listDevices()));
  app.post("/v1/devices/:serial/reset", async (c) => {
    if (backend.resetDevice === undefined)
      return c.json({ error: "this API resets no devices" }, 404);
    const serial = SerialSchema.safeParse(c.req.param("serial"));
    if (!serial.success) return c.json({ error: "not a valid serial", field: "serial" }, 400);
    return c.json(await backend.resetDevice(serial.data));
  });

  app.get("/v1/allowlist", async (c) => {
    if (backend.readAllowList === undefined) return noAllowList(c);
    const { version, serials } = await backend.readAllowList();
    return c.json({ version, serials, count: serials.length });
  });

  app.put(
    ALLOW_LIST_PATH,
    bodyLimit({
      maxSize: ALLOW_LIST_MAX_BYTES,
      onError: (c) =>
        c.json({ error: `allow-list is larger than ${ALLOW_LIST_MAX_BYTES} bytes` }, 413),
    }),
    async (c) => {
      if (backend.uploadAllowList === undefined) return noAllowList(c);
      const allowEmpty = ["1", "true"].includes(c.req.query("allowEmpty") ?? "");
      const body = new Uint8Array(await c.req.arrayBuffer());
      try {
        return c.json(await backend.uploadAllowList(body, { allowEmpty }));
      } catch (error) {
        if (error instanceof InvalidAllowListError) {
          return c.json(
            { error: error.message, issues: error.issues, duplicates: error.duplicates },
            400,
          );
        }
        if (error instanceof AllowListTooLargeError) return c.json({ error: error.message }, 413);
        throw error;
      }
    },
  );

  app.get("/v1/telemetry", async (c) => {
    if (backend.queryTelemetry === undefined)
      return c.json({ error: "this API serves no telemetry" }, 404);
    const samples = await backend.queryTelemetry(parseTelemetryQuery(c.req.query(), new Date()));
    return c.json(samples.map((sample) => ({ ...sample, time: sample.time.toISOString() })));
  });

  app.get("/v1/dead-letters", async (c) => {
    if (backend.listDeadLetters === undefined)
      return c.json({ error: "this API serves no dead letters" }, 404);
    return c.json(await backend.listDeadLetters(parseDeadLetterQuery(c.req.query(), new Date())));
  });

  app.post("/v1/jobs", async (c) => {
    if (backend.jobs === undefined) return noJobs(c);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: "the body is not JSON" }, 400);
    }
    // createJob validates its input field by field.
    return c.json(await backend.jobs.createJob(body as CreateJobInput), 201);
  });

  app.get("/v1/jobs", async (c) =>
    backend.listJobs === undefined ? noJobs(c) : c.json(await backend.listJobs()),
  );

  app.get("/v1/jobs/:jobId", async (c) =>
    backend.describeJob === undefined
      ? noJobs(c)
      : c.json(await backend.describeJob(c.req.param("jobId"))),
  );

  app.post("/v1/releases", async (c) => {
    if (backend.createRelease === undefined) return noReleases(c);
    const request = parseBody(CreateReleaseBodySchema, await jsonBody(c.req));
    return c.json(await backend.createRelease(request), 201);
  });

  app.get("/v1/releases", async (c) =>
    backend.listReleases === undefined ? noReleases(c) : c.json(await backend.listReleases()),
  );

  app.get("/v1/thing-groups/:name/things", (c) => {
    if (backend.listThingsInThingGroup === undefined) return noThingGroups(c);
    const thingGroupName = c.req.param("name");
    return c.json({ thingGroupName, thingNames: backend.listThingsInThingGroup(thingGroupName) });
  });

  app.post("/v1/thing-groups/:name/things", async (c) => {
    if (backend.addThingToThingGroup === undefined) return noThingGroups(c);
    const { thingName } = parseBody(ThingNameBodySchema, await jsonBody(c.req));
    const thingGroupName = c.req.param("name");
    await backend.addThingToThingGroup(thingGroupName, thingName);
    return c.json({ thingGroupName, thingName });
  });

  app.delete("/v1/thing-groups/:name/things/:thingName", async (c) => {
    if (backend.removeThingFromThingGroup === undefined) return noThingGroups(c);
    const thingGroupName = c.req.param("name");
    const thingName = c.req.param("thingName");
    await backend.removeThingFromThingGroup(thingGroupName, thingName);
    return c.json({ thingGroupName, thingName });
  });

  app.post("/v1/commands", async (c) => {
    if (backend.sendCommand === undefined) {
      return c.json({ error: "this API sends no commands" }, 404);
    }
    const { thingName, command, params } = parseBody(CommandBodySchema, await jsonBody(c.req));
    return c.json(await backend.sendCommand(thingName, command, params));
  });

  app.get("/v1/rotations", async (c) =>
    backend.listRotations === undefined ? noRotations(c) : c.json(await backend.listRotations()),
  );

  app.post("/v1/rotations", async (c) => {
    const { startRotation, startExpiringRotations } = backend;
    if (startRotation === undefined || startExpiringRotations === undefined) {
      return noRotations(c);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: "the body is not JSON" }, 400);
    }
    const parsed = StartRotationsBodySchema.safeParse(body);
    if (!parsed.success) {
      return c.json(
        {
          error:
            "the body must be { device: <thing name> } or { expiringWithinMs: <non-negative integer> }",
        },
        400,
      );
    }
    const request = parsed.data;
    return c.json(
      "device" in request
        ? [await startRotation(request.device)]
        : await startExpiringRotations(request.expiringWithinMs),
    );
  });

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => {
    if (error instanceof ApiRequestRefusedError) {
      // RFC 6750: a 401 names the scheme the client must use.
      if (error instanceof ApiTokenError) c.header("WWW-Authenticate", 'Bearer realm="sandbox"');
      return c.json({ error: error.message }, error.status);
    }
    if (error instanceof QueryParameterError) {
      return c.json({ error: error.message, parameter: error.parameter }, 400);
    }
    if (error instanceof InvalidRequestError) {
      return c.json({ error: error.message, field: error.field }, 400);
    }
    if (error instanceof ResourceNotFoundError) return c.json({ error: error.message }, 404);
    if (error instanceof ResourceAlreadyExistsError) return c.json({ error: error.message }, 409);
    if (error instanceof NoActiveCertificateError) return c.json({ error: error.message }, 409);
    if (error instanceof InvalidAppArtifactError) {
      return c.json({ error: error.message, file: error.file, issues: error.issues }, 400);
    }
    if (error instanceof InvalidReleaseRequestError) {
      return c.json({ error: error.message, field: error.field }, 400);
    }
    if (error instanceof ReleaseTargetNotFoundError) {
      return c.json({ error: error.message, names: error.names }, 404);
    }
    if (error instanceof ReleaseAlreadyExistsError) return c.json({ error: error.message }, 409);
    if (error instanceof CommandTimeoutError) return c.json({ error: error.message }, 504);
    return c.json({ error: error.message }, 500);
  });
  return app;
}

function noJobs(c: { json(body: unknown, status: 404): Response }): Response {
  return c.json({ error: "this API serves no jobs" }, 404);
}

function noReleases(c: { json(body: unknown, status: 404): Response }): Response {
  return c.json({ error: "this API serves no releases" }, 404);
}

function noThingGroups(c: { json(body: unknown, status: 404): Response }): Response {
  return c.json({ error: "this API serves no thing groups" }, 404);
}

/** The request's JSON body; anything else is a 400 naming the body. */
async function jsonBody(request: { json(): Promise<unknown> }): Promise<unknown> {
  try {
    return await request.json();
  } catch (error) {
    throw new InvalidRequestError("body", "the body is not JSON", { cause: error });
  }
}

/** The body as the schema has it; else a 400 naming the first bad field. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidRequestError(
      issue?.path.join(".") || "body",
      issue?.message ?? "invalid body",
    );
  }
  return parsed.data;
}

function noRotations(c: { json(body: unknown, status: 404): Response }): Response {
  return c.json({ error: "this API serves no rotations" }, 404);
}

function noAllowList(c: { json(body: unknown, status: 404): Response }): Response {
  return c.json({ error: "this API serves no allow-list" }, 404);
}

export async function startSandboxApi(
  backend: SandboxApiBackend,
  options: SandboxApiOptions = {},
): Promise<SandboxApi> {
  const { port, allowedOrigins } = { ...DEFAULTS, ...options };
  const token = createApiToken();
  let boundPort = port;
  const app = createSandboxApp(backend, { token, port: () => boundPort, allowedOrigins });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: LOOPBACK_ADDRESS, port }, () => resolve(s));
    s.once("error", reject);
  });
  boundPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK_ADDRESS}:${boundPort}`,
    token,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets would otherwise hold close() open.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
