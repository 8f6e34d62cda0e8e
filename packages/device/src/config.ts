import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { SerialSchema, ThingNameSchema, thingNameFromSerial } from "@fleet/core/contracts";
import { z } from "zod";
import { type ConfigIssue, DeviceConfigError } from "./errors.ts";

const PortSchema = z.int().min(1).max(65_535);
// Upper bounds keep every delay far below setTimeout's 2^31-1 ms limit, past which Node
// fires after 1 ms instead.
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Where the broker listens: the account's AWS IoT data endpoint (ATS) or the sandbox broker. */
export const EndpointSchema = z.strictObject({
  host: z.string().min(1),
  /** Default 8883 (MQTT over TLS). */
  port: PortSchema.default(8883),
});

/**
 * PEM files for mutual TLS. Relative paths in a config file resolve against the directory of
 * that file, so a sandbox device directory can be moved as a whole.
 */
export const TlsFilesSchema = z.strictObject({
  /** CA bundle that signed the broker's certificate (Amazon Root CA 1 on AWS). */
  caFile: z.string().min(1),
  /** The device certificate; its subject is the thing the broker binds the client id to. */
  certFile: z.string().min(1),
  /** The device private key (keep it mode 0600). Never logged. */
  keyFile: z.string().min(1),
});

export const ReconnectSchema = z
  .strictObject({
    /** Cap of the first retry's random delay. Default 1000. */
    initialDelayMs: z.int().min(0).max(HOUR_MS).default(1_000),
    /** Largest cap the doubling reaches, at most one hour. Default 60000. */
    maxDelayMs: z.int().min(1).max(HOUR_MS).default(60_000),
    /** A connection that stays up this long resets the backoff to the first step. Default 30000. */
    stableAfterMs: z.int().min(0).max(DAY_MS).default(30_000),
  })
  .refine((r) => r.initialDelayMs <= r.maxDelayMs, {
    message: "must be greater than or equal to reconnect.initialDelayMs",
    path: ["maxDelayMs"],
  });

/**
 * The device client's config file (`fleet-device --config device.json`); `fleet sandbox`
 * writes one per simulated device. Unknown keys are rejected so that a typo is not silently
 * replaced by a default.
 */
export const DeviceConfigSchema = z
  .strictObject({
    serial: SerialSchema,
    /** Thing name and MQTT client id. Default: `thingNameFromSerial(serial)`. */
    thingName: ThingNameSchema.optional(),
    endpoint: EndpointSchema,
    tls: TlsFilesSchema,
    /** Seconds between heartbeats (at most a day); one also follows each connect. Default 30. */
    heartbeatIntervalSeconds: z
      .number()
      .positive()
      .max(DAY_MS / 1000)
      .default(30),
    /** Reconnect backoff: exponential with full jitter. Defaults as in `ReconnectSchema`. */
    reconnect: ReconnectSchema.prefault({}),
  })
  .transform((config) => ({
    ...config,
    thingName: config.thingName ?? thingNameFromSerial(config.serial),
  }));

/** A config with defaults applied and the thing name resolved. */
export type DeviceConfig = z.output<typeof DeviceConfigSchema>;
/** What a config file may contain (optional fields may be left out). */
export type DeviceConfigInput = z.input<typeof DeviceConfigSchema>;

/**
 * Reads and validates a device config file. Relative TLS file paths resolve against the
 * config file's directory. Throws `DeviceConfigError` naming the file, each failing field's
 * path and what was expected.
 */
export async function loadDeviceConfig(path: string): Promise<DeviceConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DeviceConfigError(
      `cannot read device config ${file}: ${reason}`,
      { file },
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DeviceConfigError(`${file} is not valid JSON: ${reason}`, { file }, { cause });
  }
  return resolveTlsPaths(parseDeviceConfig(json, file), dirname(file));
}

/** Validates an already parsed config document; `file` only names the source in errors. */
export function parseDeviceConfig(document: unknown, file: string): DeviceConfig {
  const result = DeviceConfigSchema.safeParse(document);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
  const detail = issues.map((i) => `${i.path || "(document)"}: ${i.message}`).join("; ");
  throw new DeviceConfigError(`invalid device config ${file}: ${detail}`, { file, issues });
}

function resolveTlsPaths(config: DeviceConfig, baseDir: string): DeviceConfig {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const { caFile, certFile, keyFile } = config.tls;
  return { ...config, tls: { caFile: at(caFile), certFile: at(certFile), keyFile: at(keyFile) } };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("");
}
