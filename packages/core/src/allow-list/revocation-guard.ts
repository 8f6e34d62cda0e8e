import { OperationConflictError } from "../contracts/operator-api/operator-errors.ts";
import type { AllowListDiff } from "./diff-allow-list.ts";

/** Percent of the current list an upload may remove without the operator's confirmation. */
export const DEFAULT_MAX_REVOKE_PCT = 10;
/**
 * Removals below this count never ask: on a fleet of a few devices any removal is a large share,
 * and a guard that always asks is soon confirmed without reading.
 */
export const GUARD_MIN_REMOVED = 3;

/** How an upload is guarded: the share it may revoke, and whether the operator confirmed more. */
export interface RevocationGuard {
  /** Default DEFAULT_MAX_REVOKE_PCT. */
  maxRevokePct?: number | undefined;
  /** `fleet allowlist upload --yes`: the removals are intended. */
  confirmed: boolean;
}

/** An upload that would revoke more of the fleet than the guard allows, unconfirmed (409). */
export class MassRevocationError extends OperationConflictError {
  readonly removed: number;
  readonly listed: number;
  readonly maxRevokePct: number;
  constructor(removed: number, listed: number, maxRevokePct: number) {
    const pct = Math.round((removed / listed) * 1000) / 10;
    super(
      `the new list removes ${removed} of ${listed} serials (${pct}%), more than ${maxRevokePct}% of the fleet: their devices would be revoked; confirm with --yes`,
    );
    this.name = "MassRevocationError";
    this.removed = removed;
    this.listed = listed;
    this.maxRevokePct = maxRevokePct;
  }
}

/**
 * Refuses a list that removes more than `maxRevokePct` percent of the current one (and at least
 * GUARD_MIN_REMOVED serials) unless confirmed: a truncated export or the wrong file would
 * otherwise revoke most of the fleet. Each removed serial's device is revoked by the reconcile.
 */
export function assertRevocationShare(diff: AllowListDiff, guard: RevocationGuard): void {
  const maxRevokePct = guard.maxRevokePct ?? DEFAULT_MAX_REVOKE_PCT;
  const listed = diff.removed + diff.unchanged;
  if (!guard.confirmed && exceedsRevocationShare(diff.removed, listed, maxRevokePct)) {
    throw new MassRevocationError(diff.removed, listed, maxRevokePct);
  }
}

/** Whether revoking `removed` of `total` is more than the guard lets through unconfirmed. */
export function exceedsRevocationShare(
  removed: number,
  total: number,
  maxRevokePct = DEFAULT_MAX_REVOKE_PCT,
): boolean {
  return total > 0 && removed >= GUARD_MIN_REMOVED && (removed / total) * 100 > maxRevokePct;
}
