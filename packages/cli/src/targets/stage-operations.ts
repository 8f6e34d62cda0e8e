import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  AllowListCache,
  type AllowListStore,
  type ArtifactSigner,
  createListFleetDevices,
  createListMeasures,
  createQueryTelemetry,
  createResetDevice,
  createThingGroupMembership,
  type DeadLetterReader,
  type FleetInventory,
  type FleetOperations,
} from "@fleet/core";
import {
  createDynamoDbClient,
  createIotClient,
  DynamoDbDeviceLedger,
  IotDeviceRegistry,
  IotFleetInventory,
  IotThingGroups,
  SqsDeadLetterReader,
} from "@fleet/core/adapters/aws";
import { stageResourceNames } from "@fleet/core/contracts";
import { CliError } from "../errors.ts";
import {
  openStageAllowListStore,
  stageAllowListSnapshot,
  uploadStageAllowList,
} from "./stage-allow-list.ts";
import { type StageClientConfig, stageClientConfig } from "./stage-client-config.ts";
import { StageCommands } from "./stage-commands.ts";
import { stageDeviceLogs } from "./stage-device-logs.ts";
import { type ProgressReporter, StageOta } from "./stage-ota.ts";
import { StageRotations } from "./stage-rotations.ts";
import { stageTelemetryReader } from "./stage-telemetry-reader.ts";

export interface StageSettings {
  /** The stage's release key: `fleet ota release` needs it, nothing else does. */
  signer?: ArtifactSigner | undefined;
  /** How long a device has to commit a rotation this CLI starts. Default one hour. */
  rotationDeadlineMs?: number | undefined;
  /** Progress lines of long operations (a release's upload). Default none. */
  progress?: ProgressReporter;
}

/**
 * The operator operations on a deployed stage, with the AWS adapters and the same core use
 * cases the stage runs. Each part (allow-list bucket, OTA, rotations, ...) is set up on first
 * use, so a command makes no AWS call for the parts it does not use, and none before its own
 * input is checked.
 */
export function stageOperations(stage: string, settings: StageSettings = {}): FleetOperations {
  const config = stageClientConfig(stage);
  const allowListStore = once(() => openStageAllowListStore(stage));
  const inventory = once(() => openStageInventory(stage, config, allowListStore));
  const ota = once(() =>
    StageOta.open(stage, config, {
      signer: settings.signer,
      progress: settings.progress ?? (() => {}),
    }),
  );
  const rotations = once(() =>
    StageRotations.open(stage, config, { deadlineMs: settings.rotationDeadlineMs }),
  );
  const commands = once(() => StageCommands.open(stage, config));
  const deadLetters = once(() => openStageDeadLetters(stage, config));
  const telemetry = once(async () => ({
    reader: await stageTelemetryReader(stage),
    // Read only to explain an empty answer (an unknown device).
    inventory: { listDevices: async () => (await inventory()).listDevices() },
  }));
  const deviceLogs = once(() => stageDeviceLogs(stage, config));
  const groups = once(() => new IotThingGroups({ iot: createIotClient(config) }));
  const membership = once(() => createThingGroupMembership({ groups: groups() }));
  return {
    listDevices: async () => (await inventory()).listDevices(),
    /**
     * Revokes in AWS IoT only (UpdateCertificate INACTIVE, then REVOKED), which refuses the
     * certificates at once; the CLI does not know the stage's private CA, so they stay off
     * the CA's revocation list.
     */
    resetDevice: (serial) =>
      createResetDevice({ registry: new IotDeviceRegistry({ iot: createIotClient(config) }) })(
        serial,
      ),
    readAllowList: async () => stageAllowListSnapshot(await allowListStore()),
    uploadAllowList: (request) => uploadStageAllowList(allowListStore, request),
    queryTelemetry: async (query) => createQueryTelemetry(await telemetry())(query),
    listMeasures: async (query) => createListMeasures(await telemetry())(query),
    listDeadLetters: async (options) => (await deadLetters()).list(options),
    listJobs: async () => (await ota()).listJobs(),
    describeJob: async (jobId) => (await ota()).describeJob(jobId),
    cancelJob: async (request) => (await ota()).cancelJob(request),
    createRelease: async (request) => (await ota()).createRelease(request),
    listReleases: async () => (await ota()).listReleases(),
    createDeviceJobRelease: async (request) => (await ota()).releaseDeviceJob(request),
    describeRelease: async (releaseId) => (await ota()).describeRelease(releaseId),
    cancelRelease: async (request) => (await ota()).cancelRelease(request),
    rollbackRelease: async (request) => (await ota()).rollbackRelease(request),
    listThingGroups: () => groups().list(),
    addThingToGroup: (request) => membership().add(request),
    removeThingFromGroup: (request) => membership().remove(request),
    sendCommand: async (request) => (await commands()).send(request),
    listRotations: async () => (await rotations()).listRotations(),
    startRotations: async (request) => (await rotations()).startRotations(request),
    readDeviceLogs: (query) => deviceLogs()(query),
  };
}

/**
 * The fleet as the stage sees it: things from fleet indexing, pending serials from the
 * allow-list and refusals from the device ledger, merged by the same use case the sandbox runs.
 */
async function openStageInventory(
  stage: string,
  config: StageClientConfig,
  allowListStore: () => Promise<AllowListStore>,
): Promise<FleetInventory> {
  const names = stageResourceNames(stage);
  const listDevices = createListFleetDevices({
    inventory: new IotFleetInventory({
      iot: createIotClient(config),
      thingGroupName: names.thingGroupName,
    }),
    allowList: new AllowListCache({ store: await allowListStore() }),
    ledger: new DynamoDbDeviceLedger({
      dynamo: createDynamoDbClient(config),
      tableName: names.deviceLedgerTableName,
    }),
  });
  return { listDevices };
}

/** A peek at the stage's dead-letter queue (the messages stay for its redrive). */
async function openStageDeadLetters(
  stage: string,
  config: StageClientConfig,
): Promise<DeadLetterReader> {
  const sqs = new SQSClient(config);
  const queueName = stageResourceNames(stage).telemetryDeadLetterQueueName;
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (QueueUrl) return new SqsDeadLetterReader({ sqs, queueUrl: QueueUrl });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "QueueDoesNotExist" && name !== "AWS.SimpleQueueService.NonExistentQueue") {
      throw error;
    }
  }
  throw new CliError(
    `stage ${stage} has no dead-letter queue ${queueName}: deploy it with \`npx sst deploy --stage ${stage}\``,
  );
}

/** Builds the value on first call, then hands out the same one. */
function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
