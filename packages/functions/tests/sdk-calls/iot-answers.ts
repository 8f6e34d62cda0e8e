import { readFileSync } from "node:fs";
import {
  DescribeCertificateCommand,
  DescribeThingCommand,
  ListAttachedPoliciesCommand,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  RegisterCertificateWithoutCACommand,
} from "@aws-sdk/client-iot";
import { certificateIdOf } from "@fleet/core/contracts";
import type { AwsScope } from "./handler-scenario.ts";
import type { SdkRecorder } from "./sdk-recorder.ts";

/** Made with openssl (core's ACM PCA fixtures): a P-256 CA and device certificates it signed. */
const pcaFixture = (name: string) =>
  readFileSync(
    new URL(`../../../core/tests/fixtures/aws/pca/${name}.pem`, import.meta.url),
    "utf8",
  );
export const CA_PEM = pcaFixture("ca");
/** Issued by CA_PEM: the device's current and its rotated certificate. */
export const DEVICE_PEMS = [pcaFixture("device-1"), pcaFixture("device-2")] as const;

export { certificateIdOf };

export const iotArn = (aws: AwsScope, resource: string) =>
  `arn:${aws.partition}:iot:${aws.region}:${aws.accountId}:${resource}`;

export interface RegisteredThing {
  thingName: string;
  /** Its certificates (PEM) in registration order, all ACTIVE. */
  certificates: string[];
  /** Policies attached to each certificate. */
  policies: string[];
}

/**
 * Answers the AWS IoT registry reads for one thing and its certificates, as AWS IoT does:
 * principals as certificate ARNs, descriptions with PEM and status, the thing of a certificate.
 */
export function answerRegistry(sdk: SdkRecorder, aws: AwsScope, thing: RegisteredThing): void {
  const arns = thing.certificates.map((pem) => iotArn(aws, `cert/${certificateIdOf(pem)}`));
  sdk.on(ListThingPrincipalsCommand, { thingName: thing.thingName }).resolves({ principals: arns });
  sdk.on(DescribeThingCommand, { thingName: thing.thingName }).resolves({
    thingName: thing.thingName,
    thingArn: iotArn(aws, `thing/${thing.thingName}`),
    attributes: { serial: thing.thingName },
  });
  thing.certificates.forEach((pem, index) => {
    const certificateId = certificateIdOf(pem);
    sdk.on(DescribeCertificateCommand, { certificateId }).resolves({
      certificateDescription: {
        certificateId,
        certificateArn: arns[index],
        certificatePem: pem,
        status: "ACTIVE",
        creationDate: new Date(Date.UTC(2026, 0, 1 + index)),
      },
    });
    sdk
      .on(ListPrincipalThingsCommand, { principal: arns[index] })
      .resolves({ things: [thing.thingName] });
  });
  sdk
    .on(ListAttachedPoliciesCommand)
    .resolves({ policies: thing.policies.map((policyName) => ({ policyName })) });
}

/** RegisterCertificateWithoutCA answering with the id and ARN AWS IoT gives `pem`. */
export function answerRegistration(sdk: SdkRecorder, aws: AwsScope, pem: string): void {
  const certificateId = certificateIdOf(pem);
  sdk.on(RegisterCertificateWithoutCACommand).resolves({
    certificateId,
    certificateArn: iotArn(aws, `cert/${certificateId}`),
  });
}
