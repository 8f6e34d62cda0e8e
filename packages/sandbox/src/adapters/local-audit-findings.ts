import { randomUUID } from "node:crypto";
import {
  type AuditFindings,
  type DeviceRegistry,
  type ExpiringCertificateFinding,
  usableCertificates,
} from "@fleet/core";
import {
  AUDIT_CHECK_COMPLIANT,
  AUDIT_CHECK_NON_COMPLIANT,
  AUDIT_TASK_COMPLETED,
  type AuditNotification,
  EXPIRING_CERTIFICATE_CHECK,
} from "@fleet/core/contracts";

export interface LocalAuditFindingsOptions {
  /** Every thing of the registry: an audit covers the account, not one thing group. */
  thingNames(): Iterable<string>;
  registry: Pick<DeviceRegistry, "listCertificates">;
  /** The certificate the thing's live session connected with; undefined while offline. */
  connectedCertificateId(thingName: string): string | undefined;
  clock: () => Date;
}

/** Audit tasks whose findings are kept (Device Defender keeps them for 90 days). */
const KEPT_TASKS = 16;

/**
 * The sandbox's Device Defender: `runAudit` runs the expiring-certificate check
 * (DEVICE_CERTIFICATE_EXPIRING_CHECK) as an on-demand audit task and returns the notification
 * the stage's audit topic would carry; `expiringCertificates` (the `AuditFindings` port) lists
 * the task's findings, which core's `createRotateExpiringCertificates` turns into rotations.
 *
 * Where Device Defender flags every ACTIVE certificate close to expiry, the sandbox knows which
 * one a device connects with, and flags only the certificate in use: a connected thing's
 * session certificate when it expires soon (an expiring stray ACTIVE certificate is not
 * flagged in its place), an offline thing's soonest expiring one. A certificate that has
 * already expired is left out: no device connects with it to rotate it; it provisions again.
 */
export class LocalAuditFindings implements AuditFindings {
  readonly #options: LocalAuditFindingsOptions;
  readonly #tasks = new Map<string, ExpiringCertificateFinding[]>();

  constructor(options: LocalAuditFindingsOptions) {
    this.#options = options;
  }

  /** Runs the check for certificates expiring within `withinMs`; returns the task's summary. */
  async runAudit(withinMs: number): Promise<AuditNotification> {
    const { thingNames, registry, connectedCertificateId, clock } = this.#options;
    const now = clock();
    const horizon = now.getTime() + withinMs;
    const findings: ExpiringCertificateFinding[] = [];
    const things = [...thingNames()];
    for (const thingName of things) {
      const expiring = usableCertificates(await registry.listCertificates(thingName), now)
        .filter((certificate) => certificate.notAfter.getTime() <= horizon)
        .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime());
      const connected = connectedCertificateId(thingName);
      const flagged =
        connected === undefined
          ? expiring[0]
          : expiring.find((certificate) => certificate.certificateId === connected);
      if (flagged !== undefined) findings.push({ certificateId: flagged.certificateId });
    }
    const taskId = randomUUID();
    this.#keep(taskId, findings);
    return {
      taskId,
      taskStatus: AUDIT_TASK_COMPLETED,
      taskType: "ON_DEMAND_AUDIT_TASK",
      taskStartTime: now.getTime(),
      auditDetails: [
        {
          checkName: EXPIRING_CERTIFICATE_CHECK,
          checkRunStatus: findings.length === 0 ? AUDIT_CHECK_COMPLIANT : AUDIT_CHECK_NON_COMPLIANT,
          nonCompliantResourcesCount: findings.length,
          totalResourcesCount: things.length,
        },
      ],
    };
  }

  async *expiringCertificates(taskId: string): AsyncIterable<ExpiringCertificateFinding> {
    yield* this.#tasks.get(taskId) ?? [];
  }

  #keep(taskId: string, findings: ExpiringCertificateFinding[]): void {
    this.#tasks.set(taskId, findings);
    for (const oldest of this.#tasks.keys()) {
      if (this.#tasks.size <= KEPT_TASKS) break;
      this.#tasks.delete(oldest);
    }
  }
}
