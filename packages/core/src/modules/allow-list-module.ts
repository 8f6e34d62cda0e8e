import type { CertificateRevoker } from "../ports/certificate-revoker.ts";
import {
  createReconcileAllowList,
  type ReconcileAllowListDeps,
} from "../use-cases/reconcile-allow-list.ts";
import { lazyMembers } from "./lazy-members.ts";

/** What the allow-list's reconcile runs on: the list's store, the registry, the CA, the ledger. */
export interface AllowListPorts extends ReconcileAllowListDeps {
  /**
   * The private CA that issued device certificates: a removed device's certificates are
   * revoked there too (its revocation list), as well as in the registry. Both the stage's
   * function and the sandbox pass one.
   */
  revoker: CertificateRevoker;
  clock: () => Date;
}

export interface AllowListModule {
  /** Removes the devices no longer on the allow-list (`createReconcileAllowList`). */
  readonly reconcile: ReturnType<typeof createReconcileAllowList>;
}

/** The allow-list's reconcile, wired once for a stage and the sandbox. */
export function allowListModule(ports: AllowListPorts): AllowListModule {
  return lazyMembers<AllowListModule>({
    // Spread: every port is read now, so a lazy bundle builds (and checks) them up front.
    reconcile: () => createReconcileAllowList({ ...ports }),
  });
}
