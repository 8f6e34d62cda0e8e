import * as z from "zod";

/** The Device Defender audit check that flags device certificates close to expiry. */
export const EXPIRING_CERTIFICATE_CHECK = "DEVICE_CERTIFICATE_EXPIRING_CHECK";

/**
 * The same check under the name the audit-notification documentation still gives it; the
 * notification is read under either name, ListAuditFindings is asked with the API's name.
 */
export const LEGACY_EXPIRING_CERTIFICATE_CHECK = "DEVICE_CERT_APPROACHING_EXPIRATION_CHECK";

/** `taskStatus` of an audit that ran to its end (others: FAILED, CANCELED). */
export const AUDIT_TASK_COMPLETED = "COMPLETED";

/** `checkRunStatus` values of a check that ran to its end (others: FAILED, CANCELED, ...). */
export const AUDIT_CHECK_COMPLIANT = "COMPLETED_COMPLIANT";
export const AUDIT_CHECK_NON_COMPLIANT = "COMPLETED_NON_COMPLIANT";

// Statuses and check names stay plain strings: a value AWS adds later must not make the
// notification unreadable, the use case acts only on the values it knows.
export const AuditCheckDetailSchema = z.object({
  checkName: z.string().min(1),
  checkRunStatus: z.string().min(1),
  nonCompliantResourcesCount: z.number().int().nonnegative().optional(),
  totalResourcesCount: z.number().int().nonnegative().optional(),
  errorCode: z.string().optional(),
  message: z.string().optional(),
});
export type AuditCheckDetail = z.infer<typeof AuditCheckDetailSchema>;

/**
 * The summary Device Defender publishes to the audit SNS topic when an audit task ends (the SNS
 * record's `Message`, a JSON string). It names the task and each check's outcome, not the
 * findings themselves: those come from ListAuditFindings with the task id.
 */
export const AuditNotificationSchema = z.object({
  accountId: z.string().optional(),
  // The pattern AWS documents for audit task ids.
  taskId: z
    .string()
    .regex(/^[a-zA-Z0-9-]{1,40}$/, "expected an audit task id (1-40 letters, digits, '-')"),
  taskStatus: z.string().min(1),
  taskType: z.string().min(1),
  scheduledAuditName: z.string().optional(),
  taskStartTime: z.number().optional(),
  auditDetails: z.array(AuditCheckDetailSchema),
});
export type AuditNotification = z.infer<typeof AuditNotificationSchema>;

/** The expiring-certificate check's outcome in a notification, if the audit included it. */
export function expiringCertificateCheck(
  notification: AuditNotification,
): AuditCheckDetail | undefined {
  return notification.auditDetails.find(
    (detail) =>
      detail.checkName === EXPIRING_CERTIFICATE_CHECK ||
      detail.checkName === LEGACY_EXPIRING_CERTIFICATE_CHECK,
  );
}
