/** What happened to a serial that has no thing (any more): operators read it in `fleet devices`. */
export type LedgerOutcome = "denied" | "revoked";

export interface LedgerEntry {
  serial: string;
  outcome: LedgerOutcome;
  /** Why: the hook's refusal, or the reconcile that removed the device. */
  reason: string;
  /** ISO 8601. */
  at: string;
}

/**
 * A small record of provisioning refusals and revocations per serial (DynamoDB on a stage, a
 * JSON file in the sandbox). The registry cannot hold these: a denied or revoked device has no
 * thing. A successful provisioning clears the serial's entry.
 */
export interface DeviceLedger {
  record(entry: LedgerEntry): Promise<void>;
  clear(serial: string): Promise<void>;
  list(): AsyncIterable<LedgerEntry>;
}
