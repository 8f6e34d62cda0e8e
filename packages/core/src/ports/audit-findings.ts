/** One device certificate an audit found close to expiry. */
export interface ExpiringCertificateFinding {
  certificateId: string;
}

/** The findings of Device Defender audits (AWS IoT), limited to what rotation needs. */
export interface AuditFindings {
  /**
   * Certificates the audit task's expiring-certificate check flagged, every page of them.
   * Findings the operator suppressed are left out.
   */
  expiringCertificates(taskId: string): AsyncIterable<ExpiringCertificateFinding>;
}
