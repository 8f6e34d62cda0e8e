import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { SerialSchema, ThingNameSchema, thingNameFromSerial } from "@fleet/core/contracts";
import * as z from "zod";
import { errorText } from "./error-text.ts";
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
  /**
   * TLS ALPN protocol name offered in the ClientHello. AWS IoT Core serves MQTT with X.509
   * client certificates on port 443 only to clients offering `x-amzn-mqtt-ca` ("Protocols,
   * port mappings, and authentication",
   * https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html): for networks that
   * block 8883, set `port: 443, alpn: "x-amzn-mqtt-ca"`. Default: none (port 8883).
   */
  alpn: z.string().min(1).max(255).optional(),
});

/**
 * PEM files for mutual TLS. Relative paths in a config file resolve against the directory of
 * that file, so a sandbox device directory can be moved as a whole.
 */
export const TlsFilesSchema = z.strictObject({
  /** CA bundle that signed the broker's certificate (Amazon Root CA 1 on AWS). */
  caFile: z.string().min(1),
  /**
   * The device certificate; its subject is the thing the broker binds the client id to.
   * Default `<credentialsDir>/cert.pem`.
   */
  certFile: z.string().min(1).optional(),
  /** The device private key (mode 0600). Never logged. Default `<credentialsDir>/key.pem`. */
  keyFile: z.string().min(1).optional(),
});

/**
 * Provisioning by claim (AWS IoT fleet provisioning). When the device's own certificate and
 * key do not exist yet, the device connects with this shared claim certificate, has a
 * certificate issued for a key it generates, registers its thing through the template, and
 * stores its credentials at `tls.certFile`/`tls.keyFile`. Once they exist it never
 * provisions again.
 */
export const ProvisioningSchema = z.strictObject({
  /** The claim certificate baked into the image (provisioning topics only). */
  claimCertFile: z.string().min(1),
  /** The claim certificate's private key. Never logged. */
  claimKeyFile: z.string().min(1),
  /** Name of the fleet provisioning template RegisterThing runs. */
  templateName: z
    .string()
    .regex(/^[0-9A-Za-z_-]{1,36}$/, "a template name is 1-36 characters of [0-9A-Za-z_-]"),
  /** Longest wait for the claim connection and for each reply. Default 30000. */
  replyTimeoutMs: z.int().min(1).max(HOUR_MS).default(30_000),
  /**
   * Backoff after a failed attempt (refused, denied by the pre-provisioning hook, timed out):
   * exponential with full jitter. A denied device keeps retrying because the operator may add
   * its serial later. Defaults: initialDelayMs 2000, maxDelayMs 300000.
   */
  retry: z
    .strictObject({
      initialDelayMs: z.int().min(0).max(HOUR_MS).default(2_000),
      maxDelayMs: z.int().min(1).max(HOUR_MS).default(300_000),
    })
    .refine((r) => r.initialDelayMs <= r.maxDelayMs, {
      message: "must be greater than or equal to provisioning.retry.initialDelayMs",
      path: ["maxDelayMs"],
    })
    .prefault({}),
  /**
   * The device's own certificate refused at connect as not authorized (CONNACK return code 5)
   * on this many consecutive attempts means it was revoked (e.g. the serial left the
   * allow-list): the key and certificate are moved to `revoked/<timestamp>/` next to them and
   * the device provisions by claim again with a fresh key. Network errors, TLS failures,
   * timeouts and other refusals neither count nor reset the tally; a successful connection
   * resets it. Default 3.
   */
  reprovisionAfterRefusals: z.int().min(1).max(1_000).default(3),
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
 * What the device reports and how. One message per interval carries the heartbeat plus every
 * configured source; each is taken whether or not the device is connected and goes through
 * the on-disk offline buffer, so nothing taken while offline is lost unless the buffer fills.
 */
export const TelemetryConfigSchema = z.strictObject({
  /** Seconds between messages (at most a day). Default: `heartbeatIntervalSeconds`. */
  intervalSeconds: z
    .number()
    .positive()
    .max(DAY_MS / 1000)
    .optional(),
  /** The offline buffer (`<stateDir>/telemetry.db`). */
  buffer: z
    .strictObject({
      /** Messages kept while offline; past it the oldest are dropped and counted. Default 10000. */
      maxMessages: z.int().min(1).max(1_000_000).default(10_000),
    })
    .prefault({}),
  /** Optional sections; only the ones present are sent. */
  sources: z
    .strictObject({
      /** Board health from /proc and /sys (CPU temperature, load, memory, disk, network). */
      system: z.strictObject({}).optional(),
      /** The LED app's state until the app itself (OTA) reports it. Defaults: on, steady, 1 Hz. */
      led: z
        .strictObject({
          on: z.boolean().default(true),
          blinking: z.boolean().default(false),
          blinkHz: z.number().nonnegative().max(1_000).default(1),
        })
        .optional(),
      /** The vehicle simulator; the same seed gives the same drive. Default seed: from the serial. */
      vehicle: z.strictObject({ seed: z.int().min(0).max(0xffff_ffff).optional() }).optional(),
    })
    .prefault({}),
});

/** Apps the device client installs (OTA) and runs. */
export const AppsConfigSchema = z.strictObject({
  /** Where versioned app installs live. Default `<stateDir>/apps`. */
  dir: z.string().min(1).optional(),
  /**
   * An app without a `health` command is healthy when its process still runs this long after
   * start. Default: the app artifact contract's 10 s (`DEFAULT_HEALTH_GRACE_MS`).
   */
  healthGraceMs: z.int().min(0).max(HOUR_MS).optional(),
  /**
   * The release public key (Ed25519, PEM) app artifacts must be signed with; the image
   * installs it. Without it the device refuses every app update (`ReleaseKeyMissing`).
   */
  releasePublicKeyFile: z.string().min(1).optional(),
});

/** How the device reboots for an `os-update` or `reboot` job step. */
export const RebootConfigSchema = z.strictObject({
  /**
   * The command (argv) that reboots the board. Default `["systemctl", "reboot"]`. `["exit"]`
   * (simulated devices) stops the device cleanly and exits the process with code 75, for its
   * supervisor to start it again.
   */
  command: z.array(z.string().min(1)).min(1).default(["systemctl", "reboot"]),
});

/** The local bus apps talk to the device client on (newline-delimited JSON over a Unix socket). */
export const LocalBusConfigSchema = z.strictObject({
  /** Socket path (mode 0600). Default `<stateDir>/bus.sock`. */
  socketPath: z.string().min(1).optional(),
});

/**
 * The device client's config file (`fleet-device --config device.json`); `fleet sandbox`
 * writes one per simulated device. Unknown keys are rejected so that a typo is not silently
 * replaced by a default.
 */
export const DeviceConfigSchema = z
  .strictObject({
    /**
     * Overrides the serial read from the board (device-tree serial, then DMI product serial;
     * see `detectSerial`).
     */
    serial: SerialSchema.optional(),
    /**
     * Thing name and MQTT client id. Default: `thingNameFromSerial(serial)`. Not allowed with
     * `provisioning`, where the template names the thing after the serial.
     */
    thingName: ThingNameSchema.optional(),
    endpoint: EndpointSchema,
    tls: TlsFilesSchema,
    /** Directory (0700) of the device's own `key.pem` and `cert.pem` when `tls` names none. */
    credentialsDir: z.string().min(1).optional(),
    provisioning: ProvisioningSchema.optional(),
    /**
     * Directory (0700) of the device's state: the telemetry sequence and offline buffer.
     * Default: the directory of the device key (`tls.keyFile`).
     */
    stateDir: z.string().min(1).optional(),
    /**
     * Seconds between telemetry messages when `telemetry.intervalSeconds` is not set (configs
     * from before telemetry sources); one also follows each connect. At most a day. Default 30.
     */
    heartbeatIntervalSeconds: z
      .number()
      .positive()
      .max(DAY_MS / 1000)
      .default(30),
    /** Reconnect backoff: exponential with full jitter. Defaults as in `ReconnectSchema`. */
    reconnect: ReconnectSchema.prefault({}),
    telemetry: TelemetryConfigSchema.prefault({}),
    apps: AppsConfigSchema.prefault({}),
    reboot: RebootConfigSchema.prefault({}),
    localBus: LocalBusConfigSchema.prefault({}),
  })
  .superRefine((config, context) => {
    for (const field of ["certFile", "keyFile"] as const) {
      if (config.tls[field] === undefined && config.credentialsDir === undefined) {
        context.addIssue({
          code: "custom",
          path: ["tls", field],
          message: `required unless credentialsDir is set`,
        });
      }
    }
    if (config.provisioning !== undefined && config.thingName !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["thingName"],
        message: "not allowed with provisioning: the template names the thing after the serial",
      });
    }
  })
  .transform(({ credentialsDir, stateDir, telemetry, apps, localBus, ...config }) => {
    // `superRefine` guarantees one of the two; the fallback only satisfies the type.
    const keyFile = config.tls.keyFile ?? join(credentialsDir ?? "", "key.pem");
    const resolvedStateDir = stateDir ?? dirname(keyFile);
    return {
      ...config,
      tls: {
        caFile: config.tls.caFile,
        certFile: config.tls.certFile ?? join(credentialsDir ?? "", "cert.pem"),
        keyFile,
      },
      stateDir: resolvedStateDir,
      apps: { ...apps, dir: apps.dir ?? join(resolvedStateDir, "apps") },
      localBus: { socketPath: localBus.socketPath ?? join(resolvedStateDir, "bus.sock") },
      telemetry: {
        ...telemetry,
        intervalSeconds: telemetry.intervalSeconds ?? config.heartbeatIntervalSeconds,
      },
      /** Known once the serial is: from the config, else detected at start. */
      thingName:
        config.thingName ??
        (config.serial === undefined ? undefined : thingNameFromSerial(config.serial)),
    };
  });

/**
 * A config with defaults applied, the credential files resolved and, when the serial is in
 * the config, the thing name. Without a configured serial `startDevice` detects it.
 */
export type DeviceConfig = z.output<typeof DeviceConfigSchema>;
/** What a config file may contain (optional fields may be left out). */
export type DeviceConfigInput = z.input<typeof DeviceConfigSchema>;

/**
 * Reads and validates a device config file. Relative file paths (TLS, credentials, claim, state) resolve against the
 * config file's directory. Throws `DeviceConfigError` naming the file, each failing field's
 * path and what was expected.
 */
export async function loadDeviceConfig(path: string): Promise<DeviceConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new DeviceConfigError(
      `cannot read device config ${file}: ${errorText(cause)}`,
      { file },
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DeviceConfigError(
      `${file} is not valid JSON: ${errorText(cause)}`,
      { file },
      { cause },
    );
  }
  return resolveFilePaths(parseDeviceConfig(json, file), dirname(file));
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

function resolveFilePaths(config: DeviceConfig, baseDir: string): DeviceConfig {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const { caFile, certFile, keyFile } = config.tls;
  const { provisioning } = config;
  return {
    ...config,
    tls: { caFile: at(caFile), certFile: at(certFile), keyFile: at(keyFile) },
    stateDir: at(config.stateDir),
    apps: {
      ...config.apps,
      dir: at(config.apps.dir),
      ...(config.apps.releasePublicKeyFile !== undefined && {
        releasePublicKeyFile: at(config.apps.releasePublicKeyFile),
      }),
    },
    localBus: { socketPath: at(config.localBus.socketPath) },
    ...(provisioning && {
      provisioning: {
        ...provisioning,
        claimCertFile: at(provisioning.claimCertFile),
        claimKeyFile: at(provisioning.claimKeyFile),
      },
    }),
  };
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("");
}
