import { EventEmitter } from "node:events";
import {
  type AllowListCache,
  CallRateMeter,
  createControlPlaneLimiter,
  createListFleetDevices,
  createReadDeviceLogs,
  DEFAULT_CONTROL_PLANE_CALLS_PER_SECOND,
  type DeadLetter,
  type DeadLetterListOptions,
  type DeviceReset,
  type ReadDeviceLogs,
  type ReconcileSummary,
  type ReleaseAppRequest,
  type ReleaseProgress,
  type RotationRecord,
  type TelemetryQuery,
  type TelemetrySample,
} from "@fleet/core";
import type { DeviceView, JobDetail, JobSummary, ReleaseRecord } from "@fleet/core/contracts";
import { type Logger, pino } from "pino";
import type { AllowListUploadOptions, AllowListUploadResult } from "./allow-list-upload.ts";
import type { SandboxReleaseKey } from "./artifacts/release-key.ts";
import type { ClaimCredentials } from "./claim-credentials.ts";
import {
  type CommandOutcome,
  CommandRequests,
  DEFAULT_COMMAND_TIMEOUT_MS,
} from "./commands/command-requests.ts";
import { definedOnly } from "./defined-only.ts";
import { type EnrollDeviceOptions, type EnrolledDevice, enrollDevice } from "./enroll-device.ts";
import { InvalidRequestError, ResourceNotFoundError } from "./errors.ts";
import type { SandboxEventMap, SandboxEvents } from "./iot-core/broker-events.ts";
import type { BrokerQuotas } from "./iot-core/broker-quotas.ts";
import type { MqttBroker } from "./iot-core/mqtt-broker.ts";
import type { IotRegistry } from "./iot-core/registry.ts";
import type { Sessions } from "./iot-core/sessions.ts";
import type { JobStore } from "./jobs/job-store.ts";
import { JobsMqttApi } from "./jobs/jobs-mqtt-api.ts";
import type { LocalCa } from "./local-ca/local-ca.ts";
import { LocalFleetInventory } from "./local-fleet-inventory.ts";
import { LocalDeviceLogStore } from "./logs/local-device-log-store.ts";
import type { PeriodicTask } from "./rotation/periodic-task.ts";
import { ClassicShadowService } from "./shadow/classic-shadow-service.ts";
import { ShadowStore } from "./shadow/shadow-store.ts";
import type { TelemetryPipeline } from "./telemetry/telemetry-pipeline.ts";
import { type SandboxAllowList, wireAllowList } from "./wiring/allow-list.ts";
import { type SandboxArtifacts, startArtifacts } from "./wiring/artifacts.ts";
import { startSandboxBroker } from "./wiring/broker.ts";
import { type DevicePorts, localDevicePorts } from "./wiring/device-ports.ts";
import { type IotCoreState, openIotCoreState } from "./wiring/iot-core-state.ts";
import { openSandboxJobs, operatorJobViews } from "./wiring/jobs.ts";
import { type SandboxOta, wireOta } from "./wiring/ota.ts";
import { type SandboxProvisioning, wireProvisioning } from "./wiring/provisioning.ts";
import { type SandboxRotation, wireRotation } from "./wiring/rotation.ts";
import { startScheduledAudit } from "./wiring/scheduled-audit.ts";
import { startTelemetryThread } from "./wiring/telemetry-thread.ts";

export interface SandboxOptions {
  /** Directory for the sandbox's state (CA, registry). Created with mode 0700 when missing. */
  stateDir: string;
  /** Interface the MQTT broker listens on. Default `127.0.0.1`. */
  host?: string;
  /** MQTT (TLS) port. Default 0: a free port, reported in `Sandbox.mqtt.port`. */
  mqttPort?: number;
  /**
   * The address devices reach the sandbox at when it is not `host`: for a QEMU guest on user
   * networking the host is `10.0.2.2`, forwarded to the host's loopback. The broker's
   * certificate names it too. Artifact URLs stay on loopback (devices take plain http only
   * there): such a device forwards its own loopback port to the artifact server.
   */
  deviceHost?: string;
  /** Default: a silent logger. */
  logger?: Logger;
  /**
   * Lifetime of device certificates, from fleet provisioning and from rotation. Default 365
   * days, never past the CA's own expiry.
   */
  certificateValidityMs?: number;
  /**
   * The audit rotates devices whose certificate expires within this. Default 30 days, or half
   * the certificate validity when that is shorter (so `certificateValidityMs` alone is enough).
   */
  rotationThresholdMs?: number;
  /**
   * How often the audit (expiring certificates → rotations), the rotation sweeper and the sweep
   * of unclaimed PENDING_ACTIVATION certificates run; all also run once at start. Default 24
   * hours.
   */
  auditIntervalMs?: number;
  /** How long a device has to commit a rotation before the sweeper abandons it. Default 5 min. */
  rotationTimeoutMs?: number;
  /** The clock rotations (deadlines, the audit) go by. Default `() => new Date()`; for tests. */
  clock?: () => Date;
  /**
   * Most registry, job, CA issue and revoke calls the rotation backend (start, CSR, commit,
   * sweeper, audit) and fleet provisioning's CA issue calls start within any second, as a stage
   * must stay under AWS IoT's and ACM Private CA's throttling. Default 10; a whole number, at
   * least 1.
   */
  controlPlaneCallsPerSecond?: number;
  /** How long the artifact URLs in job documents sent to devices stay valid. Default 1 hour. */
  artifactUrlExpiryMs?: number;
  /**
   * How long a Jobs "minute" lasts for rollout rates and in-progress timeouts. Default 60 000;
   * tests shorten it.
   */
  jobsMinuteMs?: number;
  /** How long `sendCommand` waits for the device's reply by default. Default 10 s. */
  commandTimeoutMs?: number;
  /**
   * The message broker quotas (publishes per second per connection, CONNECTs per second per
   * client id, subscriptions per connection). Default: AWS IoT Core's (`AWS_BROKER_QUOTAS`).
   */
  brokerQuotas?: Partial<BrokerQuotas>;
}

const DAY_MS = 24 * 3600 * 1000;
const DEFAULTS = {
  host: "127.0.0.1",
  mqttPort: 0,
  certificateValidityMs: 365 * DAY_MS,
  auditIntervalMs: DAY_MS,
  rotationTimeoutMs: 5 * 60 * 1000,
  controlPlaneCallsPerSecond: DEFAULT_CONTROL_PLANE_CALLS_PER_SECOND,
  artifactUrlExpiryMs: 3600 * 1000,
  jobsMinuteMs: 60_000,
  commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
} as const;

const DEFAULT_ROTATION_THRESHOLD_MS = 30 * DAY_MS;

export interface Sandbox {
  /** Where devices connect: MQTT 3.1.1 over TLS with a client certificate from `caCertPem`'s CA. */
  readonly mqtt: { host: string; port: number };
  /** The local CA's certificate: the trust anchor for both the broker and device certificates. */
  readonly caCertPem: string;
  readonly registry: IotRegistry;
  readonly ca: LocalCa;
  /** Live MQTT sessions by client id. */
  readonly sessions: Sessions;
  /** Refusals, denials, connects and disconnects (see `SandboxEvent`). */
  readonly events: SandboxEvents;
  /** IoT Jobs (`<stateDir>/jobs.json`); devices reach them over the Jobs MQTT API. */
  readonly jobs: JobStore;
  /** The claim certificate and key devices provision with (`<stateDir>/claim/`), and the template. */
  readonly claim: ClaimCredentials;
  /** The release key pair (`<stateDir>/release-key/`): it signs releases, devices trust it. */
  readonly releaseKey: Pick<SandboxReleaseKey, "publicKeyFile" | "keyId">;
  /** The current allow-list as the pre-provisioning hook sees it (always the latest upload). */
  readonly allowList: AllowListCache;
  /** Every device: things, plus allow-listed, denied and revoked serials without one. */
  listDevices(): Promise<DeviceView[]>;
  /**
   * `fleet devices reset SERIAL`: revokes every certificate of the serial's thing (registry and
   * CA), so that the device may provision again by claim (core's `createResetDevice`).
   */
  resetDevice(serial: string): Promise<DeviceReset>;
  /** The current allow-list's version and serials (sorted); version null before any upload. */
  readAllowList(): Promise<{ version: string | null; serials: string[] }>;
  /** Validates and stores a new allow-list, then reconciles (see `uploadAllowList`). */
  uploadAllowList(
    body: Uint8Array,
    options: AllowListUploadOptions,
  ): Promise<AllowListUploadResult>;
  /** Removes devices no longer on the allow-list. Runs one at a time, like the stage's Lambda. */
  reconcile(): Promise<ReconcileSummary>;
  /**
   * Registers a device directly, with a key made here: a fixture for tests and benchmarks that
   * need a device principal without a provisioning exchange. Devices provision by `claim`.
   */
  enrollDevice(serial: string, dir: string, options?: EnrollDeviceOptions): Promise<EnrolledDevice>;
  /** The Kinesis stream the telemetry rule feeds: kinesalite, a real Kinesis API on loopback. */
  readonly telemetryStream: { endpoint: string; streamName: string };
  /** Telemetry samples from the store (`<stateDir>/telemetry.duckdb`), newest first. */
  queryTelemetry(query: TelemetryQuery): Promise<TelemetrySample[]>;
  /** Telemetry the ingest or the rule set aside, newest first, with the reasons. */
  listDeadLetters(options?: DeadLetterListOptions): Promise<DeadLetter[]>;
  /**
   * Starts a certificate rotation of the device (its job is queued at once); returns the
   * device's active rotation when it has one. Unknown thing → `ResourceNotFoundError`; no
   * ACTIVE certificate → core's `NoActiveCertificateError`; several ACTIVE ones (which one the
   * device uses is unknown) → its subclass `SeveralActiveCertificatesError`.
   */
  startRotation(thingName: string): Promise<RotationRecord>;
  /** Rotates every device whose certificate in use expires within `withinMs` (the audit). */
  startExpiringRotations(withinMs: number): Promise<RotationRecord[]>;
  /** Every rotation (`<stateDir>/rotations.json`), newest first. */
  listRotations(): Promise<RotationRecord[]>;
  /**
   * The rotation backend's control-plane calls so far: how many, and the most that started
   * within any one second (never above `controlPlaneCallsPerSecond`).
   */
  readonly controlPlaneCalls: { readonly total: number; readonly peakPerSecond: number };
  /** Classic device shadows (`<stateDir>/shadows.json`), kept by the Device Shadow MQTT API. */
  readonly shadows: ShadowStore;
  /** The loopback server behind the signed artifact URLs (`http://127.0.0.1:<port>`). */
  readonly artifactServer: { readonly origin: string };
  /**
   * `fleet ota release`: stores the artifact, creates the release record and its first job
   * (core's `createReleaseApp` over the local adapters). Each job's end advances the release.
   */
  createRelease(
    request: ReleaseAppRequest,
    onProgress?: (progress: ReleaseProgress) => void,
  ): Promise<ReleaseRecord>;
  /** Every release, newest first. */
  listReleases(): Promise<ReleaseRecord[]>;
  /** `fleet os-update|reboot|configure`: a device job rolled out like a release. */
  releaseDeviceJob: SandboxOta["releaseDeviceJob"];
  /** `fleet ota cancel`: the release's running job is canceled, the release aborted. */
  cancelRelease: SandboxOta["cancelRelease"];
  /** `fleet ota rollback`: the previous version re-released to the fleet. */
  rollbackRelease: SandboxOta["rollbackRelease"];
  /** Every job as operators see it, newest first. */
  listJobs(): Promise<JobSummary[]>;
  /** One job with its document and executions; unknown → `ResourceNotFoundError`. */
  describeJob(jobId: string): Promise<JobDetail>;
  /** AddThingToThingGroup (both must exist, else `ResourceNotFoundError`). */
  addThingToThingGroup(thingGroupName: string, thingName: string): Promise<void>;
  /** RemoveThingFromThingGroup. */
  removeThingFromThingGroup(thingGroupName: string, thingName: string): Promise<void>;
  /** ListThingsInThingGroup. */
  listThingsInThingGroup(thingGroupName: string): string[];
  /**
   * Sends `cmd/{thing}/{command}` and waits for the device's reply; no reply within
   * `timeoutMs` (default `commandTimeoutMs`) → `CommandTimeoutError`, unknown thing → `ResourceNotFoundError`.
   */
  sendCommand(
    thingName: string,
    command: string,
    params: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<CommandOutcome>;
  /** The lines devices shipped (`dt/{thing}/logs`), from the local device-logs store. */
  readDeviceLogs: ReadDeviceLogs;
  /**
   * Disconnects every client, stops the broker, drains the telemetry stream into the store and
   * resolves once state is on disk.
   */
  close(): Promise<void>;
}

/**
 * Starts the local cloud: the stage's wiring over local adapter bundles.
 *  1. IoT Core's state (`openIotCoreState`): the CA, the registry with the stage's policies,
 *     thing groups and claim certificate, the broker's server certificate.
 *  2. Core's feature modules over the local ports (`localDevicePorts`): provisioning (hook,
 *     certificate provider, reset), the allow-list's reconcile, rotation (with the sandbox's
 *     Device Defender as its audit findings), OTA releases; telemetry ingest runs in the
 *     telemetry pipeline (DuckDB store, kinesalite stream, poller).
 *  3. The servers: the artifact server, then the broker with the fleet provisioning, Jobs,
 *     rotation and classic shadow APIs, the telemetry rule and command replies.
 *  4. A reconcile (which finishes one a previous run left half-way), then the scheduled audit.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const settings = sandboxSettings(options);
  const { stateDir, logger, clock } = settings;
  const controlPlaneMeter = new CallRateMeter();
  const limiter = createControlPlaneLimiter({
    callsPerSecond: settings.controlPlaneCallsPerSecond,
    meter: controlPlaneMeter,
  });
  const iotCore = await openIotCoreState(settings);
  const { ca, registry } = iotCore;
  const ports = localDevicePorts({ stateDir, ca, registry, clock });
  const allowList = wireAllowList(ports, { clock, logger });
  const provisioning = wireProvisioning(ports, {
    registry,
    limiter,
    validityMs: settings.certificateValidityMs,
    clock,
    logger,
  });
  const jobs = await openSandboxJobs({
    stateDir,
    registry,
    minuteMs: settings.jobsMinuteMs,
    logger,
  });
  const rotation = wireRotation(ports, {
    stateDir,
    registry,
    jobs,
    // The broker starts below, before the first audit runs.
    connectedCertificateId: (thingName) => broker.sessions.get(thingName)?.certificateId,
    limiter,
    deadlineMs: settings.rotationTimeoutMs,
    validityMs: settings.certificateValidityMs,
    clock,
    logger,
  });
  const artifacts = await startArtifacts({
    stateDir,
    urlExpiryMs: settings.artifactUrlExpiryMs,
    logger,
  });
  const shadows = await ShadowStore.open(stateDir);
  const shadowService = new ClassicShadowService({ store: shadows, logger });
  const commands = new CommandRequests({ logger });
  const deviceLogs = new LocalDeviceLogStore();
  const events: SandboxEvents = new EventEmitter<SandboxEventMap>();
  const telemetry = await startTelemetryThread({ stateDir, logger }).catch(
    async (error: unknown) => {
      await artifacts.server.close();
      throw error;
    },
  );
  const broker = await startSandboxBroker({
    state: iotCore,
    host: settings.host,
    port: settings.mqttPort,
    logger,
    events,
    quotas: options.brokerQuotas,
    services: [
      provisioning.service,
      new JobsMqttApi({ store: jobs, logger, deliverDocument: artifacts.deliverDocument }),
      rotation.requests,
      shadowService,
    ],
    rules: [telemetry.rule, commands, deviceLogs],
    jobs,
    deliverDocument: artifacts.deliverDocument,
    publishers: [shadowService, commands],
  }).catch(async (error: unknown) => {
    await telemetry.close();
    await artifacts.server.close();
    throw error;
  });
  const ota = wireOta({
    stateDir,
    jobs,
    registry,
    artifactServer: artifacts.server,
    releaseKey: artifacts.releaseKey,
    clock,
    logger,
  });

  await allowList.reconcileAtStart();
  const audit = startScheduledAudit({
    intervalMs: settings.auditIntervalMs,
    thresholdMs: settings.rotationThresholdMs,
    provisioning: provisioning.service,
    rotation,
    logger,
  });
  await audit.runNow();

  return sandboxFacade({
    settings,
    iotCore,
    ports,
    allowList,
    provisioning,
    jobs,
    rotation,
    artifacts,
    shadows,
    commands,
    deviceLogs,
    events,
    telemetry,
    broker,
    ota,
    audit,
    controlPlaneMeter,
  });
}

/** What `startSandbox` built and started, for the `Sandbox` it returns. */
interface SandboxParts {
  settings: SandboxSettings;
  iotCore: IotCoreState;
  ports: DevicePorts;
  allowList: SandboxAllowList;
  provisioning: SandboxProvisioning;
  jobs: JobStore;
  rotation: SandboxRotation;
  artifacts: SandboxArtifacts;
  shadows: ShadowStore;
  commands: CommandRequests;
  deviceLogs: LocalDeviceLogStore;
  events: SandboxEvents;
  telemetry: TelemetryPipeline;
  broker: MqttBroker;
  ota: SandboxOta;
  audit: PeriodicTask;
  controlPlaneMeter: CallRateMeter;
}

/** The sandbox's operations over its parts, and `close`, which stops them in order. */
function sandboxFacade(parts: SandboxParts): Sandbox {
  const { settings, iotCore, ports, allowList, provisioning, jobs, rotation, artifacts } = parts;
  const { shadows, commands, events, telemetry, broker, ota, audit, controlPlaneMeter } = parts;
  const { deviceLogs } = parts;
  const { ca, registry } = iotCore;
  const { logger } = settings;
  /** Rejects with `ResourceNotFoundError` for a thing the registry does not have. */
  const existingThing = (thingName: string): Promise<void> =>
    registry.findThing(thingName) === undefined
      ? Promise.reject(new ResourceNotFoundError("thing", thingName))
      : Promise.resolve();

  let closed: Promise<void> | undefined;
  return {
    mqtt: { host: broker.host, port: broker.port },
    caCertPem: ca.certificatePem,
    registry,
    ca,
    jobs,
    sessions: broker.sessions,
    events,
    claim: iotCore.claim,
    releaseKey: {
      publicKeyFile: artifacts.releaseKey.publicKeyFile,
      keyId: artifacts.releaseKey.keyId,
    },
    allowList: ports.allowList,
    listDevices: createListFleetDevices({
      inventory: new LocalFleetInventory({ registry, sessions: broker.sessions, shadows }),
      allowList: ports.allowList,
      ledger: ports.ledger,
    }),
    resetDevice: provisioning.module.reset,
    readAllowList: allowList.readAllowList,
    uploadAllowList: allowList.uploadAllowList,
    reconcile: allowList.reconcile,
    enrollDevice: (serial, dir, enrollOptions) =>
      enrollDevice({ registry, ca }, serial, dir, enrollOptions),
    telemetryStream: telemetry.stream,
    queryTelemetry: (query) => telemetry.queryTelemetry(query),
    listDeadLetters: (listOptions) => telemetry.listDeadLetters(listOptions),
    startRotation: (thingName) =>
      existingThing(thingName).then(() => rotation.module.start(thingName)),
    startExpiringRotations: rotation.startExpiringRotations,
    listRotations: () => rotation.rotations.list(),
    get controlPlaneCalls() {
      return controlPlaneMeter.snapshot();
    },
    shadows,
    artifactServer: { origin: artifacts.server.origin },
    createRelease: ota.createRelease,
    listReleases: ota.listReleases,
    releaseDeviceJob: ota.releaseDeviceJob,
    cancelRelease: ota.cancelRelease,
    rollbackRelease: ota.rollbackRelease,
    ...operatorJobViews(jobs),
    addThingToThingGroup: (groupName, thingName) =>
      registry.addThingToThingGroup(groupName, thingName),
    removeThingFromThingGroup: (groupName, thingName) =>
      registry.removeThingFromThingGroup(groupName, thingName),
    listThingsInThingGroup: (groupName) => registry.listThingsInThingGroup(groupName),
    sendCommand: (thingName, command, params, timeoutMs) =>
      existingThing(thingName).then(() =>
        commands.send(thingName, command, params, timeoutMs ?? settings.commandTimeoutMs),
      ),
    readDeviceLogs: createReadDeviceLogs({ events: deviceLogs }),
    close() {
      closed ??= (async () => {
        await audit.stop();
        await broker.close();
        await artifacts.server.close();
        await telemetry.close();
        await allowList.settled();
        await jobs.close();
        await ota.settled();
        await Promise.all([
          registry.flush(),
          ports.ledger.flush(),
          jobs.flush(),
          rotation.rotations.flush(),
          shadows.flush(),
          ota.releases.flush(),
        ]);
        logger.info("sandbox stopped");
      })();
      return closed;
    },
  };
}

type SandboxSettings = ReturnType<typeof sandboxSettings>;

/** The options with their defaults; refuses a rotation threshold past the certificate validity. */
function sandboxSettings(options: SandboxOptions) {
  const settings = {
    ...DEFAULTS,
    logger: pino({ level: "silent" }),
    clock: () => new Date(),
    ...definedOnly(options),
  };
  const { certificateValidityMs } = settings;
  const rotationThresholdMs =
    settings.rotationThresholdMs ??
    Math.min(DEFAULT_ROTATION_THRESHOLD_MS, certificateValidityMs / 2);
  if (rotationThresholdMs >= certificateValidityMs) {
    // Every new certificate would already be due: devices would rotate without end.
    throw new InvalidRequestError(
      "rotationThresholdMs",
      `the rotation threshold (${rotationThresholdMs / 1000} s) must be shorter than the certificate validity (${certificateValidityMs / 1000} s)`,
    );
  }
  return { ...settings, rotationThresholdMs };
}
