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

/** The offline buffer's database cannot be created or opened (permissions, disk, corruption). */
export class OfflineBufferError extends DeviceError {
  readonly file: string;
  constructor(message: string, fields: { file: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OfflineBufferError";
    this.file = fields.file;
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

/** No serial in the config and none of the hardware sources gave a valid one. */
export class SerialNotFoundError extends DeviceError {
  /** Each source tried (file path or `config serial`) and why it did not give a serial. */
  readonly tried: readonly { source: string; reason: string }[];
  constructor(
    fields: { tried: readonly { source: string; reason: string }[] },
    options?: { cause?: unknown },
  ) {
    const detail = fields.tried.map((t) => `${t.source}: ${t.reason}`).join("; ");
    super(
      `cannot determine the device serial (set "serial" in the config); tried ${detail}`,
      options,
    );
    this.name = "SerialNotFoundError";
    this.tried = fields.tried;
  }
}

/**
 * The device's own credentials on disk are unusable in a way provisioning must not paper
 * over (a certificate without its key, a certificate that does not match the key).
 */
export class CredentialsError extends DeviceError {
  readonly file: string;
  constructor(message: string, fields: { file: string }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CredentialsError";
    this.file = fields.file;
  }
}

/** Why one provisioning attempt failed; the attempt is retried after a backoff delay. */
export type ProvisioningStep = "connect" | "create-certificate" | "register-thing" | "store";

/** One provisioning attempt failed: refused connection, `/rejected` reply, timeout or bad reply. */
export class ProvisioningError extends DeviceError {
  readonly step: ProvisioningStep;
  constructor(message: string, fields: { step: ProvisioningStep }, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ProvisioningError";
    this.step = fields.step;
  }
}

/** AWS IoT answered a provisioning request on its `/rejected` topic. */
export class ProvisioningRejectedError extends ProvisioningError {
  readonly statusCode: number;
  readonly errorCode: string;
  readonly errorMessage: string;
  constructor(fields: {
    step: ProvisioningStep;
    statusCode: number;
    errorCode: string;
    errorMessage: string;
  }) {
    super(
      `${fields.step} rejected: ${fields.statusCode} ${fields.errorCode}: ${fields.errorMessage}`,
      { step: fields.step },
    );
    this.name = "ProvisioningRejectedError";
    this.statusCode = fields.statusCode;
    this.errorCode = fields.errorCode;
    this.errorMessage = fields.errorMessage;
  }
}

/** No `/accepted` or `/rejected` reply arrived in time. */
export class ProvisioningTimeoutError extends ProvisioningError {
  readonly timeoutMs: number;
  constructor(fields: { step: ProvisioningStep; timeoutMs: number }) {
    super(`${fields.step}: no reply within ${fields.timeoutMs} ms`, { step: fields.step });
    this.name = "ProvisioningTimeoutError";
    this.timeoutMs = fields.timeoutMs;
  }
}

/** No `/accepted` or `/rejected` reply arrived in time for a request on the thing's connection. */
export class ReplyTimeoutError extends DeviceError {
  readonly topic: string;
  readonly timeoutMs: number;
  constructor(fields: { topic: string; timeoutMs: number }) {
    super(`no reply to ${fields.topic} within ${fields.timeoutMs} ms`);
    this.name = "ReplyTimeoutError";
    this.topic = fields.topic;
    this.timeoutMs = fields.timeoutMs;
  }
}

/** AWS IoT Jobs refused an UpdateJobExecution (e.g. the job was canceled meanwhile). */
export class JobUpdateRejectedError extends DeviceError {
  readonly jobId: string;
  readonly code: string;
  constructor(fields: { jobId: string; code: string; message: string }) {
    super(`update of job ${fields.jobId} rejected: ${fields.code}: ${fields.message}`);
    this.name = "JobUpdateRejectedError";
    this.jobId = fields.jobId;
    this.code = fields.code;
  }
}

/** Steps of the device's side of certificate rotation, in order. */
export type RotationStep = "key" | "csr" | "verify" | "switch" | "commit" | "promote";

/**
 * A rotation failed at `step`; `errorCode` is reported in the job's FAILED statusDetails (the
 * backend's rejection code, or the device's own: `Timeout`, `CertificateMismatch`,
 * `NewCertificateRefused`, `DeviceError`).
 */
export class RotationError extends DeviceError {
  readonly step: RotationStep;
  readonly errorCode: string;
  constructor(
    message: string,
    fields: { step: RotationStep; errorCode: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RotationError";
    this.step = fields.step;
    this.errorCode = fields.errorCode;
  }
}

/** The local bus cannot start: its socket path is taken by something else or cannot be bound. */
export class LocalBusError extends DeviceError {
  readonly socketPath: string;
  constructor(message: string, fields: { socketPath: string }, options?: { cause?: unknown }) {
    const reason = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`${message}${reason}`, options);
    this.name = "LocalBusError";
    this.socketPath = fields.socketPath;
  }
}

/** The LED app did not answer an `led/set` on the local bus (not installed, not running). */
export class LedAppUnavailableError extends DeviceError {
  readonly timeoutMs: number;
  constructor(fields: { timeoutMs: number; stopped?: boolean }) {
    super(
      fields.stopped
        ? "LED bridge stopped before the LED app answered"
        : `the LED app did not answer within ${fields.timeoutMs} ms (is the led app installed and running?)`,
    );
    this.name = "LedAppUnavailableError";
    this.timeoutMs = fields.timeoutMs;
  }
}

/** A device setting could not take effect (e.g. no LED app answered); it stays persisted. */
export class SettingsError extends DeviceError {
  /** The setting: `telemetryIntervalMs` or `led`. */
  readonly setting: string;
  constructor(message: string, fields: { setting: string }, options?: { cause?: unknown }) {
    super(`${fields.setting}: ${message}`, options);
    this.name = "SettingsError";
    this.setting = fields.setting;
  }
}

/** The configured reboot command could not be run or exited non-zero. */
export class RebootError extends DeviceError {
  readonly command: readonly string[];
  constructor(
    message: string,
    fields: { command: readonly string[] },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RebootError";
    this.command = fields.command;
  }
}
