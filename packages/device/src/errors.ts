/** Base of every error the device client raises; subclasses carry structured fields. */
export class DeviceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DeviceError";
  }
}

/** One problem found in a config file: the field's dotted path and what was expected. */
export interface ConfigIssue {
  /** Dotted path of the failing field (`endpoint.port`); empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

/** The device config file cannot be read, is not JSON, or does not match the schema. */
export class DeviceConfigError extends DeviceError {
  readonly file: string;
  readonly issues: readonly ConfigIssue[];
  constructor(
    message: string,
    fields: { file: string; issues?: readonly ConfigIssue[] },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "DeviceConfigError";
    this.file = fields.file;
    this.issues = fields.issues ?? [];
  }
}

/** A TLS file named by the config (CA, certificate or private key) cannot be read. */
export class TlsMaterialError extends DeviceError {
  /** Config field that names the file (`tls.keyFile`). */
  readonly field: string;
  readonly file: string;
  constructor(fields: { field: string; file: string }, options?: { cause?: unknown }) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`cannot read ${fields.field} ${fields.file}${reason}`, options);
    this.name = "TlsMaterialError";
    this.field = fields.field;
    this.file = fields.file;
  }
}

/** A lifecycle transition the state machine does not allow (a bug, never a network event). */
export class InvalidStateTransitionError extends DeviceError {
  readonly from: string;
  readonly to: string;
  constructor(fields: { from: string; to: string }) {
    super(`invalid connection state transition ${fields.from} -> ${fields.to}`);
    this.name = "InvalidStateTransitionError";
    this.from = fields.from;
    this.to = fields.to;
  }
}

/** A publish was attempted while no MQTT connection is up. */
export class NotConnectedError extends DeviceError {
  readonly topic: string;
  constructor(fields: { topic: string }) {
    super(`not connected: cannot publish to ${fields.topic}`);
    this.name = "NotConnectedError";
    this.topic = fields.topic;
  }
}
