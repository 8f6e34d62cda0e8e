import * as z from "zod";

/**
 * The AWS IoT certificate provider (`AWS::IoT::CertificateProvider`): one per account, a Lambda
 * function that signs every CSR a device sends to CreateCertificateFromCsr instead of AWS IoT.
 * Contract: AWS IoT Core Developer Guide, "Self-managed certificate signing using AWS IoT Core
 * certificate provider" (https://docs.aws.amazon.com/iot/latest/developerguide/provisioning-cert-provider.html),
 * sections "Certificate provider Lambda function input" and "Certificate provider Lambda
 * function return value": the input carries the CSR in PEM (`certificateSigningRequest`), the
 * ID of the principal the device connected with (`principalId`) and its MQTT client id
 * (`clientId`); the function returns the signed certificate in PEM (`certificatePem`), which
 * AWS IoT registers and answers CreateCertificateFromCsr with. A function that fails makes the
 * request fail. The input is owned by AWS: only the CSR is required, unknown fields are dropped.
 */
export const CertificateProviderEventSchema = z.object({
  certificateSigningRequest: z.string().min(1),
  principalId: z.string().optional(),
  clientId: z.string().optional(),
});
export type CertificateProviderEvent = z.infer<typeof CertificateProviderEventSchema>;

export const CertificateProviderResultSchema = z.object({
  certificatePem: z.string().min(1),
});
export type CertificateProviderResult = z.infer<typeof CertificateProviderResultSchema>;

/**
 * Who signs device certificates at fleet provisioning: the stage's private CA through the
 * certificate provider (`private-ca`), or AWS IoT's own CA (`aws-iot`, no provider: for an
 * account shared with other workloads, whose CreateCertificateFromCsr the provider would take
 * over). The stack passes it to the pre-provisioning hook, which checks the certificate's
 * subject only when the private CA made it.
 */
export const CertificateSignerSchema = z.enum(["private-ca", "aws-iot"]);
export type CertificateSigner = z.infer<typeof CertificateSignerSchema>;
