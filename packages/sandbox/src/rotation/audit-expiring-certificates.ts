import type { RotateExpiringSummary, RotationRecord, RotationStore } from "@fleet/core";
import type { AuditNotification } from "@fleet/core/contracts";

export interface AuditExpiringCertificatesDeps {
  /** The sandbox's Device Defender (`LocalAuditFindings`): runs the expiring-certificate check. */
  auditor: { runAudit(withinMs: number): Promise<AuditNotification> };
  /** Core's `createRotateExpiringCertificates` (the rotation module's `rotateExpiring`). */
  rotateExpiring(notification: AuditNotification): Promise<RotateExpiringSummary>;
  rotations: Pick<RotationStore, "get">;
}

/**
 * An audit and what a stage does with its notification, in one call: the check runs, then
 * core's audit use case starts a rotation for each certificate it flagged (a device that fails
 * is left out, the others go on). Returns the rotations of the flagged devices, already
 * running ones included.
 */
export function createAuditExpiringCertificates(deps: AuditExpiringCertificatesDeps) {
  return async function auditExpiringCertificates(withinMs: number): Promise<RotationRecord[]> {
    const summary = await deps.rotateExpiring(await deps.auditor.runAudit(withinMs));
    const records = await Promise.all(
      [...summary.started, ...summary.alreadyActive].map(({ rotationId }) =>
        deps.rotations.get(rotationId),
      ),
    );
    return records.filter((record) => record !== null);
  };
}
