import { DeviceError } from "../errors.ts";

/**
 * An application update could not be carried out; `message` is the reason the jobs agent
 * reports in the execution's FAILED statusDetails, so it names what was expected and found.
 */
export class AppUpdateError extends DeviceError {
  readonly app: string;
  readonly version: string;
  constructor(
    message: string,
    fields: { app: string; version: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "AppUpdateError";
    this.app = fields.app;
    this.version = fields.version;
  }
}

/** The artifact could not be fetched (HTTP status, network, timeout, larger than announced). */
export class ArtifactDownloadError extends AppUpdateError {
  readonly url: string;
  constructor(
    message: string,
    fields: { app: string; version: string; url: string },
    options?: { cause?: unknown },
  ) {
    super(message, fields, options);
    this.name = "ArtifactDownloadError";
    this.url = fields.url;
  }
}

/** The downloaded bytes are not the artifact the job names (size or SHA-256 differ). */
export class ArtifactIntegrityError extends AppUpdateError {
  readonly expected: string;
  readonly actual: string;
  constructor(
    message: string,
    fields: { app: string; version: string; expected: string; actual: string },
  ) {
    super(message, fields);
    this.name = "ArtifactIntegrityError";
    this.expected = fields.expected;
    this.actual = fields.actual;
  }
}

/** The artifact is not a well-formed app (unsafe entry, unreadable tarball, bad app.json). */
export class ArtifactContentError extends AppUpdateError {
  /** The tar entry or file at fault, when there is one. */
  readonly entry: string | undefined;
  constructor(
    message: string,
    fields: { app: string; version: string; entry?: string },
    options?: { cause?: unknown },
  ) {
    super(message, fields, options);
    this.name = "ArtifactContentError";
    this.entry = fields.entry;
  }
}

/**
 * The device does not trust the artifact: no signature, a signature that does not verify
 * with the release public key, or no usable release key to check it with. Raised before
 * anything is downloaded; `errorCode` goes into the FAILED execution's status details.
 */
export class ArtifactUntrustedError extends AppUpdateError {
  readonly errorCode:
    | "SignatureMissing"
    | "SignatureInvalid"
    | "ReleaseKeyMissing"
    | "ReleaseKeyUnreadable";
  constructor(
    message: string,
    fields: { app: string; version: string; errorCode: ArtifactUntrustedError["errorCode"] },
    options?: { cause?: unknown },
  ) {
    super(message, fields, options);
    this.name = "ArtifactUntrustedError";
    this.errorCode = fields.errorCode;
  }
}
