import pLimit from "p-limit";
import { AllowListTooLargeError, InvalidAllowListError } from "../allow-list/allow-list-errors.ts";
import { type AllowListIssue, assertValidAllowList, parseAllowList } from "../allow-list/index.ts";
import { exceedsRevocationShare } from "../allow-list/revocation-guard.ts";
import type { AllowListStore } from "../ports/allow-list-store.ts";
import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import type { DeviceLedger } from "../ports/device-ledger.ts";
import type { DeviceRegistry, RegisteredDevice } from "../ports/device-registry.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";

export interface ReconcileAllowListDeps {
  allowList: AllowListStore;
  registry: DeviceRegistry;
  /** The private CA that issued device certificates, if any (AWS IoT-signed ones need none). */
  revoker?: CertificateRevoker;
  ledger: DeviceLedger;
  logger?: UseCaseLogger;
  /** Devices removed at the same time. Default 8. */
  concurrency?: number;
  /** Time of the ledger entries. Default `() => new Date()`. */
  clock?: () => Date;
  /**
   * Percent of the registered devices a list the revocation guard did not pass (one put into
   * the bucket by other means) may remove; more removes nothing (`unconfirmed-revocations`).
   * The stage's function and the sandbox set DEFAULT_MAX_REVOKE_PCT. Default: not guarded.
   */
  maxRevokePct?: number;
}

/** Where a device's removal stopped; the rerun starts it again from the top. */
export type ReconcileStep =
  | "record-ledger"
  | "list-certificates"
  | "revoke-certificate"
  | "revoke-at-ca"
  | "detach-policies"
  | "detach-thing-principal"
  | "delete-certificate"
  | "delete-thing";

export interface ReconcileFailure {
  serial: string;
  thingName: string;
  step: ReconcileStep;
  /**
   * The certificate the step was working on, null for the device-wide steps. After a failed
   * `delete-certificate` the certificate is REVOKED and detached, so a rerun no longer finds it
   * through the thing: this id is how to delete it.
   */
  certificateId: string | null;
  reason: string;
}

interface Progress {
  step: ReconcileStep;
  certificateId: string | null;
}

export interface ReconcileSummary {
  /**
   * `no-list`: nothing uploaded yet; `invalid-list`: the stored list was refused, nothing
   * removed; `unconfirmed-revocations`: it would revoke more of the fleet than the guard lets
   * through and was not uploaded through it (`fleet allowlist upload --yes`), nothing removed.
   */
  status: "reconciled" | "invalid-list" | "no-list" | "unconfirmed-revocations";
  version: string | null;
  /** Serials on the list. */
  listed: number;
  /** Devices in the registry's fleet group before the reconcile. */
  registered: number;
  removed: { serial: string; thingName: string }[];
  failures: ReconcileFailure[];
  /** Why an invalid list was refused. */
  issues: AllowListIssue[];
}

const DEFAULT_CONCURRENCY = 8;

/**
 * Makes the registry match the allow-list: a provisioned device whose serial is no longer
 * listed loses its certificates and its thing. Every step is idempotent, so a rerun (S3
 * delivers events at least once; a crash half-way) finishes the job.
 * 1. Read the current list (none → `no-list`); parse and validate it, empty only with the
 *    uploader's allow-empty confirmation (invalid → `invalid-list`, nothing removed).
 * 2. List the devices of the fleet's thing group.
 * 3. A list that did not pass the revocation guard and would remove more than `maxRevokePct`
 *    of them (at least 3) removes nothing: `unconfirmed-revocations`.
 * 4. For each device whose serial is not listed, with bounded concurrency: record "revoked" in
 *    the ledger; for each certificate revoke it (INACTIVE ends live sessions at once), revoke
 *    it at the private CA, detach its policies, detach it from the thing and delete it; then
 *    delete the thing. A device's failure is recorded and the others go on.
 * 5. Return the summary: counts, removed devices, failures with the failing step.
 */
export function createReconcileAllowList(
  deps: ReconcileAllowListDeps,
): () => Promise<ReconcileSummary> {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? (() => new Date());
  const limit = pLimit(deps.concurrency ?? DEFAULT_CONCURRENCY);

  /** Removes one device, keeping `progress` at the step under way for the failure report. */
  async function remove(
    device: RegisteredDevice,
    version: string,
    progress: Progress,
  ): Promise<void> {
    const { registry, revoker, ledger } = deps;
    const { serial, thingName } = device;
    // Recorded first: a crash after the thing is deleted would otherwise lose the reason, since
    // a rerun no longer sees the device. Recording again on a rerun is harmless.
    progress.step = "record-ledger";
    const reason = `removed from the allow-list (version ${version})`;
    await ledger.record({ serial, outcome: "revoked", reason, at: clock().toISOString() });
    progress.step = "list-certificates";
    const certificates = await registry.listCertificates(thingName);
    // Each certificate is deleted right after it is detached: a detached certificate no longer
    // shows on the thing, so one left for later would be out of a rerun's sight.
    for (const { certificateId, certificatePem } of certificates) {
      progress.certificateId = certificateId;
      progress.step = "revoke-certificate";
      await registry.revokeCertificate(certificateId);
      if (revoker !== undefined) {
        progress.step = "revoke-at-ca";
        await revoker.revokeIfIssued(certificatePem);
      }
      progress.step = "detach-policies";
      await registry.detachPolicies(certificateId);
      progress.step = "detach-thing-principal";
      await registry.detachThingPrincipal(thingName, certificateId);
      progress.step = "delete-certificate";
      await registry.deleteCertificate(certificateId);
    }
    progress.certificateId = null;
    progress.step = "delete-thing";
    await registry.deleteThing(thingName);
  }

  return async () => {
    const stored = await deps.allowList.read();
    if (stored === null) {
      logger.info({}, "no allow-list uploaded yet: nothing to reconcile");
      return summary("no-list", null);
    }
    const { version } = stored;

    let serials: ReadonlySet<string>;
    try {
      const parsed = await parseAllowList(stored.body, { size: stored.size });
      const source = `allow-list version ${version}`;
      assertValidAllowList(parsed, { allowEmpty: stored.allowEmpty, source });
      serials = parsed.serials;
    } catch (error) {
      // A list refused by its declared size was never read: close the stream (an S3 response).
      await stored.body[Symbol.asyncIterator]().return?.();
      const issues = refusal(error);
      if (issues === null) throw error;
      logger.error(
        { version, issues: issues.slice(0, 5), issueCount: issues.length },
        "the stored allow-list is invalid: no device removed",
      );
      return summary("invalid-list", version, { issues });
    }

    const removed: ReconcileSummary["removed"] = [];
    const failures: ReconcileFailure[] = [];
    const gone: RegisteredDevice[] = [];
    let registered = 0;
    for await (const device of deps.registry.listDevices()) {
      registered++;
      if (!serials.has(device.serial)) gone.push(device);
    }
    const intended =
      stored.revocationsConfirmed === true || (stored.allowEmpty && serials.size === 0);
    const guarded = deps.maxRevokePct !== undefined && !intended;
    if (guarded && exceedsRevocationShare(gone.length, registered, deps.maxRevokePct)) {
      logger.error(
        { version, registered, wouldRemove: gone.length },
        "the stored allow-list would revoke more of the fleet than allowed, unconfirmed: no device removed",
      );
      return summary("unconfirmed-revocations", version, { listed: serials.size, registered });
    }
    await Promise.all(
      gone.map((device) =>
        limit(async () => {
          const { serial, thingName } = device;
          const progress: Progress = { step: "record-ledger", certificateId: null };
          try {
            await remove(device, version, progress);
            removed.push({ serial, thingName });
            logger.info({ serial, thingName, version }, "device removed: not on the allow-list");
          } catch (error) {
            const failure = {
              serial,
              thingName,
              step: progress.step,
              certificateId: progress.certificateId,
              reason: describeError(error),
            };
            failures.push(failure);
            logger.error(failure, "device removal failed; a rerun resumes it");
          }
        }),
      ),
    );

    const result = summary("reconciled", version, {
      listed: serials.size,
      registered,
      removed: removed.sort(bySerial),
      failures: failures.sort(bySerial),
    });
    logger.info(
      {
        version,
        listed: result.listed,
        registered,
        removed: removed.length,
        failed: failures.length,
      },
      "allow-list reconciled",
    );
    return result;
  };
}

/** The issues of a list that is refused, or null for any other error (which propagates). */
function refusal(error: unknown): AllowListIssue[] | null {
  if (error instanceof InvalidAllowListError) {
    // An empty list without confirmation has no line to blame: name the rule itself.
    return error.issues.length > 0
      ? [...error.issues]
      : [{ line: 0, text: "", message: error.message }];
  }
  if (error instanceof AllowListTooLargeError)
    return [{ line: 0, text: "", message: error.message }];
  return null;
}

function summary(
  status: ReconcileSummary["status"],
  version: string | null,
  fields: Partial<ReconcileSummary> = {},
): ReconcileSummary {
  return {
    status,
    version,
    listed: 0,
    registered: 0,
    removed: [],
    failures: [],
    issues: [],
    ...fields,
  };
}

function bySerial(a: { serial: string }, b: { serial: string }): number {
  return a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0;
}
