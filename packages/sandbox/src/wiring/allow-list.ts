import { allowListModule, DEFAULT_MAX_REVOKE_PCT, type ReconcileSummary } from "@fleet/core";
import type { Logger } from "pino";
import {
  type AllowListUploadOptions,
  type AllowListUploadResult,
  uploadAllowList,
} from "../allow-list-upload.ts";
import type { DevicePorts } from "./device-ports.ts";

export interface SandboxAllowList {
  /** Removes devices no longer on the allow-list; one run at a time, like the stage's Lambda. */
  reconcile(): Promise<ReconcileSummary>;
  readAllowList(): Promise<{ version: string | null; serials: string[] }>;
  uploadAllowList(
    body: Uint8Array,
    options: AllowListUploadOptions,
  ): Promise<AllowListUploadResult>;
  /** The reconcile at start, which finishes one a previous run left half-way; logged. */
  reconcileAtStart(): Promise<void>;
  /** Resolves once the reconcile under way, if any, has finished. */
  settled(): Promise<void>;
}

/**
 * The allow-list's reconcile through core's allow-list module, over the same kind of ports as
 * the stage's reconcile function: the list's store, the registry, the CA's revoker, the ledger.
 */
export function wireAllowList(
  ports: DevicePorts,
  options: { clock: () => Date; logger: Logger },
): SandboxAllowList {
  const { reconcile: reconcileOnce } = allowListModule({
    allowList: ports.allowListStore,
    registry: ports.registry,
    revoker: ports.revoker,
    ledger: ports.ledger,
    clock: options.clock,
    logger: options.logger,
    maxRevokePct: DEFAULT_MAX_REVOKE_PCT,
  });
  let reconciling: Promise<unknown> = Promise.resolve();
  const reconcile = (): Promise<ReconcileSummary> => {
    const run = reconciling.then(reconcileOnce);
    reconciling = run.catch(() => {});
    return run;
  };
  return {
    reconcile,
    async readAllowList() {
      const { version, serials } = await ports.allowList.current();
      return { version, serials: [...serials].sort() };
    },
    uploadAllowList: (body, uploadOptions) =>
      uploadAllowList(
        { store: ports.allowListStore, current: () => ports.allowList.current(), reconcile },
        body,
        uploadOptions,
      ),
    async reconcileAtStart() {
      const summary = await reconcile();
      options.logger.info(
        {
          status: summary.status,
          removed: summary.removed.length,
          failures: summary.failures.length,
        },
        "start-up reconcile done",
      );
    },
    settled: async () => {
      await reconciling;
    },
  };
}
