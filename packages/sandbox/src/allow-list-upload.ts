import {
  type AllowListStore,
  type AllowListUploadPreview,
  type CurrentAllowList,
  previewAllowListUpload,
  type ReconcileSummary,
  type RevocationGuard,
} from "@fleet/core";

/** An upload's options: an empty list needs `allowEmpty`; an operator's is guarded. */
export interface AllowListUploadOptions {
  allowEmpty: boolean;
  /** The revocation guard of an operator's upload; none for the sandbox's own seeding. */
  revocations?: RevocationGuard | undefined;
}

export interface AllowListUploadResult extends AllowListUploadPreview {
  version: string;
  /** The reconcile the upload triggered, as the S3 notification does on a stage. */
  reconcile: ReconcileSummary;
}

/** Where the sandbox's allow-list lives, and what runs after an upload. */
export interface AllowListUploadDeps {
  store: AllowListStore;
  current(): Promise<CurrentAllowList>;
  reconcile(): Promise<ReconcileSummary>;
}

/**
 * What uploading the allow-list does in the sandbox (`PUT /v1/allowlist`):
 *  1. Parse, validate and diff it against the current list (`previewAllowListUpload`). Nothing
 *     is stored when it is invalid.
 *  2. Store the bytes as the new version, then reconcile the registry with it.
 */
export async function uploadAllowList(
  deps: AllowListUploadDeps,
  body: Uint8Array,
  options: AllowListUploadOptions,
): Promise<AllowListUploadResult> {
  const preview = await previewSandboxUpload(deps, body, options);
  // It passed the guard (or is the sandbox's own, unguarded): its removals are intended.
  const { version } = await deps.store.write(body, {
    allowEmpty: options.allowEmpty,
    revocationsConfirmed: true,
  });
  return { ...preview, version, reconcile: await deps.reconcile() };
}

/** Step 1 alone: what `fleet allowlist upload --dry-run` shows. */
export function previewSandboxUpload(
  deps: Pick<AllowListUploadDeps, "current">,
  body: Uint8Array,
  options: AllowListUploadOptions,
): Promise<AllowListUploadPreview> {
  return previewAllowListUpload(body, { ...options, source: "uploaded allow-list" }, async () => {
    try {
      return await deps.current();
    } catch {
      return null; // the stored list is invalid: everything in the new one is new
    }
  });
}
