import pLimit from "p-limit";
import {
  AUDIT_CHECK_COMPLIANT,
  AUDIT_CHECK_NON_COMPLIANT,
  AUDIT_TASK_COMPLETED,
  type AuditNotification,
  expiringCertificateCheck,
} from "../contracts/audit.ts";
import type { AuditFindings } from "../ports/audit-findings.ts";
import type { DeviceRegistry } from "../ports/device-registry.ts";
import { describeError, silentLogger, type UseCaseLogger } from "./logger.ts";
import { usableCertificates } from "./usable-certificates.ts";

/**
 * Starts the rotation of the thing's certificate `certificateId`, or returns the thing's
 * rotation already under way (`created` false).
 */
export type StartRotationForThing = (
  thingName: string,
  certificateId: string,
) => Promise<{ rotationId: string; created: boolean }>;

export interface RotateExpiringCertificatesDeps {
  findings: AuditFindings;
  registry: Pick<DeviceRegistry, "thingOfCertificate" | "listCertificates">;
  startRotation: StartRotationForThing;
  logger?: UseCaseLogger;
  /** Certificates looked up, and rotations started, at the same time. Default 8. */
  concurrency?: number;
  /** What "expired" is measured against. Default `() => new Date()`. */
  clock?: () => Date;
}

/**
 * `rotating`: the check's findings were acted on; the others did nothing: `task-not-completed`
 * (the audit FAILED or was CANCELED), `check-not-run` (the audit did not include the check or
 * the check did not finish), `compliant` (no certificate is close to expiry).
 */
export type RotateExpiringStatus =
  | "rotating"
  | "task-not-completed"
  | "check-not-run"
  | "compliant";

export interface ExpiringRotation {
  thingName: string;
  /** The flagged certificate: the one the thing connects with. */
  certificateId: string;
  rotationId: string;
}

export interface SkippedCertificate {
  certificateId: string;
  /**
   * `no-thing`: attached to no thing; `not-in-use`: not ACTIVE, or expired, so no device
   * connects with it (an expired device provisions again by claim instead);
   * `same-thing`: an earlier finding names another certificate of its thing, rotated first
   * (one rotation per thing; this one waits for the next audit).
   */
  reason: "no-thing" | "not-in-use" | "same-thing";
  thingName: string | null;
}

export interface RotateExpiringFailure {
  certificateId: string;
  /** null when the failure came before the thing was known. */
  thingName: string | null;
  step: "find-thing" | "start-rotation";
  reason: string;
}

export interface RotateExpiringSummary {
  taskId: string;
  status: RotateExpiringStatus;
  /** Distinct certificates the check flagged. */
  flagged: number;
  started: ExpiringRotation[];
  /** Things already rotating: the running rotation is left to finish. */
  alreadyActive: ExpiringRotation[];
  skipped: SkippedCertificate[];
  failures: RotateExpiringFailure[];
}

const DEFAULT_CONCURRENCY = 8;

/**
 * Turns a Device Defender audit into certificate rotations: one per device whose certificate
 * is close to expiry. Safe to run again for the same notification (SNS delivers at least
 * once): a device already rotating keeps its rotation.
 * 1. Act only on an audit that COMPLETED and whose expiring-certificate check ran to its end
 *    and found certificates.
 * 2. Read every page of the check's findings (a failure here throws: nothing started yet).
 * 3. For each distinct certificate, with bounded concurrency: find its thing and skip it when
 *    it has none, or when it is not ACTIVE or has expired (no device connects with it).
 * 4. Start one rotation per thing, of the certificate the finding names (never a guess among
 *    the thing's ACTIVE ones); a thing already rotating counts as `alreadyActive`. A
 *    device's failure is recorded and the others go on.
 * 5. Return the summary.
 */
export function createRotateExpiringCertificates(
  deps: RotateExpiringCertificatesDeps,
): (notification: AuditNotification) => Promise<RotateExpiringSummary> {
  const logger = deps.logger ?? silentLogger;
  const clock = deps.clock ?? (() => new Date());
  const limit = pLimit(deps.concurrency ?? DEFAULT_CONCURRENCY);

  return async (notification) => {
    const { taskId } = notification;
    const summary: RotateExpiringSummary = {
      taskId,
      status: "rotating",
      flagged: 0,
      started: [],
      alreadyActive: [],
      skipped: [],
      failures: [],
    };
    const status = eligibility(notification);
    if (status !== "rotating") {
      logger.info({ taskId, status }, "audit not acted on");
      return { ...summary, status };
    }

    const certificateIds = new Set<string>();
    for await (const { certificateId } of deps.findings.expiringCertificates(taskId)) {
      certificateIds.add(certificateId);
    }
    summary.flagged = certificateIds.size;

    const thingOfFlagged = new Map<string, string>();
    await Promise.all(
      [...certificateIds].map((certificateId) =>
        limit(async () => {
          let thingName: string | null = null;
          try {
            thingName = await deps.registry.thingOfCertificate(certificateId);
            if (thingName === null) {
              summary.skipped.push({ certificateId, reason: "no-thing", thingName });
              return;
            }
            const certificates = await deps.registry.listCertificates(thingName);
            const flagged = certificates.find((c) => c.certificateId === certificateId);
            if (flagged === undefined || usableCertificates([flagged], clock()).length === 0) {
              summary.skipped.push({ certificateId, reason: "not-in-use", thingName });
              return;
            }
            thingOfFlagged.set(certificateId, thingName);
          } catch (error) {
            const reason = describeError(error);
            summary.failures.push({
              certificateId,
              thingName,
              step: "find-thing",
              reason,
            });
            logger.error(
              { taskId, certificateId, thingName, reason },
              "could not find the certificate's thing",
            );
          }
        }),
      ),
    );

    // One rotation per thing, of its first certificate in the findings' order.
    const certificateOfThing = new Map<string, string>();
    for (const certificateId of certificateIds) {
      const thingName = thingOfFlagged.get(certificateId);
      if (thingName === undefined) continue;
      if (certificateOfThing.has(thingName)) {
        summary.skipped.push({ certificateId, reason: "same-thing", thingName });
      } else certificateOfThing.set(thingName, certificateId);
    }
    await Promise.all(
      [...certificateOfThing].map(([thingName, certificateId]) =>
        limit(async () => {
          try {
            const { rotationId, created } = await deps.startRotation(thingName, certificateId);
            const rotation = { thingName, certificateId, rotationId };
            (created ? summary.started : summary.alreadyActive).push(rotation);
            logger.info(
              { taskId, thingName, certificateId, rotationId, created },
              created ? "rotation started" : "rotation already under way",
            );
          } catch (error) {
            const reason = describeError(error);
            summary.failures.push({ certificateId, thingName, step: "start-rotation", reason });
            logger.error(
              { taskId, thingName, certificateId, reason },
              "could not start the rotation",
            );
          }
        }),
      ),
    );
    return summary;
  };
}

/** Whether the notification calls for reading the check's findings, or why not. */
function eligibility(notification: AuditNotification): RotateExpiringStatus {
  if (notification.taskStatus !== AUDIT_TASK_COMPLETED) return "task-not-completed";
  const check = expiringCertificateCheck(notification);
  if (check === undefined) return "check-not-run";
  if (check.checkRunStatus === AUDIT_CHECK_COMPLIANT) return "compliant";
  if (check.checkRunStatus !== AUDIT_CHECK_NON_COMPLIANT) return "check-not-run";
  return check.nonCompliantResourcesCount === 0 ? "compliant" : "rotating";
}
