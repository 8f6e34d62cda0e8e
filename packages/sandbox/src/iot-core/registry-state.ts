import {
  CertificateStatusSchema,
  IotPolicyDocumentSchema,
  ThingNameSchema,
} from "@fleet/core/contracts";
import * as z from "zod";

/**
 * The certificate statuses the sandbox's registry keeps: AWS IoT's, less PENDING_TRANSFER and
 * REGISTER_INACTIVE, which only certificate transfer and registration without a CA give and
 * the sandbox emulates neither. Registering or updating to one of them is refused.
 */
export const SandboxCertificateStatusSchema = CertificateStatusSchema.exclude([
  "PENDING_TRANSFER",
  "REGISTER_INACTIVE",
]);
export type SandboxCertificateStatus = z.infer<typeof SandboxCertificateStatusSchema>;

/** AWS IoT thing attribute limits: keys [a-zA-Z0-9_.,@/:#-]{1,128}, values up to 800 characters. */
export const ThingAttributesSchema = z
  .record(
    z
      .string()
      .regex(/^[a-zA-Z0-9_.,@/:#-]{1,128}$/, "attribute names are 1-128 of [a-zA-Z0-9_.,@/:#-]"),
    z
      .string()
      .regex(
        /^[a-zA-Z0-9_.,@/:#=[\]-]{0,800}$/,
        "attribute values are 0-800 of [a-zA-Z0-9_.,@/:#=[]-]",
      ),
  )
  .refine(
    (attributes) => Object.keys(attributes).length <= 50,
    "a thing has at most 50 attributes",
  );

/** AWS IoT policy names: 1-128 of [\w+=,.@-]. */
export const PolicyNameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,128}$/, "a policy name is 1-128 characters of [A-Za-z0-9_+=,.@-]");

export const ThingRecordSchema = z.object({
  thingName: ThingNameSchema,
  thingArn: z.string(),
  thingId: z.uuid(),
  attributes: ThingAttributesSchema,
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
});
export type ThingRecord = z.infer<typeof ThingRecordSchema>;

export const CertificateRecordSchema = z.object({
  certificateId: z.string().regex(/^[0-9a-f]{64}$/),
  certificateArn: z.string(),
  certificatePem: z.string(),
  status: SandboxCertificateStatusSchema,
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  lastModifiedAt: z.iso.datetime(),
});
export type CertificateRecord = z.infer<typeof CertificateRecordSchema>;

export const PolicyRecordSchema = z.object({
  policyName: PolicyNameSchema,
  policyArn: z.string(),
  policyDocument: IotPolicyDocumentSchema,
  /** Incremented by createPolicyVersion; the sandbox keeps only the default version. */
  defaultVersionId: z.string(),
  createdAt: z.iso.datetime(),
  lastModifiedAt: z.iso.datetime(),
});
export type PolicyRecord = z.infer<typeof PolicyRecordSchema>;

export const ThingGroupRecordSchema = z.object({
  thingGroupName: ThingNameSchema,
  thingGroupArn: z.string(),
  thingGroupId: z.uuid(),
  createdAt: z.iso.datetime(),
});
export type ThingGroupRecord = z.infer<typeof ThingGroupRecordSchema>;

/** `<stateDir>/registry.json`. Attachments are keyed by certificate id and by thing name. */
export const RegistryStateSchema = z.object({
  version: z.literal(1),
  things: z.array(ThingRecordSchema),
  certificates: z.array(CertificateRecordSchema),
  policies: z.array(PolicyRecordSchema),
  /** certificate id -> attached policy names */
  principalPolicies: z.record(z.string(), z.array(z.string())),
  /** thing name -> attached certificate ids */
  thingPrincipals: z.record(z.string(), z.array(z.string())),
  // Added after the first release of the file: older files have neither, hence the defaults.
  thingGroups: z.array(ThingGroupRecordSchema).default([]),
  /** thing group name -> member thing names */
  thingGroupMembers: z.record(z.string(), z.array(z.string())).default({}),
});
export type RegistryState = z.infer<typeof RegistryStateSchema>;
