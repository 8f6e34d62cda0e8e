import { FleetError } from "../errors.ts";

/** A thing already has a rotation in progress: never two rotations per device. */
export class RotationAlreadyActiveError extends FleetError {
  readonly thingName: string;

  constructor(message: string, options: { thingName: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "RotationAlreadyActiveError";
    this.thingName = options.thingName;
  }
}

/** A rotation update lost its compare-and-set: the record is unknown or at another step. */
export class RotationStepConflictError extends FleetError {
  readonly rotationId: string;
  readonly expectedStep: string;

  constructor(
    message: string,
    options: { rotationId: string; expectedStep: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "RotationStepConflictError";
    this.rotationId = options.rotationId;
    this.expectedStep = options.expectedStep;
  }
}

/** A rotation was asked for a thing that has no ACTIVE certificate (unknown or disabled). */
export class NoActiveCertificateError extends FleetError {
  readonly thingName: string;

  constructor(message: string, options: { thingName: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "NoActiveCertificateError";
    this.thingName = options.thingName;
  }
}

/**
 * A rotation was asked for a thing with several ACTIVE certificates and no word on which one
 * the device connects with: rotating a guess could retire the device's own certificate and keep
 * another holder's. A kind of `NoActiveCertificateError`: no single certificate to rotate.
 */
export class SeveralActiveCertificatesError extends NoActiveCertificateError {
  readonly certificateIds: readonly string[];

  constructor(
    message: string,
    options: { thingName: string; certificateIds: readonly string[]; cause?: unknown },
  ) {
    super(message, options);
    this.name = "SeveralActiveCertificatesError";
    this.certificateIds = options.certificateIds;
  }
}
