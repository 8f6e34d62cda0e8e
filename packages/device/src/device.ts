import { X509Certificate } from "node:crypto";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import {
  claimClientId,
  LOGS_COMMAND,
  type Telemetry,
  thingNameFromSerial,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import { createAppManager } from "./apps/index.ts";
import { type Clock, systemClock, systemTimers, type Timers } from "./clock.ts";
import { createCommandHandler } from "./commands/command-handler.ts";
import type { DeviceConfig } from "./config.ts";
import type { ConnectionState } from "./connection/connection-state.ts";
import {
  type ConnectionEvents,
  createDeviceConnection,
  type Refusal,
} from "./connection/device-connection.ts";
import { openMqttSession } from "./connection/mqtt-session.ts";
import type { OpenSession } from "./connection/session.ts";
import { readTlsMaterial } from "./connection/tls-material.ts";
import { errorText } from "./error-text.ts";
import { detectSerial } from "./identity/detect-serial.ts";
import { createJobsAgent } from "./jobs/jobs-agent.ts";
import { createReboot, REBOOT_EXIT_CODE } from "./jobs/reboot.ts";
import { createAppUpdateStep } from "./jobs/steps/app-update-step.ts";
import { createConfigureStep } from "./jobs/steps/configure-step.ts";
import { createOsUpdateStep, readOsVersion } from "./jobs/steps/os-update-step.ts";
import { createRebootStep } from "./jobs/steps/reboot-step.ts";
import { createLedBridge, startLocalBus } from "./local-bus/index.ts";
import { createDeviceLogger } from "./logger.ts";
import { createLogTap, type LogTap } from "./logs/log-tap.ts";
import { createLogsCommand } from "./logs/logs-command.ts";
import { type CredentialStore, createCredentialStore } from "./provisioning/credential-store.ts";
import {
  createProvisioner,
  type Provisioner,
  type ProvisioningFailure,
  type ProvisioningResult,
} from "./provisioning/provision-by-claim.ts";
import type { ProvisioningState } from "./provisioning/provisioning-state.ts";
import { createCertificateRotator, recoverRotation } from "./rotation/certificate-rotator.ts";
import { rotationFiles } from "./rotation/rotation-files.ts";
import { openDeviceSettings } from "./settings/device-settings.ts";
import { reportedAppsFile } from "./shadow/reported-apps.ts";
import { createShadowReporter } from "./shadow/shadow-reporter.ts";
import { openOfflineBuffer } from "./telemetry/offline-buffer.ts";
import { createSources } from "./telemetry/sources/create-sources.ts";
import { createLedSource, type LedSource } from "./telemetry/sources/led.ts";
import { startTelemetry, type TelemetryPublisher } from "./telemetry/telemetry-publisher.ts";
import { CLIENT_VERSION } from "./version.ts";

export type DeviceEvents = ConnectionEvents & {
  /** A telemetry message the broker acknowledged (replayed ones included). */
  telemetry: [message: Telemetry];
  /** Every lifecycle phase change, in order. */
  phase: [change: { phase: DevicePhase; previous: DevicePhase }];
  /** Each step of provisioning by claim. */
  provisioning: [state: ProvisioningState];
  /** A provisioning attempt failed (refused, rejected, timed out); it is retried after `delayMs`. */
  provisioningFailed: [failure: ProvisioningFailure];
  /** The device's certificate is stored; it now connects as the thing. */
  provisioned: [result: ProvisioningResult];
  /**
   * The broker refused the device's own certificate as not authorized on
   * `provisioning.reprovisionAfterRefusals` consecutive connects: its key and certificate
   * were moved to `movedTo` and the device provisions by claim again.
   */
  credentialsRevoked: [revocation: Refusal & { movedTo: string }];
  /** A local fault no retry can fix (e.g. the key cannot be written); the device is stopped. */
  failed: [error: Error];
  /**
   * A job step reboots the device with `reboot.command` `["exit"]`: the device stops, then
   * exits the process with code 75 (`options.exit`).
   */
  rebooting: [];
};

/**
 * The device's lifecycle:
 *
 *   provisioning -> running      (no credentials of its own yet: provision by claim first)
 *   running                      (its certificate and key exist: connect as the thing)
 *   running -> provisioning      (its certificate was refused as not authorized on
 *                                 `provisioning.reprovisionAfterRefusals` connects in a row:
 *                                 revoked, so it is moved aside and the device provisions again)
 *   any -> stopped
 *
 * `running` is the connection loop; its own states are `Device.state`.
 */
export type DevicePhase = "provisioning" | "running" | "stopped";

/** Tuning and injected dependencies of `startDevice`; every field is optional. */
export interface DeviceOptions {
  /** Default: pino JSON lines on stdout at level `info`. A child bound to `thingName` is used. */
  logger?: Logger;
  /**
   * Where `logger` also writes its lines, for the `logs` command (see `createDeviceLogger`).
   * Default: the tap of the default logger; none with an injected logger (`logs` is refused).
   */
  logTap?: LogTap;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: the global `setTimeout`/`clearTimeout`. */
  timers?: Timers;
  /** Uniform in [0, 1), drives the backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** MQTT keepalive. Default 30 (AWS IoT Core accepts 30-1200). */
  keepaliveSeconds?: number;
  /** Abandon an attempt with no CONNACK after this long. Default 30000. */
  connectTimeoutMs?: number;
  /**
   * Least time between two CONNECTs, plus up to `connectJitterMs` at random. Defaults 1000 and
   * 1000: AWS IoT Core allows 1 CONNECT per second per client id (see `DeviceConnectionOptions`).
   */
  minConnectIntervalMs?: number;
  connectJitterMs?: number;
  /** Longest wait for a clean DISCONNECT on `stop()`. Default 5000. */
  stopTimeoutMs?: number;
  /** How a connection is made (thing and claim sessions). Default: mqtt.js over mutual TLS. */
  openSession?: OpenSession;
  /** Reported in heartbeats. Default: this package's version. */
  clientVersion?: string;
  /** Filesystem root the serial sources are read under (see `detectSerial`). Default `/`. */
  serialRoot?: string;
  /** Filesystem root the system telemetry source reads /proc and /sys under. Default `/`. */
  systemRoot?: string;
  /** Longest wait for a reply from AWS IoT Jobs or the rotation backend. Default 30000. */
  replyTimeoutMs?: number;
  /**
   * Ends the process after a simulated reboot (`reboot.command` `["exit"]`) with code 75.
   * Default `process.exit`.
   */
  exit?: (code: number) => void;
}

export const DEVICE_DEFAULTS = {
  keepaliveSeconds: 30,
  connectTimeoutMs: 30_000,
  stopTimeoutMs: 5_000,
  replyTimeoutMs: 30_000,
} as const;

export interface Device {
  readonly serial: string;
  readonly thingName: string;
  readonly phase: DevicePhase;
  /** Current connection state (`idle` while provisioning). */
  readonly state: ConnectionState;
  readonly events: EventEmitter<DeviceEvents>;
  /** The LED telemetry source when `telemetry.sources.led` is configured: the LED app feeds it. */
  readonly led?: LedSource;
  /** Stops provisioning, telemetry and retries, sends MQTT DISCONNECT when connected; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the device client:
 * 1. Determine the serial (config override, else the board's) and so the thing name.
 * 2. Own certificate and key on disk: connect as the thing; a working device never provisions
 *    again. Otherwise, with `provisioning` configured: provision by claim, store the
 *    credentials, then connect as the thing. With `provisioning` configured, a certificate the
 *    broker keeps refusing as not authorized counts as revoked: it is moved to
 *    `revoked/<timestamp>/` and the device provisions again (see `reprovisionAfterRefusals`);
 *    so does, at once, a certificate past its notAfter by the device's clock at start or
 *    refused by the broker as expired (TLS alert `certificate_expired`).
 * 3. Keep the connection up with jittered backoff.
 * 4. Serve the local bus (`localBus.socketPath`) and start the installed apps; apply the
 *    persisted settings (`<stateDir>/settings.json`).
 * 5. Run AWS IoT jobs one at a time, step by step (app-update, os-update, reboot, configure,
 *    rotate-certificate), resuming after a restart; answer `led` commands; report apps, OS
 *    version and settings in the classic shadow after each connect and each change.
 * 6. Take a telemetry reading (heartbeat + configured sources) every interval, connected or
 *    not, into the on-disk offline buffer; send the buffer in order while connected.
 *
 * Rejects with a `DeviceError` when the device cannot start at all (no serial, unreadable
 * TLS or claim files, a certificate without its key, an offline buffer that cannot be opened); after that it never throws for network
 * trouble or a denial: watch `events` or the logs.
 */
export async function startDevice(
  config: DeviceConfig,
  options: DeviceOptions = {},
): Promise<Device> {
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const random = options.random ?? Math.random;
  const openSession = options.openSession ?? openMqttSession;
  const serial = await detectSerial({ override: config.serial, root: options.serialRoot });
  const thingName = config.thingName ?? thingNameFromSerial(serial);
  const logTap = options.logger ? options.logTap : createLogTap();
  const logger = (options.logger ?? createDeviceLogger({ tap: logTap })).child({ thingName });
  const startedAt = clock.now();
  const events = new EventEmitter<DeviceEvents>();
  const session = {
    host: config.endpoint.host,
    port: config.endpoint.port,
    ...(config.endpoint.alpn !== undefined && { alpn: config.endpoint.alpn }),
    keepaliveSeconds: options.keepaliveSeconds ?? DEVICE_DEFAULTS.keepaliveSeconds,
    connectTimeoutMs: options.connectTimeoutMs ?? DEVICE_DEFAULTS.connectTimeoutMs,
    closeTimeoutMs: options.stopTimeoutMs ?? DEVICE_DEFAULTS.stopTimeoutMs,
  };

  // First, so a promotion cut short by a restart is finished before credentials are judged.
  const rotation = rotationFiles(config.tls, config.stateDir);
  const firstFiles = await recoverRotation(rotation, logger);
  const credentials = createCredentialStore(config.tls);
  let provisioner: Provisioner | undefined;
  if (await needsProvisioning(config, credentials)) {
    provisioner = await prepareProvisioner();
  } else {
    // Fail fast on unreadable TLS files; later attempts re-read them (certificate rotation).
    await readTlsMaterial({ ...config.tls, ...firstFiles });
    const certFile = firstFiles?.certFile ?? config.tls.certFile;
    if (config.provisioning !== undefined && expiredBy(certFile, clock.now())) {
      // Past its notAfter by the device's own clock (it was off longer than the certificate
      // lives): no broker accepts it, and the hook lets a thing whose certificates all expired
      // provision again. Moved aside, never deleted, like a revoked one.
      const movedTo = await credentials.moveToRevoked(new Date(clock.now()));
      logger.warn({ certFile, movedTo }, "credentials.expired");
      provisioner = await prepareProvisioner();
    }
  }

  const connection = createDeviceConnection({
    target: { ...session, clientId: thingName, tls: { ...config.tls, ...firstFiles } },
    reconnect: config.reconnect,
    openSession,
    logger,
    clock,
    timers,
    random,
    // Without claim credentials a refused device has nothing to fall back on: it keeps retrying.
    refusalLimit: config.provisioning?.reprovisionAfterRefusals,
    certificateExpired: () => expiredBy(connection.credentials.certFile, clock.now()),
    minConnectIntervalMs: options.minConnectIntervalMs,
    connectJitterMs: options.connectJitterMs,
  });
  connection.events.on("state", (change) => events.emit("state", change));
  // The certificate may change (provisioning, re-provisioning): read it at each connect.
  let certificateNotAfter: number | undefined;
  const readCertificateNotAfter = () => {
    try {
      certificateNotAfter = certificateNotAfterOf(connection.credentials.certFile);
    } catch (error) {
      certificateNotAfter = undefined;
      logger.warn({ reason: String(error) }, "certificate.unreadable");
    }
  };
  // Known before the first connect too, so that readings taken meanwhile report it.
  if (provisioner === undefined) readCertificateNotAfter();
  connection.events.on("connected", (info) => {
    readCertificateNotAfter();
    events.emit("connected", info);
  });
  connection.events.on("disconnected", (end) => events.emit("disconnected", end));
  const replyTimeoutMs = options.replyTimeoutMs ?? DEVICE_DEFAULTS.replyTimeoutMs;
  const rotator = createCertificateRotator({
    thingName,
    files: rotation,
    connection,
    replyTimeoutMs,
    timers,
    logger,
  });
  const buffer = openOfflineBuffer({
    stateDir: config.stateDir,
    maxMessages: config.telemetry.buffer.maxMessages,
  });
  const { sources, led } = createSources(config.telemetry.sources, {
    serial,
    startedAt,
    systemRoot: options.systemRoot,
  });
  // The LED app reports its state here; without an LED telemetry section it goes nowhere.
  const ledState = led ?? createLedSource({ on: false, blinking: false, blinkHz: 1 });

  let stopping: Promise<void> | undefined;
  let telemetry: TelemetryPublisher;
  let telemetryIntervalMs = config.telemetry.intervalSeconds * 1000;
  // The publisher's interval is fixed: a new interval means a new publisher on the same buffer.
  const setTelemetryInterval = async (intervalMs: number) => {
    if (intervalMs === telemetryIntervalMs || stopping) return;
    telemetryIntervalMs = intervalMs;
    await telemetry.stop();
    if (!stopping) telemetry = startTelemetryPublisher();
  };
  const settings = await openDeviceSettings({
    stateDir: config.stateDir,
    appliers: {
      telemetryIntervalMs: setTelemetryInterval,
      led: (params) => ledBridge.set(params),
    },
    logger,
    onChange: () => shadow.report(),
  });
  telemetryIntervalMs = settings.current().telemetryIntervalMs ?? telemetryIntervalMs;

  const bus = await startLocalBus({ socketPath: config.localBus.socketPath, logger }).catch(
    (error: unknown) => {
      buffer.close();
      throw error;
    },
  );
  const ledBridge = createLedBridge({ bus, led: ledState, logger });
  const apps = createAppManager({
    appsDir: config.apps.dir,
    env: { FLEET_BUS_SOCKET: bus.socketPath },
    ...(config.apps.healthGraceMs !== undefined && { healthGraceMs: config.apps.healthGraceMs }),
    logger,
  });
  const shadow = createShadowReporter({
    thingName,
    connection,
    state: async () => ({
      apps: apps.installed(),
      osVersion: await readOsVersion(config.stateDir),
      settings: settings.current(),
    }),
    reportedAppsFile: reportedAppsFile(config.stateDir),
    logger,
  });
  apps.on("changed", () => shadow.report());
  const logsCommand = createLogsCommand({
    thingName,
    connection,
    tap: logTap,
    clock,
    timers,
    logger,
  });
  const commands = createCommandHandler({
    thingName,
    connection,
    led: ledBridge,
    settings,
    commands: { [LOGS_COMMAND]: logsCommand },
    logger,
  });
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const reboot = createReboot({
    command: config.reboot.command,
    exitProcess: () => {
      events.emit("rebooting");
      stopping ??= shutDown();
      stopping.then(() => exit(REBOOT_EXIT_CODE), fail);
    },
    logger,
  });
  const jobs = createJobsAgent({
    thingName,
    connection,
    handlers: {
      "app-update": createAppUpdateStep(apps, {
        releasePublicKeyFile: config.apps.releasePublicKeyFile,
      }),
      "os-update": createOsUpdateStep({ stateDir: config.stateDir, reboot }),
      reboot: createRebootStep(reboot),
      configure: createConfigureStep(settings),
      "rotate-certificate": rotator.handle,
    },
    stateDir: config.stateDir,
    replyTimeoutMs,
    timers,
    logger,
  });
  const startTelemetryPublisher = () =>
    startTelemetry({
      thingName,
      intervalMs: telemetryIntervalMs,
      connection,
      buffer,
      sources,
      clock,
      timers,
      startedAt,
      clientVersion: options.clientVersion ?? CLIENT_VERSION,
      logger,
      // Parsed only for a listener: the device service has none, and this runs every second.
      onPublished: (payload) => {
        if (events.listenerCount("telemetry") > 0) {
          events.emit("telemetry", JSON.parse(payload) as Telemetry);
        }
      },
      certificateNotAfter: () => certificateNotAfter,
    });
  telemetry = startTelemetryPublisher();
  // Apps first, so that the LED app can take the persisted LED settings.
  apps
    .startAll()
    .then(() => settings.applyStored())
    .catch((error: unknown) => logger.error({ reason: errorText(error) }, "apps.start-failed"));

  let phase: DevicePhase = provisioner ? "provisioning" : "running";
  const enter = (to: DevicePhase) => {
    const previous = phase;
    phase = to;
    logger.info({ phase: to, previous }, `device.${to}`);
    events.emit("phase", { phase: to, previous });
  };
  const shutDown = async () => {
    jobs.stop();
    rotator.stop();
    commands.stop();
    logsCommand.stop();
    shadow.stop();
    ledBridge.stop();
    await provisioner?.stop();
    const telemetrySettled = telemetry.stop();
    await connection.stop();
    await telemetrySettled;
    await apps.stopAll();
    await bus.close();
    buffer.close();
    enter("stopped");
  };

  logger.info(
    {
      clientVersion: options.clientVersion ?? CLIENT_VERSION,
      endpoint: config.endpoint,
      serial,
      phase,
      sources: sources.map((source) => source.section),
      stateDir: config.stateDir,
    },
    "device.starting",
  );
  const fail = (error: unknown) => {
    const failure = error instanceof Error ? error : new Error(String(error));
    logger.error({ reason: failure.message }, "device.failed");
    events.emit("failed", failure);
    stopping ??= shutDown();
  };
  const provisionThenConnect = (current: Provisioner) => {
    provisioner = current;
    current.run().then((result) => {
      if (result === null || stopping) return;
      events.emit("provisioned", result);
      enter("running");
      connection.start();
    }, fail);
  };
  const reprovision = async (refusal: Refusal) => {
    // Moved, never deleted: the revoked certificate stays for the operator to inspect.
    const movedTo = await credentials.moveToRevoked(new Date(clock.now()));
    logger.warn(
      { ...refusal, movedTo },
      refusal.expired ? "credentials.expired" : "credentials.revoked",
    );
    events.emit("credentialsRevoked", { ...refusal, movedTo });
    if (stopping) return;
    enter("provisioning");
    const next = await prepareProvisioner();
    if (!stopping) provisionThenConnect(next);
  };
  connection.events.on("refusedRepeatedly", (refusal) => {
    if (!stopping) reprovision(refusal).catch(fail);
  });

  if (provisioner) provisionThenConnect(provisioner);
  else connection.start();

  return {
    serial,
    thingName,
    get phase() {
      return phase;
    },
    get state() {
      return connection.state;
    },
    events,
    ...(led && { led }),
    stop() {
      stopping ??= shutDown();
      return stopping;
    },
  };

  async function prepareProvisioner(): Promise<Provisioner> {
    // `needsProvisioning` returned true only with a provisioning section.
    const provisioning = config.provisioning as NonNullable<DeviceConfig["provisioning"]>;
    const claimTls = {
      caFile: config.tls.caFile,
      certFile: provisioning.claimCertFile,
      keyFile: provisioning.claimKeyFile,
    };
    // Fail fast on claim files the image should hold; attempts re-read them.
    await readTlsMaterial(claimTls, {
      certFile: "provisioning.claimCertFile",
      keyFile: "provisioning.claimKeyFile",
    });
    return createProvisioner({
      serial,
      thingName,
      templateName: provisioning.templateName,
      claimTarget: { ...session, clientId: claimClientId(serial), tls: claimTls },
      replyTimeoutMs: provisioning.replyTimeoutMs,
      retry: provisioning.retry,
      store: credentials,
      openSession,
      logger: logger.child({ serial }),
      timers,
      random,
      onState: (state) => events.emit("provisioning", state),
      onFailure: (failure) => events.emit("provisioningFailed", failure),
    });
  }
}

/** Provisioning runs only when configured and the device has no certificate of its own. */
async function needsProvisioning(
  config: DeviceConfig,
  credentials: CredentialStore,
): Promise<boolean> {
  if (config.provisioning === undefined) return false;
  return (await credentials.state()) !== "provisioned";
}

/**
 * Epoch seconds when the certificate in `file` expires. Read synchronously (a small file) so
 * the reading taken right after a connect already reports it.
 */
function certificateNotAfterOf(file: string): number {
  const certificate = new X509Certificate(readFileSync(file));
  return Math.floor(Date.parse(certificate.validTo) / 1000);
}

/** Whether the certificate in `file` is past its notAfter at `nowMs`; unreadable → false. */
function expiredBy(file: string, nowMs: number): boolean {
  try {
    return Date.parse(new X509Certificate(readFileSync(file)).validTo) <= nowMs;
  } catch {
    return false;
  }
}
