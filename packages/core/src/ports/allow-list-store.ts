/** One stored version of the operator's allow-list, exactly as uploaded. */
export interface StoredAllowList {
  /** Opaque version id (S3 VersionId; in the sandbox a content hash). */
  version: string;
  /** The uploaded bytes, streamed: a list of 1,000,000 serials is never held as one string. */
  body: AsyncIterable<Uint8Array>;
  /** Size in bytes, when the store knows it before reading (checked against the size limit). */
  size: number | null;
  /**
   * The uploader confirmed that an empty list is intended (it revokes every device). Stored
   * with the object (S3 metadata `allow-empty: true`), so an accidental empty upload is inert.
   */
  allowEmpty: boolean;
  /**
   * The upload passed the revocation guard (`fleet allowlist upload`, confirmed or within its
   * share). Stored with the object (S3 metadata `revocations-confirmed: true`); a list put
   * into the bucket by other means lacks it, and its reconcile is guarded. Absent: false.
   */
  revocationsConfirmed?: boolean;
}

/** Where the allow-list lives: the stage's S3 bucket, or a file in the sandbox state dir. */
export interface AllowListStore {
  /** The current version, or null when no list was ever uploaded. */
  read(): Promise<StoredAllowList | null>;
  /** Stores a new current version. */
  write(body: Uint8Array, options: AllowListWriteOptions): Promise<{ version: string }>;
}

export interface AllowListWriteOptions {
  allowEmpty: boolean;
  /** Default false. */
  revocationsConfirmed?: boolean;
}
