import {
  createListMeasures,
  createQueryTelemetry,
  createThingGroupMembership,
  type FleetOperations,
  type TelemetryQuery,
} from "@fleet/core";
import { JobNotCancelableError } from "@fleet/core/contracts";
import { LocalThingGroups } from "../adapters/local-thing-groups.ts";
import { previewSandboxUpload } from "../allow-list-upload.ts";
import { jobDetail, jobSummary } from "../jobs/job-views.ts";
import type { Sandbox } from "../sandbox.ts";
import type { SandboxConsoleOperations } from "./sandbox-console-routes.ts";

/** Everything the sandbox API serves: the operator operations and the console's own. */
export type SandboxApiOperations = FleetOperations & SandboxConsoleOperations;

/** The operator operations as the running sandbox carries them out. */
export function sandboxFleetOperations(sandbox: Sandbox): SandboxApiOperations {
  const { jobs } = sandbox;
  // Telemetry reads go through core's use cases: an unknown device or measure is an error.
  const telemetry = {
    reader: { query: (query: TelemetryQuery) => sandbox.queryTelemetry(query) },
    inventory: sandbox,
  };
  const groups = new LocalThingGroups(sandbox.registry);
  const membership = createThingGroupMembership({ groups });
  return {
    listDevices: () => sandbox.listDevices(),
    resetDevice: (serial) => sandbox.resetDevice(serial),
    async readAllowList() {
      const { version, serials } = await sandbox.readAllowList();
      return { version, serials, count: serials.length };
    },
    async uploadAllowList({ body, allowEmpty, dryRun, confirmRevocations, maxRevokePct }) {
      const options = {
        allowEmpty,
        revocations: { confirmed: confirmRevocations ?? false, maxRevokePct },
      };
      if (!dryRun) return sandbox.uploadAllowList(body, options);
      const current = () => sandbox.allowList.current();
      const preview = await previewSandboxUpload({ current }, body, options);
      return { ...preview, version: null, reconcile: null };
    },
    queryTelemetry: createQueryTelemetry(telemetry),
    listMeasures: createListMeasures(telemetry),
    listDeadLetters: (options) => sandbox.listDeadLetters(options),
    listJobs: () => sandbox.listJobs(),
    describeJob: (jobId) => sandbox.describeJob(jobId),
    async cancelJob({ jobId, force }) {
      // An unknown job throws the store's ResourceNotFoundError (404).
      const { status } = jobs.describeJob(jobId);
      // The store treats a second cancel as a no-op; an operator asking twice is told.
      if (status !== "IN_PROGRESS") throw new JobNotCancelableError(jobId, status);
      const canceled = await jobs.cancelJob(jobId, { force });
      return jobSummary(canceled, jobs.listJobExecutions(jobId));
    },
    createRelease: (request) => sandbox.createRelease(request),
    listReleases: () => sandbox.listReleases(),
    async describeRelease(releaseId) {
      return (await sandbox.listReleases()).find((r) => r.releaseId === releaseId) ?? null;
    },
    createDeviceJobRelease: (request) => sandbox.releaseDeviceJob(request),
    cancelRelease: (request) => sandbox.cancelRelease(request),
    rollbackRelease: (request) => sandbox.rollbackRelease(request),
    listThingGroups: () => groups.list(),
    addThingToGroup: (request) => membership.add(request),
    removeThingFromGroup: (request) => membership.remove(request),
    sendCommand: ({ thingName, command, params }) =>
      sandbox.sendCommand(thingName, command, params),
    listRotations: () => sandbox.listRotations(),
    readDeviceLogs: (query) => sandbox.readDeviceLogs(query),
    async startRotations(request) {
      // A device the sandbox cannot rotate fails the request (404, 409): no partial failures.
      const started =
        "device" in request
          ? [await sandbox.startRotation(request.device)]
          : await sandbox.startExpiringRotations(request.expiringWithinMs);
      return { started, failures: [] };
    },
    async createJob(input) {
      const job = await jobs.createJob(input);
      return jobDetail(job, jobs.listJobExecutions(job.jobId));
    },
    listThingGroupMembers: async (thingGroupName) => ({
      thingGroupName,
      thingNames: sandbox.listThingsInThingGroup(thingGroupName),
    }),
    async addThingGroupMember(member) {
      await sandbox.addThingToThingGroup(member.thingGroupName, member.thingName);
      return member;
    },
    async removeThingGroupMember(member) {
      await sandbox.removeThingFromThingGroup(member.thingGroupName, member.thingName);
      return member;
    },
  };
}
