import * as z from "zod";
import { SERIAL_ATTRIBUTE } from "./stage-resources.ts";

/**
 * The fleet provisioning template: the stack deploys this body and the sandbox interprets the
 * same body, so a device provisions the same way against both.
 */

/** The RegisterThing parameter that carries the device's serial. */
export const SERIAL_PARAMETER = "SerialNumber";

export interface ProvisioningTemplateNames {
  thingGroupName: string;
  devicePolicyName: string;
}

/**
 * Thing named after the serial (`thingNameFromSerial` is the identity on valid serials, which
 * the pre-provisioning hook enforces before the template runs), the serial kept as a thing
 * attribute, the thing in the stage's group, the certificate ACTIVE with the device policy.
 */
export function provisioningTemplateBody(names: ProvisioningTemplateNames) {
  return {
    Parameters: {
      [SERIAL_PARAMETER]: { Type: "String" },
      "AWS::IoT::Certificate::Id": { Type: "String" },
    },
    Resources: {
      thing: {
        Type: "AWS::IoT::Thing",
        Properties: {
          ThingName: { Ref: SERIAL_PARAMETER },
          AttributePayload: { [SERIAL_ATTRIBUTE]: { Ref: SERIAL_PARAMETER } },
          ThingGroups: [names.thingGroupName],
        },
        OverrideSettings: { AttributePayload: "REPLACE", ThingGroups: "DO_NOTHING" },
      },
      certificate: {
        Type: "AWS::IoT::Certificate",
        Properties: { CertificateId: { Ref: "AWS::IoT::Certificate::Id" }, Status: "ACTIVE" },
      },
      policy: {
        Type: "AWS::IoT::Policy",
        Properties: { PolicyName: names.devicePolicyName },
      },
    },
    DeviceConfiguration: {},
  } as const;
}
export type ProvisioningTemplateBody = ReturnType<typeof provisioningTemplateBody>;

/** What AWS IoT sends the pre-provisioning hook Lambda. */
export const PreProvisioningHookEventSchema = z.object({
  claimCertificateId: z.string(),
  certificateId: z.string(),
  certificatePem: z.string(),
  templateArn: z.string(),
  clientId: z.string(),
  parameters: z.record(z.string(), z.string()),
});
export type PreProvisioningHookEvent = z.infer<typeof PreProvisioningHookEventSchema>;

/** What the hook answers; `allowProvisioning: false` makes RegisterThing fail (ACCESS_DENIED). */
export const PreProvisioningHookResultSchema = z.object({
  allowProvisioning: z.boolean(),
  parameterOverrides: z.record(z.string(), z.string()).optional(),
});
export type PreProvisioningHookResult = z.infer<typeof PreProvisioningHookResultSchema>;

/** The claim credentials the stack stores (Secrets Manager) for the OS image build. */
export const ClaimCredentialsSchema = z.object({
  certificateId: z.string(),
  certificatePem: z.string(),
  privateKeyPem: z.string(),
  templateName: z.string(),
  endpoint: z.string(),
});
export type ClaimCredentials = z.infer<typeof ClaimCredentialsSchema>;
