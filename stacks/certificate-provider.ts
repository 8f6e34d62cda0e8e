import type { CertificateSigner } from "@fleet/core/contracts";
import { caIssuingPermissions } from "./ca-issuing-permissions.ts";
import type { Certificates } from "./certificates.ts";
import { type LambdaFunction, lambdaFunction } from "./lambda-function.ts";

export interface CertificateProviderArgs {
  /** FLEET_CERTIFICATE_SIGNER (stacks/certificate-signer-config.ts): `aws-iot` creates nothing. */
  signer: CertificateSigner;
  /** The stage's private CA and its device-certificate template (stacks/certificates.ts). */
  certificates: Pick<
    Certificates,
    "certificateAuthorityArn" | "caCertificatePem" | "certificateTemplateArn"
  >;
  /** Validity of device certificates in days, the rotation's (FLEET_CERT_VALIDITY_DAYS). */
  validityDays: number;
}

export interface CertificateProvider {
  /** The account's `AWS::IoT::CertificateProvider`. */
  provider: aws.cloudcontrol.Resource;
  signer: LambdaFunction;
  invoke: aws.lambda.Permission;
}

/** The one operation AWS lets a certificate provider take over (CloudFormation reference). */
const PROVIDER_OPERATIONS = ["CreateCertificateFromCsr"];
/**
 * IssueCertificate, then GetCertificate polled for up to 20 s (AcmPcaCertificateIssuer);
 * issuance normally takes about a second.
 */
const SIGNER_TIMEOUT = "30 seconds";

/**
 * Device certificates from the private CA from the first boot: the account's AWS IoT
 * certificate provider, whose function has the stage's ACM Private CA issue every CSR sent to
 * CreateCertificateFromCsr (packages/functions/src/handlers/certificate-provider.ts), with the
 * rotation's template and validity. Nothing in `aws-iot` mode (undefined): AWS IoT signs.
 *
 * - One provider per account, changing CreateCertificateFromCsr for all of it (hence the
 *   opt-out) until it is deleted; `sst remove` deletes it, and AWS IoT signs again.
 * - pulumi-aws 7 has no resource for it: created through Cloud Control from its CloudFormation
 *   type, which takes CertificateProviderName (a replacement when changed), LambdaFunctionArn and
 *   AccountDefaultForOperations.
 * - AWS IoT invokes the function as `iot.amazonaws.com`; the permission admits it for this
 *   account only (aws:SourceAccount), so no other account's provider can have this CA sign.
 * - No reserved concurrency: a new account has 10 in all, which the stage's one-instance
 *   functions already draw on; a burst of first boots is paced by ACM Private CA's throttling,
 *   which the client's retries absorb.
 * - The role may issue from this CA with the client-authentication template only (never a CA
 *   certificate) and read what it issued; nothing else.
 */
export function certificateProvider(
  args: CertificateProviderArgs,
): CertificateProvider | undefined {
  if (args.signer === "aws-iot") return undefined;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const { certificateAuthorityArn, caCertificatePem, certificateTemplateArn } = args.certificates;

  const signer = lambdaFunction("CertificateSigner", {
    handler: "certificate-provider",
    timeout: SIGNER_TIMEOUT,
    environment: {
      POWERTOOLS_SERVICE_NAME: "certificate-provider",
      POWERTOOLS_METRICS_NAMESPACE: `${$app.name}/${$app.stage}`,
      CA_ARN: certificateAuthorityArn,
      // Caps each certificate's validity at the CA's own expiry.
      CA_CERTIFICATE_PEM: caCertificatePem,
      CERT_TEMPLATE_ARN: certificateTemplateArn,
      CERT_VALIDITY_DAYS: String(args.validityDays),
    },
    permissions: caIssuingPermissions(certificateAuthorityArn, certificateTemplateArn),
  });

  const invoke = new aws.lambda.Permission("CertificateSignerInvoke", {
    action: "lambda:InvokeFunction",
    function: signer.fn.name,
    principal: "iot.amazonaws.com",
    sourceAccount: accountId,
  });

  const provider = new aws.cloudcontrol.Resource(
    "CertificateProvider",
    {
      typeName: "AWS::IoT::CertificateProvider",
      desiredState: $jsonStringify({
        CertificateProviderName: `${$app.name}-${$app.stage}-certificate-provider`,
        LambdaFunctionArn: signer.fn.arn,
        AccountDefaultForOperations: PROVIDER_OPERATIONS,
      }),
    },
    // AWS IoT calls the function as soon as the provider exists.
    { dependsOn: [invoke] },
  );

  return { provider, signer, invoke };
}
