import {
  type AllowListDiff,
  type AllowListStore,
  assertValidAllowList,
  diffAllowList,
  parseAllowList,
  type ReconcileSummary,
} from "@fleet/core";

export interface AllowListUploadResult {
  version: string;
  /** Against the list that was current before the upload (empty when none or invalid). */
  diff: AllowListDiff;
  /** The reconcile the upload triggered, as the S3 notification does on a stage. */
  reconcile: ReconcileSummary;
}

/**
 * What uploading the allow-list does in the sandbox (`PUT /v1/allowlist`):
 *  1. Parse and validate the bytes (InvalidAllowListError names the bad lines; an empty list
 *     needs `allowEmpty`; AllowListTooLargeError past the size limit). Nothing is stored then.
 *  2. Diff against the current list.
 *  3. Store the bytes as the new version, then reconcile the registry with it.
 */
export async function uploadAllowList(
  deps: {
    store: AllowListStore;
    current(): Promise<{ serials: ReadonlySet<string> }>;
    reconcile(): Promise<ReconcileSummary>;
  },
  body: Uint8Array,
  options: { allowEmpty: boolean },
): Promise<AllowListUploadResult> {
  const parsed = await parseAllowList(
    (async function* () {
      yield body;
    })(),
    { size: body.byteLength },
  );
  assertValidAllowList(parsed, { allowEmpty: options.allowEmpty, source: "uploaded allow-list" });
  let current: ReadonlySet<string>;
  try {
    current = (await deps.current()).serials;
  } catch {
    current = new Set(); // the stored list is invalid: everything in the new one is new
  }
  const diff = diffAllowList(current, parsed.serials);
  const { version } = await deps.store.write(body, { allowEmpty: options.allowEmpty });
  return { version, diff, reconcile: await deps.reconcile() };
}
