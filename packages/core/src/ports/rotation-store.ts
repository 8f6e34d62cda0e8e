/**
 * Where a rotation is: `requested` (job sent, no certificate yet), `issued` (new certificate
 * registered and sent), `committed` (device moved to the new one, old one revoked), and the
 * ends without a commit: `timed-out` (deadline passed) or `failed`.
 */
export type RotationStep = "requested" | "issued" | "committed" | "timed-out" | "failed";

/** Steps of a rotation still in progress: at most one per thing. */
export const ACTIVE_ROTATION_STEPS: readonly RotationStep[] = ["requested", "issued"];

/** One certificate rotation of one device. */
export interface RotationRecord {
  rotationId: string;
  thingName: string;
  serial?: string;
  /** The certificate the device connected with when the rotation started. */
  oldCertificateId: string;
  /** Set at `issued`. */
  newCertificateId: string | null;
  /** The IoT job driving the device, set once it is created (the sweeper cancels it). */
  jobId: string | null;
  step: RotationStep;
  /** Why it ended without a commit (`timed-out`, `failed`); null otherwise. */
  reason: string | null;
  /** ISO 8601 timestamps. */
  startedAt: string;
  updatedAt: string;
  deadline: string;
}

/** Fields an update may change; the rest of a record never changes once created. */
export type RotationPatch = Partial<
  Pick<RotationRecord, "newCertificateId" | "jobId" | "step" | "reason" | "updatedAt">
>;

export interface RotationListOptions {
  thingName?: string;
  /** Most records returned. Default: all. */
  limit?: number;
}

/**
 * The rotations of one stage (DynamoDB, or the sandbox's memory/file). Writes are
 * conditional, so two backends racing on the same device cannot both win.
 */
export interface RotationStore {
  /** Throws `RotationAlreadyActiveError` when the thing already has an active rotation. */
  create(record: RotationRecord): Promise<void>;
  get(rotationId: string): Promise<RotationRecord | null>;
  /** The thing's rotation in `requested` or `issued`, if any. */
  activeFor(thingName: string): Promise<RotationRecord | null>;
  /**
   * Applies the patch only while the record is at `expectedStep` (compare-and-set) and returns
   * the updated record; throws `RotationStepConflictError` otherwise, or when it is unknown.
   * Leaving the active steps frees the thing for its next rotation.
   */
  update(
    rotationId: string,
    patch: RotationPatch,
    expectedStep: RotationStep,
  ): Promise<RotationRecord>;
  /** Every active rotation (for the sweeper). */
  listActive(): AsyncIterable<RotationRecord>;
  /** Rotations, newest `startedAt` first. */
  list(options?: RotationListOptions): Promise<RotationRecord[]>;
}
