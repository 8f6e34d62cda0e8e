import { afterEach, describe, expect, it } from "vitest";
import type { AuditFindings, ExpiringCertificateFinding } from "../../src/ports/index.ts";

/** One adapter under test, with a way to have an audit task flag certificates. */
export interface AuditFindingsSubject {
  findings: AuditFindings;
  /**
   * An audit task whose expiring-certificate check flagged these certificates (ids of 64 hex
   * digits), each a different device's; returns the task id.
   */
  auditFlagging(certificateIds: string[]): Promise<string>;
  /** Releases what makeSubject opened (temp dirs, mocks). */
  close?(): Promise<void>;
}

async function collect(taskId: string, findings: AuditFindings): Promise<string[]> {
  const out: ExpiringCertificateFinding[] = [];
  for await (const finding of findings.expiringCertificates(taskId)) out.push(finding);
  return out.map((finding) => finding.certificateId).sort();
}

/** The AuditFindings contract: a task's expiring-certificate findings, every one of them. */
export function describeAuditFindings(
  name: string,
  makeSubject: () => Promise<AuditFindingsSubject>,
): void {
  describe(`AuditFindings contract: ${name}`, () => {
    let opened: AuditFindingsSubject | undefined;
    async function subject(): Promise<AuditFindingsSubject> {
      opened = await makeSubject();
      return opened;
    }
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    it("lists every certificate the task's check flagged", async () => {
      const s = await subject();
      const flagged = ["a1", "b2", "c3"].map((pair) => pair.repeat(32));
      const taskId = await s.auditFlagging(flagged);
      expect(await collect(taskId, s.findings)).toEqual(flagged);
    });

    it("lists nothing for a task whose check flagged nothing", async () => {
      const s = await subject();
      const taskId = await s.auditFlagging([]);
      expect(await collect(taskId, s.findings)).toEqual([]);
    });
  });
}
