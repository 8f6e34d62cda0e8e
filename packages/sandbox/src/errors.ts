import { ACCEPTED_DEVICE_KEYS } from "@fleet/core";
import type { JobExecutionState, JobsErrorCode } from "@fleet/core/contracts";

/** Base of every error the sandbox raises; subclasses carry structured fields for mapping. */
export class SandboxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SandboxError";
  }
}

export type RegistryResourceType =
  | "thing"
  | "certificate"
  | "policy"
  | "thing-group"
  | "job"
  | "job-execution";

/** A thing, certificate or policy that the registry does not hold (AWS ResourceNotFoundException). */
export class ResourceNotFoundError extends SandboxError {
  readonly resourceType: RegistryResourceType;
  readonly resourceId: string;
  constructor(
    resourceType: RegistryResourceType,
    resourceId: string,
    options?: { cause?: unknown },
  ) {
    super(`${resourceType} ${resourceId} does not exist`, options);
    this.name = "ResourceNotFoundError";
    this.resourceType = resourceType;
    this.resourceId = resourceId;
  }
}

/** Creating a resource whose id is taken (AWS ResourceAlreadyExistsException). */
export class ResourceAlreadyExistsError extends SandboxError {
  readonly resourceType: RegistryResourceType;
  readonly resourceId: string;
  constructor(
    resourceType: RegistryResourceType,
    resourceId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${resourceType} ${resourceId} already exists: ${detail}`, options);
    this.name = "ResourceAlreadyExistsError";
    this.resourceType = resourceType;
    this.resourceId = resourceId;
  }
}

/** A request the registry refuses as malformed (AWS InvalidRequestException). */
export class InvalidRequestError extends SandboxError {
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`invalid ${field}: ${message}`, options);
    this.name = "InvalidRequestError";
    this.field = field;
  }
}

/** A certificate status change AWS IoT refuses, e.g. leaving REVOKED (AWS CertificateStateException). */
export class CertificateStateError extends SandboxError {
  readonly certificateId: string;
  readonly status: string;
  constructor(
    certificateId: string,
    status: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`certificate ${certificateId} is ${status}: ${message}`, options);
    this.name = "CertificateStateError";
    this.certificateId = certificateId;
    this.status = status;
  }
}

/** A certificate signing request that cannot be parsed or whose signature does not verify. */
export class InvalidCsrError extends SandboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(`invalid certificate signing request: ${message}`, options);
    this.name = "InvalidCsrError";
  }
}

/** A public key the local CA will not certify (only EC P-256 and RSA >= 2048 bits are accepted). */
export class UnsupportedKeyError extends SandboxError {
  readonly keyType: string;
  constructor(keyType: string, message: string, options?: { cause?: unknown }) {
    super(`unsupported ${keyType} key: ${message} (expected ${ACCEPTED_DEVICE_KEYS})`, options);
    this.name = "UnsupportedKeyError";
    this.keyType = keyType;
  }
}

/** A file in the state directory that exists but cannot be used as it is. */
export class StateFileError extends SandboxError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options);
    this.name = "StateFileError";
    this.path = path;
  }
}

/**
 * Why the broker refused an MQTT CONNECT. aedes sends the CONNACK return code it finds in
 * `returnCode`: 5 is "Connection Refused, not authorized" in MQTT 3.1.1.
 */
export class ConnectionRefusedError extends SandboxError {
  readonly returnCode = 5;
  readonly clientId: string;
  readonly certificateId: string | undefined;
  constructor(
    clientId: string,
    certificateId: string | undefined,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
    this.name = "ConnectionRefusedError";
    this.clientId = clientId;
    this.certificateId = certificateId;
  }
}

/**
 * A CONNECT over AWS IoT's "connect requests per second per client ID": the broker closes the
 * connection without a CONNACK, as AWS IoT Core hangs up.
 */
export class ConnectThrottledError extends SandboxError {
  readonly clientId: string;
  constructor(clientId: string, reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "ConnectThrottledError";
    this.clientId = clientId;
  }
}

/**
 * A CONNECT whose client id breaks MQTT 3.1.1's string rules or AWS's "Client ID size":
 * `returnCode` 2 is "Connection Refused, identifier rejected" (MQTT 3.1.1 3.2.2.3).
 */
export class ClientIdRejectedError extends SandboxError {
  readonly returnCode = 2;
  readonly clientId: string;
  constructor(clientId: string, reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "ClientIdRejectedError";
    this.clientId = clientId;
  }
}

/** An MQTT packet longer than the broker reads, refused from its fixed header. */
export class PacketTooLargeError extends SandboxError {
  readonly packetType: string;
  readonly bytes: number;
  readonly maxBytes: number;
  constructor(packetType: string, bytes: number, maxBytes: number, options?: { cause?: unknown }) {
    super(
      `PAYLOAD_LIMIT_EXCEEDED: ${packetType} packet of ${bytes} bytes exceeds ${maxBytes} (AWS IoT Core quota "Message size", 128 KB payload); refused before reading it`,
      options,
    );
    this.name = "PacketTooLargeError";
    this.packetType = packetType;
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
}

/**
 * Deleting a resource that something still references: a certificate with policies or things
 * attached, a thing with principals attached (AWS DeleteConflictException).
 */
export class DeleteConflictError extends SandboxError {
  readonly resourceType: RegistryResourceType;
  readonly resourceId: string;
  constructor(
    resourceType: RegistryResourceType,
    resourceId: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${resourceType} ${resourceId} cannot be deleted: ${detail}`, options);
    this.name = "DeleteConflictError";
    this.resourceType = resourceType;
    this.resourceId = resourceId;
  }
}

/** A provisioning template body the sandbox cannot apply (unknown resource, missing parameter). */
export class ProvisioningTemplateError extends SandboxError {
  readonly resource: string;
  constructor(resource: string, message: string, options?: { cause?: unknown }) {
    super(`provisioning template resource ${resource}: ${message}`, options);
    this.name = "ProvisioningTemplateError";
    this.resource = resource;
  }
}

/**
 * A Jobs device API request refused with one of the AWS error codes (`/rejected` payload).
 * `executionState` is the current state, sent with InvalidStateTransition and VersionMismatch.
 */
export class JobsRequestRejectedError extends SandboxError {
  readonly code: JobsErrorCode;
  readonly executionState: JobExecutionState | undefined;
  constructor(
    code: JobsErrorCode,
    message: string,
    executionState?: JobExecutionState,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "JobsRequestRejectedError";
    this.code = code;
    this.executionState = executionState;
  }
}

/**
 * A stored job document the sandbox cannot prepare for a device (e.g. a presigned-URL
 * placeholder it cannot sign). The Jobs API fails that execution with `reason` rather than
 * answering InternalError, so one bad job never blocks the thing's queue.
 */
export class UndeliverableJobDocumentError extends SandboxError {
  readonly jobId: string;
  readonly reason: string;
  constructor(jobId: string, reason: string, options?: { cause?: unknown }) {
    super(`job ${jobId}: the job document cannot be delivered: ${reason}`, options);
    this.name = "UndeliverableJobDocumentError";
    this.jobId = jobId;
    this.reason = reason;
  }
}

/**
 * A Device Shadow request refused as AWS refuses it (`/rejected` payload): `code` is the HTTP
 * status AWS uses (400 bad request, 403 forbidden, 404 no shadow, 409 version conflict, 413
 * payload too large).
 */
export class ShadowRequestRejectedError extends SandboxError {
  readonly code: number;
  constructor(code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ShadowRequestRejectedError";
    this.code = code;
  }
}

/** A device did not answer a command within the wait (the API answers 504). */
export class CommandTimeoutError extends SandboxError {
  readonly thingName: string;
  readonly command: string;
  readonly timeoutMs: number;
  constructor(thingName: string, command: string, timeoutMs: number) {
    super(`${thingName} did not answer command ${command} within ${timeoutMs} ms`);
    this.name = "CommandTimeoutError";
    this.thingName = thingName;
    this.command = command;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A request the sandbox API refuses before any route runs (`http-api/request-guard.ts`);
 * `status` is the HTTP status it answers with.
 */
export class ApiRequestRefusedError extends SandboxError {
  readonly status: 401 | 403 | 415 | 421;
  constructor(status: 401 | 403 | 415 | 421, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ApiRequestRefusedError";
    this.status = status;
  }
}

/** No bearer token, or not this run's (401). */
export class ApiTokenError extends ApiRequestRefusedError {
  readonly tokenGiven: boolean;
  constructor(
    tokenGiven: boolean,
    message = tokenGiven
      ? "wrong bearer token: each sandbox run has its own, read it again from sandbox.json"
      : "missing bearer token: send Authorization: Bearer <token from sandbox.json>",
  ) {
    super(401, message);
    this.name = "ApiTokenError";
    this.tokenGiven = tokenGiven;
  }
}

/**
 * A console request (no bearer token) without this run's session cookie, or with a launch URL
 * whose token is not this run's (401): the browser has to open the URL this start printed.
 */
export class ConsoleSessionError extends ApiTokenError {
  constructor(tokenGiven: boolean) {
    super(
      tokenGiven,
      tokenGiven
        ? "wrong console token: each sandbox run prints its own console URL; open the latest"
        : "no console session: open the console URL `fleet sandbox` printed at start",
    );
    this.name = "ConsoleSessionError";
  }
}

/**
 * A request carrying the console's cookie that a browser marks as sent from another page
 * (`Sec-Fetch-Site` same-site or cross-site), e.g. a page on another loopback port: cookies do
 * not tell ports apart, so SameSite alone would let it through (403).
 */
export class CrossSiteRequestError extends ApiRequestRefusedError {
  readonly fetchSite: string;
  constructor(fetchSite: string) {
    super(
      403,
      `console requests must come from the console's own page (Sec-Fetch-Site ${fetchSite})`,
    );
    this.name = "CrossSiteRequestError";
    this.fetchSite = fetchSite;
  }
}

/** A request from a web page (it carries `Origin`) that is not one the sandbox serves (403). */
export class ForeignOriginError extends ApiRequestRefusedError {
  readonly origin: string;
  constructor(origin: string) {
    super(403, `requests from web pages are refused (Origin ${origin})`);
    this.name = "ForeignOriginError";
    this.origin = origin;
  }
}

/** A body whose declared type is not the one the API takes, e.g. a form's text/plain (415). */
export class UnsupportedContentTypeError extends ApiRequestRefusedError {
  readonly contentType: string | null;
  readonly expected: string;
  constructor(contentType: string | null, expected: string) {
    super(415, `the body must be sent as ${expected} (got ${contentType ?? "no content type"})`);
    this.name = "UnsupportedContentTypeError";
    this.contentType = contentType;
    this.expected = expected;
  }
}

/** A `Host` that is not a loopback name with the API's port: a DNS rebinding attempt (421). */
export class MisdirectedHostError extends ApiRequestRefusedError {
  readonly host: string | null;
  constructor(host: string | null) {
    super(
      421,
      `the API answers only to localhost, 127.0.0.1 or [::1] with its port (Host ${host ?? "missing"})`,
    );
    this.name = "MisdirectedHostError";
    this.host = host;
  }
}
