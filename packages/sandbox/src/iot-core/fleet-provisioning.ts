import { randomBytes } from "node:crypto";
import { CsrRefusedError, type SignProvisioningCsr } from "@fleet/core";
import {
  CREATE_CERTIFICATE_FROM_CSR_TOPIC,
  type CreateCertificateFromCsrAccepted,
  CreateCertificateFromCsrRequestSchema,
  matchRegisterThingTopic,
  type PreProvisioningHookEvent,
  type ProvisioningErrorResponse,
  parseJsonPayload,
  type RegisterThingAccepted,
  RegisterThingRequestSchema,
} from "@fleet/core/contracts";
import type { Logger } from "pino";
import * as z from "zod";
import { ProvisioningTemplateError } from "../errors.ts";
import {
  applyProvisioningTemplate,
  type ProvisioningTemplate,
} from "./apply-provisioning-template.ts";
import type { BrokerService, ServiceReply, ServiceRequest } from "./broker-service.ts";
import {
  type ClaimRequestQuota,
  ClaimThrottle,
  DEFAULT_CLAIM_REQUEST_QUOTA,
} from "./claim-throttle.ts";
import type { IotRegistry } from "./registry.ts";
import { registryArn } from "./sandbox-scope.ts";

export interface FleetProvisioningOptions {
  registry: IotRegistry;
  /**
   * Signs CreateCertificateFromCsr's CSR: core's `createSignProvisioningCsr` over the sandbox's
   * CA, the use case a stage's certificate provider runs over ACM Private CA.
   */
  signCsr: SignProvisioningCsr;
  /** The one provisioning template the sandbox offers, by name. */
  templateName: string;
  templateBody: ProvisioningTemplate;
  /** The template's pre-provisioning hook; a rejection (thrown error) denies, as in AWS. */
  preProvisioningHook(
    event: PreProvisioningHookEvent,
  ): Promise<{ allowProvisioning: boolean; reason?: string }>;
  logger: Logger;
  /** Default `() => new Date()`. */
  clock?: () => Date;
  /** Requests per claim client id (both operations). Default `DEFAULT_CLAIM_REQUEST_QUOTA`. */
  claimRequestQuota?: ClaimRequestQuota;
}

/** "The certificate ownership token expires after one hour" (developer guide, fleet-provision-api). */
const OWNERSHIP_TOKEN_TTL_MS = 3600 * 1000;
/**
 * A refusal sent on `/rejected`. AWS does not publish a table of these codes; the sandbox uses
 * what AWS IoT is seen to send and what the SDKs model:
 * - 400: the payload or the CSR is invalid (the FreeRTOS provisioning library maps 400 to
 *   "Invalid Certificate-Signing Request"; aws-iot-device-sdk-embedded-C
 *   aws_iot_provisioning_types.h);
 * - 400 `InvalidCertificateOwnershipToken`, e.g. "Certificate ownership token cannot be empty."
 *   (observed, github.com/aws/aws-iot-device-sdk-js-v2/issues/69);
 * - 403: the pre-provisioning hook denied or failed: "If the Lambda function fails, the
 *   provisioning request fails with ACCESS_DENIED" (developer guide, "Pre-provisioning hooks");
 * - 404: the template does not exist (FreeRTOS: "Template ID not found");
 * - 429 `ThrottlingException`: the claim client is over its request quota. AWS documents no
 *   throttled reply for this API (a user hitting RegisterThing's account rate saw no reply and
 *   what looked like a closed connection: aws-iot-device-sdk-python-v2 issue 232); 429 and
 *   ThrottlingException are what AWS IoT's other APIs answer when throttled ("Rate exceeded").
 *   The device retries after a backoff on any `/rejected`, a timeout or a lost connection;
 * - 500: an internal failure.
 * AWS's denial message is generic; the sandbox adds the hook's reason to errorMessage, since
 * the device's log is where a developer looks first.
 */
class ProvisioningRejection extends Error {
  readonly response: ProvisioningErrorResponse;
  constructor(statusCode: number, errorCode: string, errorMessage: string) {
    super(errorMessage);
    this.name = "ProvisioningRejection";
    this.response = { statusCode, errorCode, errorMessage };
  }
}

interface OwnershipToken {
  certificateId: string;
  expiresAt: number;
}

/**
 * The AWS IoT fleet provisioning MQTT API (JSON payloads) for one template:
 * - CreateCertificateFromCsr: have the CSR signed (a valid serial as subject CN, a strong key:
 *   core's use case, as a stage's certificate provider does), register the certificate
 *   PENDING_ACTIVATION, and hand out an ownership token bound to it that expires after an hour.
 * - RegisterThing: check the token, call the pre-provisioning hook with the event AWS sends,
 *   then apply the template (thing, attributes, group, certificate ACTIVE, policy, attachment).
 * Tokens live in memory: after a sandbox restart a device starts over with a new CSR.
 *
 * Unfinished provisioning leaves nothing behind: as AWS documents ("If the certificate created
 * by CreateCertificateFromCsr isn't activated and hasn't been attached to a policy or a thing
 * by the time the token expires, the certificate is deleted", developer guide,
 * fleet-provision-api), a PENDING_ACTIVATION certificate whose token expired is deleted, on
 * the next request and on `expireUnclaimedCertificates` (the sandbox's periodic sweep). Each
 * claim client id is held to `claimRequestQuota`.
 */
export class FleetProvisioning implements BrokerService {
  readonly #options: FleetProvisioningOptions;
  readonly #clock: () => Date;
  readonly #tokens = new Map<string, OwnershipToken>();
  readonly #throttle: ClaimThrottle;
  #sweep: Promise<string[]> | undefined;

  constructor(options: FleetProvisioningOptions) {
    this.#options = options;
    this.#clock = options.clock ?? (() => new Date());
    this.#throttle = new ClaimThrottle(options.claimRequestQuota ?? DEFAULT_CLAIM_REQUEST_QUOTA);
  }

  handles(topic: string): boolean {
    return (
      topic === CREATE_CERTIFICATE_FROM_CSR_TOPIC || matchRegisterThingTopic(topic) !== undefined
    );
  }

  async handle(request: ServiceRequest): Promise<ServiceReply | undefined> {
    const { logger } = this.#options;
    const fields = { clientId: request.clientId, topic: request.topic };
    try {
      if (!this.#throttle.take(request.clientId, this.#clock().getTime())) {
        throw new ProvisioningRejection(
          429,
          "ThrottlingException",
          `Rate exceeded: claim client ${request.clientId} is over its provisioning request quota; retry after a backoff.`,
        );
      }
      await this.expireUnclaimedCertificates();
      const accepted =
        request.topic === CREATE_CERTIFICATE_FROM_CSR_TOPIC
          ? await this.#createCertificateFromCsr(request)
          : await this.#registerThing(request);
      return { topic: `${request.topic}/accepted`, payload: accepted };
    } catch (error) {
      const rejection = asRejection(error);
      if (rejection.response.statusCode >= 500) {
        logger.error({ ...fields, err: error }, "provisioning request failed");
      } else {
        logger.info({ ...fields, ...rejection.response }, "provisioning request rejected");
      }
      return { topic: `${request.topic}/rejected`, payload: rejection.response };
    }
  }

  async #createCertificateFromCsr(
    request: ServiceRequest,
  ): Promise<CreateCertificateFromCsrAccepted> {
    const json = parseJson(request.payload, request.topic);
    const raw = (json as { certificateSigningRequest?: unknown } | null)?.certificateSigningRequest;
    if (typeof raw !== "string") {
      throw new ProvisioningRejection(
        400,
        "InvalidPayload",
        "certificateSigningRequest is required and must be a string.",
      );
    }
    const parsed = CreateCertificateFromCsrRequestSchema.safeParse(json);
    if (!parsed.success) {
      throw new ProvisioningRejection(400, "InvalidCSR", z.prettifyError(parsed.error));
    }
    const { certificateSigningRequest } = parsed.data;
    const { registry, signCsr, logger } = this.#options;
    const { certificatePem } = await signCsr({
      certificateSigningRequest,
      clientId: request.clientId,
    });
    const { certificateId } = await registry.registerCertificate({
      certificatePem,
      status: "PENDING_ACTIVATION",
    });
    const now = this.#clock().getTime();
    const token = randomBytes(48).toString("base64");
    this.#tokens.set(token, { certificateId, expiresAt: now + OWNERSHIP_TOKEN_TTL_MS });
    logger.info(
      { clientId: request.clientId, certificateId },
      "certificate created from CSR (PENDING_ACTIVATION)",
    );
    return { certificateId, certificatePem, certificateOwnershipToken: token };
  }

  async #registerThing(request: ServiceRequest): Promise<RegisterThingAccepted> {
    const { registry, templateName, templateBody, logger } = this.#options;
    const requested = matchRegisterThingTopic(request.topic)?.templateName;
    if (requested !== templateName) {
      throw new ProvisioningRejection(404, "ResourceNotFound", `Template ${requested} not found`);
    }
    const json = parseJson(request.payload, request.topic);
    const rawToken = (json as { certificateOwnershipToken?: unknown } | null)
      ?.certificateOwnershipToken;
    if (rawToken === undefined || rawToken === "") {
      throw new ProvisioningRejection(
        400,
        "InvalidCertificateOwnershipToken",
        "Certificate ownership token cannot be empty.",
      );
    }
    const { certificateOwnershipToken, parameters = {} } = validate(
      RegisterThingRequestSchema,
      json,
    );

    const token = this.#tokens.get(certificateOwnershipToken);
    const certificate = token && registry.findCertificate(token.certificateId);
    if (token === undefined || certificate === undefined) {
      throw new ProvisioningRejection(
        400,
        "InvalidCertificateOwnershipToken",
        "Certificate ownership token is invalid or has expired.",
      );
    }

    const event: PreProvisioningHookEvent = {
      claimCertificateId: request.certificateId,
      certificateId: certificate.certificateId,
      certificatePem: certificate.certificatePem,
      templateArn: registryArn("provisioningtemplate", templateName),
      clientId: request.clientId,
      parameters,
    };
    let decision: { allowProvisioning: boolean; reason?: string };
    try {
      decision = await this.#options.preProvisioningHook(event);
    } catch (error) {
      logger.warn({ clientId: request.clientId, err: error }, "pre-provisioning hook failed");
      decision = { allowProvisioning: false, reason: "the pre-provisioning hook failed" };
    }
    if (!decision.allowProvisioning) {
      throw new ProvisioningRejection(
        403,
        "AccessDenied",
        `Failed provisioning due to pre-provisioning hook denial${decision.reason === undefined ? "" : `: ${decision.reason}`}`,
      );
    }

    const { thingName } = await applyProvisioningTemplate(registry, templateBody, {
      certificateId: certificate.certificateId,
      parameters,
    });
    if (thingName === undefined) {
      throw new ProvisioningTemplateError("Resources", "the template creates no thing");
    }
    this.#tokens.delete(certificateOwnershipToken);
    logger.info(
      { clientId: request.clientId, thingName, certificateId: certificate.certificateId },
      "thing provisioned",
    );
    return { thingName, deviceConfiguration: { ...(templateBody.DeviceConfiguration ?? {}) } };
  }

  /**
   * Forgets expired ownership tokens and deletes every PENDING_ACTIVATION certificate no live
   * token names once it is older than a token's lifetime (this also finds those whose token a
   * restart forgot). Returns the deleted certificate ids; a call during a sweep joins it.
   */
  expireUnclaimedCertificates(): Promise<string[]> {
    this.#sweep ??= this.#expireUnclaimed().finally(() => {
      this.#sweep = undefined;
    });
    return this.#sweep;
  }

  async #expireUnclaimed(): Promise<string[]> {
    const now = this.#clock().getTime();
    for (const [token, { expiresAt }] of this.#tokens) {
      if (expiresAt <= now) this.#tokens.delete(token);
    }
    const claimed = new Set([...this.#tokens.values()].map((token) => token.certificateId));
    const { registry, logger } = this.#options;
    const deleted: string[] = [];
    for (const { certificateId, status, createdAt } of registry.listCertificates()) {
      if (status !== "PENDING_ACTIVATION" || claimed.has(certificateId)) continue;
      if (Date.parse(createdAt) + OWNERSHIP_TOKEN_TTL_MS > now) continue;
      // AWS deletes only a certificate not attached to a policy or thing; so does the registry.
      await registry.deleteCertificate(certificateId).then(
        () => deleted.push(certificateId),
        (error: unknown) =>
          logger.warn({ certificateId, err: error }, "unclaimed certificate kept"),
      );
    }
    if (deleted.length > 0) {
      logger.info({ count: deleted.length }, "unclaimed PENDING_ACTIVATION certificates deleted");
    }
    return deleted;
  }
}

function parseJson(payload: Buffer, topic: string): unknown {
  try {
    return parseJsonPayload(payload, topic);
  } catch {
    throw new ProvisioningRejection(400, "InvalidPayload", "The payload is not valid JSON.");
  }
}

function validate<T>(schema: z.ZodType<T>, json: unknown): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ProvisioningRejection(400, "InvalidPayload", z.prettifyError(parsed.error));
  }
  return parsed.data;
}

/** Maps every error to its `/rejected` payload, in one place. */
function asRejection(error: unknown): ProvisioningRejection {
  if (error instanceof ProvisioningRejection) return error;
  if (error instanceof CsrRefusedError) {
    return new ProvisioningRejection(400, "InvalidCSR", error.message);
  }
  if (error instanceof ProvisioningTemplateError) {
    return new ProvisioningRejection(400, "InvalidParameters", error.message);
  }
  return new ProvisioningRejection(500, "InternalFailure", "Internal failure.");
}
