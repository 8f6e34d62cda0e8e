import { EventEmitter } from "node:events";
import { isIP } from "node:net";
import { join } from "node:path";
import {
  AllowListCache,
  CallRateMeter,
  createAdvanceRelease,
  createCommitRotation,
  createControlPlaneLimiter,
  createDecideProvisioning,
  createListFleetDevices,
  createReconcileAllowList,
  createReleaseApp,
  createResetDevice,
  createSignProvisioningCsr,
  createSignRotationCsr,
  createStartRotation,
  createSweepRotations,
  DEFAULT_CONTROL_PLANE_CALLS_PER_SECOND,
  type DeadLetter,
  type DeadLetterListOptions,
  type DeviceReset,
  type ReconcileSummary,
  type ReleaseAppRequest,
  type ReleaseProgress,
  type RotationRecord,
  rateLimited,
  type TelemetryQuery,
  type TelemetrySample,
} from "@fleet/core";
import {
  claimPolicyDocument,
  type DeviceView,
  devicePolicyDocument,
  type JobDetail,
  type JobSummary,
  provisioningTemplateBody,
  type ReleaseRecord,
} from "@fleet/core/contracts";
import { type Logger, pino } from "pino";
import { FileDeviceLedger } from "./adapters/file-device-ledger.ts";
import { LocalAllowListStore } from "./adapters/local-allow-list-store.ts";
import { LocalArtifactStore } from "./adapters/local-artifact-store.ts";
import { LocalCaIssuer } from "./adapters/local-ca-issuer.ts";
import { LocalCaRevoker } from "./adapters/local-ca-revoker.ts";
import { LocalDeviceRegistry } from "./adapters/local-device-registry.ts";
import { LocalJobStarter } from "./adapters/local-job-starter.ts";
import { LocalOtaJobs } from "./adapters/local-ota-jobs.ts";
import { LocalReleaseStore } from "./adapters/local-release-store.ts";
import { LocalRotationStore } from "./adapters/local-rotation-store.ts";
import { type AllowListUploadResult, uploadAllowList } from "./allow-list-upload.ts";
import { ARTIFACTS_DIR, startArtifactServer } from "./artifacts/artifact-server.ts";
import { ArtifactUrlSigner } from "./artifacts/artifact-url-signer.ts";
import { replacePresignedUrlPlaceholders } from "./artifacts/presigned-url-placeholders.ts";
import { openReleaseKey, type SandboxReleaseKey } from "./artifacts/release-key.ts";
import { type ClaimCredentials, ensureClaimCredentials } from "./claim-credentials.ts";
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
import { ensurePolicy } from "./iot-core/ensure-policy.ts";
import { FleetProvisioning } from "./iot-core/fleet-provisioning.ts";
import { startMqttBroker } from "./iot-core/mqtt-broker.ts";
import { IotRegistry } from "./iot-core/registry.ts";
import { RotationRequests } from "./iot-core/rotation-requests.ts";
import {
  CANARY_THING_GROUP,
  SANDBOX_RESOURCE_NAMES,
  SANDBOX_SCOPE,
} from "./iot-core/sandbox-scope.ts";
import type { Sessions } from "./iot-core/sessions.ts";
import { JobStore } from "./jobs/job-store.ts";
import { jobDetail, jobSummary } from "./jobs/job-views.ts";
import { type DeliverDocument, JobsMqttApi, jobsNotifications } from "./jobs/jobs-mqtt-api.ts";
import { type LocalCa, openLocalCa } from "./local-ca/local-ca.ts";
import { LocalFleetInventory } from "./local-fleet-inventory.ts";
import { startPeriodicTask } from "./rotation/periodic-task.ts";
import { createStartExpiringRotations } from "./rotation/start-expiring-rotations.ts";
import { ClassicShadowService } from "./shadow/classic-shadow-service.ts";
import { ShadowStore } from "./shadow/shadow-store.ts";
import { ensurePrivateDir } from "./state/private-files.ts";
import { startTelemetryPipeline } from "./telemetry/telemetry-pipeline.ts";

export interface SandboxOptions {
  /** Directory for the sandbox's state (CA, registry). Created with mode 0700 when missing. */
  stateDir: string;
  /** Interface the MQTT broker listens on. Default `127.0.0.1`. */
  host?: string;
  /** MQTT (TLS) port. Default 0: a free port, reported in `Sandbox.mqtt.port`. */
  mqttPort?: number;
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

/** Lifetime of the broker's TLS server certificate, issued afresh at each start. */
const SERVER_CERTIFICATE_VALIDITY_MS = 365 * 24 * 3600 * 1000;

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
    options: { allowEmpty: boolean },
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
  /**
   * Disconnects every client, stops the broker, drains the telemetry stream into the store and
   * resolves once state is on disk.
   */
  close(): Promise<void>;
}

/**
 * Starts the local cloud's IoT Core, named as a stage called "sandbox" would be:
 *  1. The CA (created on first start, reloaded afterwards) and the registry, with the device
 *     and claim policies, the fleet thing group and the claim certificate.
 *  2. The allow-list (a file store), the device ledger, and the same use cases a stage runs:
 *     the pre-provisioning hook, reconcile and the device listing.
 *  3. The telemetry path: DuckDB store, kinesalite stream, ingest poller (see
 *     `startTelemetryPipeline`).
 *  4. The broker, with the fleet provisioning, Jobs and classic shadow APIs, the telemetry rule
 *     and command replies; then a reconcile, which finishes one a previous run left half-way.
 *  5. OTA: the loopback artifact server (job documents reach devices with its signed URLs), the
 *     `canary` thing group beside the fleet (provisioning) group, and releases that advance on
 *     each job's end (core's `createReleaseApp` / `createAdvanceRelease`).
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const {
    stateDir,
    host,
    mqttPort,
    logger,
    certificateValidityMs,
    rotationThresholdMs: givenThresholdMs,
    auditIntervalMs,
    rotationTimeoutMs,
    clock,
    controlPlaneCallsPerSecond,
    artifactUrlExpiryMs,
    jobsMinuteMs,
    commandTimeoutMs,
  } = {
    ...DEFAULTS,
    logger: pino({ level: "silent" }),
    clock: () => new Date(),
    ...definedOnly(options),
  };
  const rotationThresholdMs =
    givenThresholdMs ?? Math.min(DEFAULT_ROTATION_THRESHOLD_MS, certificateValidityMs / 2);
  if (rotationThresholdMs >= certificateValidityMs) {
    // Every new certificate would already be due: devices would rotate without end.
    throw new InvalidRequestError(
      "rotationThresholdMs",
      `the rotation threshold (${rotationThresholdMs / 1000} s) must be shorter than the certificate validity (${certificateValidityMs / 1000} s)`,
    );
  }
  const controlPlaneMeter = new CallRateMeter();
  const controlPlane = createControlPlaneLimiter({
    callsPerSecond: controlPlaneCallsPerSecond,
    meter: controlPlaneMeter,
  });
  const names = SANDBOX_RESOURCE_NAMES;
  await ensurePrivateDir(stateDir);
  const ca = await openLocalCa(join(stateDir, "ca"));
  const registry = await IotRegistry.open(stateDir);
  await ensurePolicy(registry, names.devicePolicyName, devicePolicyDocument(SANDBOX_SCOPE), logger);
  await ensurePolicy(
    registry,
    names.claimPolicyName,
    claimPolicyDocument({ ...SANDBOX_SCOPE, templateName: names.provisioningTemplateName }),
    logger,
  );
  await registry.createThingGroup(names.thingGroupName);
  await registry.createThingGroup(CANARY_THING_GROUP);
  const claim = await ensureClaimCredentials({
    registry,
    ca,
    dir: join(stateDir, "claim"),
    policyName: names.claimPolicyName,
    templateName: names.provisioningTemplateName,
  });

  const store = new LocalAllowListStore(join(stateDir, "allow-list"));
  const ledger = new FileDeviceLedger(join(stateDir, "device-ledger.json"));
  // No TTL: an upload takes effect for the next device at once (a version check is one small read).
  const allowList = new AllowListCache({ store, ttlMs: 0 });
  const deviceRegistry = new LocalDeviceRegistry(registry, names.thingGroupName);
  // The sandbox's CA is the private CA of a stage in `private-ca` mode: it signs every CSR.
  const decideProvisioning = createDecideProvisioning({
    allowList,
    ledger,
    registry: deviceRegistry,
    certificateSigner: "private-ca",
    logger,
    clock,
  });
  const revoker = new LocalCaRevoker(ca);
  const reconcileOnce = createReconcileAllowList({
    allowList: store,
    registry: deviceRegistry,
    revoker,
    ledger,
    logger,
  });
  let reconciling: Promise<unknown> = Promise.resolve();
  const reconcile = (): Promise<ReconcileSummary> => {
    const run = reconciling.then(reconcileOnce);
    reconciling = run.catch(() => {});
    return run;
  };

  const serverCertificate = await ca.issueServerCertificate({
    ...serverNames(host),
    validity: {
      notAfter: new Date(
        Math.min(Date.now() + SERVER_CERTIFICATE_VALIDITY_MS, ca.notAfter.getTime()),
      ),
    },
  });
  const events: SandboxEvents = new EventEmitter<SandboxEventMap>();
  const now = () => clock().getTime();
  // Issued at the CA as the stage's certificate provider does, within the control-plane budget.
  const caIssuer = rateLimited(new LocalCaIssuer(ca, { now }), controlPlane);
  const provisioning = new FleetProvisioning({
    registry,
    signCsr: createSignProvisioningCsr({
      issuer: caIssuer,
      validityMs: certificateValidityMs,
      logger,
    }),
    templateName: names.provisioningTemplateName,
    templateBody: provisioningTemplateBody(names),
    preProvisioningHook: decideProvisioning,
    logger,
    clock,
  });
  const jobs = await JobStore.open(stateDir, {
    thingExists: (thingName) => registry.findThing(thingName) !== undefined,
    groupMembers: (groupName) =>
      registry.findThingGroup(groupName) === undefined
        ? undefined
        : registry.listThingsInThingGroup(groupName),
    minuteMs: jobsMinuteMs,
    logger,
  });
  const signer = await ArtifactUrlSigner.open(stateDir);
  const releaseKey = await openReleaseKey(stateDir);
  const artifactServer = await startArtifactServer({ stateDir, signer, logger });
  // Devices get signed URLs each time a document is sent; stored documents keep placeholders.
  const deliverDocument: DeliverDocument = (document) =>
    replacePresignedUrlPlaceholders(document, (url) =>
      signer.sign(url, new Date(Date.now() + artifactUrlExpiryMs), artifactServer.origin),
    );
  const shadows = await ShadowStore.open(stateDir);
  const shadowService = new ClassicShadowService({ store: shadows, logger });
  const commands = new CommandRequests({ logger });
  const rotations = new LocalRotationStore(join(stateDir, "rotations.json"));
  // The rotation backend's ports, throttled as a stage's must be (reconcile keeps its own pace).
  const jobStarter = rateLimited(new LocalJobStarter(jobs), controlPlane);
  const rotationRegistry = rateLimited(deviceRegistry, controlPlane);
  const rotationDeps = {
    rotations,
    registry: rotationRegistry,
    revoker: rateLimited(revoker, controlPlane),
    clock,
    logger,
  };
  const startRotation = createStartRotation({
    ...rotationDeps,
    jobs: jobStarter,
    deadlineMs: rotationTimeoutMs,
  });
  const rotationRequests = new RotationRequests({
    signCsr: createSignRotationCsr({
      ...rotationDeps,
      issuer: caIssuer,
      validityMs: certificateValidityMs,
    }),
    commit: createCommitRotation(rotationDeps),
  });
  const startExpiringRotations = createStartExpiringRotations({
    thingNames: () => registry.listThings().map((thing) => thing.thingName),
    registry: rotationRegistry,
    startRotation,
    // The broker starts below, before the first audit runs.
    connectedCertificateId: (thingName) => broker.sessions.get(thingName)?.certificateId,
    clock,
    logger,
  });
  const sweepRotations = createSweepRotations({ ...rotationDeps, jobs: jobStarter });
  const telemetry = await startTelemetryPipeline({ stateDir, logger }).catch(
    async (error: unknown) => {
      await artifactServer.close();
      throw error;
    },
  );
  const broker = await startMqttBroker({
    registry,
    caCertificatePem: ca.certificatePem,
    serverCertificate,
    host,
    port: mqttPort,
    logger,
    events,
    quotas: options.brokerQuotas,
    services: [
      provisioning,
      new JobsMqttApi({ store: jobs, logger, deliverDocument }),
      rotationRequests,
      shadowService,
    ],
    rules: [telemetry.rule, commands],
    isRevokedByCa: (serialNumber) => ca.isRevoked(serialNumber),
  }).catch(async (error: unknown) => {
    await telemetry.close();
    await artifactServer.close();
    throw error;
  });
  jobs.onChange((change) => {
    for (const { topic, payload } of jobsNotifications(change, jobs, new Date(), deliverDocument)) {
      broker.publish(topic, payload);
    }
  });
  shadowService.publish = (topic, payload) => broker.publish(topic, payload);
  commands.publish = (topic, payload) => broker.publish(topic, payload);

  const releases = new LocalReleaseStore(join(stateDir, "releases.json"));
  const otaJobs = new LocalOtaJobs({ jobs, registry });
  const releaseApp = createReleaseApp({
    artifacts: new LocalArtifactStore({
      dir: join(stateDir, ARTIFACTS_DIR),
      origin: artifactServer.origin,
    }),
    jobs: otaJobs,
    releases,
    signer: releaseKey.signer,
    clock,
    logger,
  });
  const advanceRelease = createAdvanceRelease({ jobs: otaJobs, releases, clock, logger });
  const advancing = new Set<Promise<unknown>>();
  // A stage's IoT rule on Jobs `completed` / `canceled` events runs the same use case.
  const onJobEnded = (jobId: string) => {
    const run = advanceRelease(jobId).catch((error: unknown) => {
      logger.error({ jobId, err: error }, "release not advanced");
    });
    advancing.add(run);
    void run.finally(() => advancing.delete(run));
  };
  jobs.events.on("jobCompleted", onJobEnded);
  jobs.events.on("jobCanceled", onJobEnded);
  const summary = await reconcile();
  logger.info(
    { status: summary.status, removed: summary.removed.length, failures: summary.failures.length },
    "start-up reconcile done",
  );

  const audit = startPeriodicTask(
    "rotation audit and sweep",
    auditIntervalMs,
    async () => {
      // Also deletes PENDING_ACTIVATION certificates of provisioning nobody finished.
      await provisioning.expireUnclaimedCertificates();
      const sweep = await sweepRotations();
      const started = await startExpiringRotations(rotationThresholdMs);
      if (sweep.timedOut.length + sweep.failures.length + started.length > 0) {
        logger.info(
          {
            timedOut: sweep.timedOut.length,
            sweepFailures: sweep.failures.length,
            rotating: started.length,
          },
          "rotation audit done",
        );
      }
    },
    logger,
  );
  await audit.runNow();

  const listDevices = createListFleetDevices({
    inventory: new LocalFleetInventory({ registry, sessions: broker.sessions, shadows }),
    allowList,
    ledger,
  });

  let closed: Promise<void> | undefined;
  return {
    mqtt: { host: broker.host, port: broker.port },
    caCertPem: ca.certificatePem,
    registry,
    ca,
    jobs,
    sessions: broker.sessions,
    events,
    claim,
    releaseKey: { publicKeyFile: releaseKey.publicKeyFile, keyId: releaseKey.keyId },
    allowList,
    listDevices,
    resetDevice: createResetDevice({ registry: deviceRegistry, revoker, logger }),
    async readAllowList() {
      const { version, serials } = await allowList.current();
      return { version, serials: [...serials].sort() };
    },
    uploadAllowList: (body, uploadOptions) =>
      uploadAllowList(
        { store, current: () => allowList.current(), reconcile },
        body,
        uploadOptions,
      ),
    reconcile,
    enrollDevice: (serial, dir, enrollOptions) =>
      enrollDevice({ registry, ca }, serial, dir, enrollOptions),
    telemetryStream: telemetry.stream,
    queryTelemetry: (query) => telemetry.queryTelemetry(query),
    listDeadLetters: (listOptions) => telemetry.listDeadLetters(listOptions),
    startRotation(thingName) {
      if (registry.findThing(thingName) === undefined) {
        return Promise.reject(new ResourceNotFoundError("thing", thingName));
      }
      return startRotation(thingName);
    },
    startExpiringRotations,
    listRotations: () => rotations.list(),
    get controlPlaneCalls() {
      return controlPlaneMeter.snapshot();
    },
    shadows,
    artifactServer: { origin: artifactServer.origin },
    async createRelease(request, onProgress) {
      try {
        return await releaseApp(request, onProgress);
      } catch (error) {
        // The artifact is a path on this machine: one that cannot be read is bad input.
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") {
          throw new InvalidRequestError(
            "artifactPath",
            `cannot read ${request.artifactPath} (${code})`,
            { cause: error },
          );
        }
        throw error;
      }
    },
    async listReleases() {
      const all: ReleaseRecord[] = [];
      for await (const release of releases.list()) all.push(release);
      return all;
    },
    async listJobs() {
      return jobs
        .listJobs()
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map((job) => jobSummary(job, jobs.listJobExecutions(job.jobId)));
    },
    async describeJob(jobId) {
      return jobDetail(jobs.describeJob(jobId), jobs.listJobExecutions(jobId));
    },
    addThingToThingGroup: (groupName, thingName) =>
      registry.addThingToThingGroup(groupName, thingName),
    removeThingFromThingGroup: (groupName, thingName) =>
      registry.removeThingFromThingGroup(groupName, thingName),
    listThingsInThingGroup: (groupName) => registry.listThingsInThingGroup(groupName),
    sendCommand(thingName, command, params, timeoutMs) {
      if (registry.findThing(thingName) === undefined) {
        return Promise.reject(new ResourceNotFoundError("thing", thingName));
      }
      return commands.send(thingName, command, params, timeoutMs ?? commandTimeoutMs);
    },
    close() {
      closed ??= (async () => {
        await audit.stop();
        await broker.close();
        await artifactServer.close();
        await telemetry.close();
        await reconciling;
        await jobs.close();
        await Promise.all(advancing);
        await Promise.all([
          registry.flush(),
          ledger.flush(),
          jobs.flush(),
          rotations.flush(),
          shadows.flush(),
          releases.flush(),
        ]);
        logger.info("sandbox stopped");
      })();
      return closed;
    },
  };
}

/** The names a client may use to reach the broker: loopback always, plus the listen host. */
function serverNames(host: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ["localhost"];
  const ipAddresses = ["127.0.0.1", "::1"];
  const wildcard = host === "0.0.0.0" || host === "::";
  if (isIP(host) !== 0) {
    if (!wildcard && !ipAddresses.includes(host)) ipAddresses.push(host);
  } else if (!dnsNames.includes(host)) {
    dnsNames.push(host);
  }
  return { dnsNames, ipAddresses };
}
