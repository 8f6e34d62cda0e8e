import * as z from "zod";
import { ThingNameSchema } from "./identity.ts";

/**
 * Payloads of the AWS IoT fleet provisioning MQTT API, JSON format, as the AWS IoT developer
 * guide "Device provisioning MQTT API" (fleet-provision-api) defines them. Topics are built in
 * `topics.ts` (`createCertificateFromCsrTopics`, `registerThingTopics`). These shapes are owned
 * by AWS, so unknown fields are dropped rather than refused.
 */

const PEM_CSR =
  /^-----BEGIN (NEW )?CERTIFICATE REQUEST-----\r?\n[\s\S]+\r?\n-----END (NEW )?CERTIFICATE REQUEST-----\s*$/;
const PEM_CERTIFICATE =
  /^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+\r?\n-----END CERTIFICATE-----\s*$/;

/** AWS IoT certificate ids: 64 hex characters (the certificate's SHA-256 fingerprint). */
export const CertificateIdSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, "a certificate id is 64 hexadecimal characters");
export type CertificateId = z.infer<typeof CertificateIdSchema>;

/** Published to `$aws/certificates/create-from-csr/json`. */
export const CreateCertificateFromCsrRequestSchema = z.object({
  certificateSigningRequest: z
    .string()
    .regex(
      PEM_CSR,
      "expected a PEM certificate signing request (-----BEGIN CERTIFICATE REQUEST-----)",
    ),
});
export type CreateCertificateFromCsrRequest = z.infer<typeof CreateCertificateFromCsrRequestSchema>;

/**
 * Received on `.../create-from-csr/json/accepted`. The certificate is PENDING_ACTIVATION and the
 * ownership token expires after one hour: RegisterThing must follow within that hour.
 */
export const CreateCertificateFromCsrAcceptedSchema = z.object({
  certificateId: CertificateIdSchema,
  certificatePem: z
    .string()
    .regex(PEM_CERTIFICATE, "expected a PEM certificate (-----BEGIN CERTIFICATE-----)"),
  certificateOwnershipToken: z.string().min(1),
});
export type CreateCertificateFromCsrAccepted = z.infer<
  typeof CreateCertificateFromCsrAcceptedSchema
>;

/** Published to `$aws/provisioning-templates/{templateName}/provision/json`. */
export const RegisterThingRequestSchema = z.object({
  certificateOwnershipToken: z.string().min(1),
  /** Optional key-value pairs the template and the pre-provisioning hook see. */
  parameters: z.record(z.string(), z.string()).optional(),
});
export type RegisterThingRequest = z.infer<typeof RegisterThingRequestSchema>;

/** Received on `.../provision/json/accepted`. */
export const RegisterThingAcceptedSchema = z.object({
  /** The `DeviceConfiguration` section of the provisioning template. */
  deviceConfiguration: z.record(z.string(), z.string()),
  thingName: ThingNameSchema,
});
export type RegisterThingAccepted = z.infer<typeof RegisterThingAcceptedSchema>;

/** Received on the `/rejected` topic of either provisioning request. */
export const ProvisioningErrorResponseSchema = z.object({
  statusCode: z.number().int(),
  errorCode: z.string(),
  errorMessage: z.string(),
});
export type ProvisioningErrorResponse = z.infer<typeof ProvisioningErrorResponseSchema>;
