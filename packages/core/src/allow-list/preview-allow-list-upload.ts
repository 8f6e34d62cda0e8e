import { assertValidAllowList } from "./assert-valid-allow-list.ts";
import { type AllowListDiff, diffAllowList } from "./diff-allow-list.ts";
import { parseAllowList } from "./parse-allow-list.ts";
import type { AllowListDuplicate, ParsedAllowList } from "./parsed-allow-list.ts";
import { assertRevocationShare, type RevocationGuard } from "./revocation-guard.ts";

/** What an allow-list upload would change, worked out before anything is stored. */
export interface AllowListUploadPreview {
  format: ParsedAllowList["format"];
  /** Serials on the new list. */
  serials: number;
  /** Serials listed more than once: warnings, the list is a set. */
  duplicates: AllowListDuplicate[];
  /** The version the upload replaces; null when there is none. */
  currentVersion: string | null;
  /** Against the current list (all added when there is none, or it cannot be read). */
  diff: AllowListDiff;
}

/**
 * The first half of `fleet allowlist upload`, the same on every target:
 *  1. Parse and validate the bytes (InvalidAllowListError names the bad lines; an empty list
 *     needs `allowEmpty`; AllowListTooLargeError past the size limit). A bad list stops here,
 *     before the target is asked anything.
 *  2. Read the current list and diff the new one against it.
 *  3. With a `revocations` guard (every operator upload, the sandbox's API and the CLI to a
 *     stage), refuse a list that would revoke more than its share of the fleet unless
 *     confirmed (MassRevocationError). An empty list confirmed by `allowEmpty` is intended.
 */
export async function previewAllowListUpload(
  body: Uint8Array,
  options: { allowEmpty: boolean; source: string; revocations?: RevocationGuard | undefined },
  current: () => Promise<{ version: string | null; serials: ReadonlySet<string> } | null>,
): Promise<AllowListUploadPreview> {
  const parsed = await parseAllowList(
    (async function* () {
      yield body;
    })(),
    { size: body.byteLength },
  );
  assertValidAllowList(parsed, options);
  const replaced = await current();
  const diff = diffAllowList(replaced?.serials ?? new Set(), parsed.serials);
  if (options.revocations !== undefined && !(options.allowEmpty && parsed.serials.size === 0)) {
    assertRevocationShare(diff, options.revocations);
  }
  return {
    format: parsed.format,
    serials: parsed.serials.size,
    duplicates: parsed.duplicates,
    currentVersion: replaced?.version ?? null,
    diff,
  };
}
