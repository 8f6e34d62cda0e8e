import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { certificateSignerFromEnv } from "../../stacks/certificate-signer-config.ts";
import { certificatesConfigFromEnv } from "../../stacks/certificates-config.ts";
import {
  type IamStatement,
  LAMBDA_FUNCTION,
  MOCK_ACCOUNT_ID,
  MOCK_CA,
  MOCK_REGION,
  PLATFORM_BUILD_TIMEOUT_MS,
  permissionStatements,
  type RegisteredResource,
  runStack,
  type StackRun,
  stopStackHarness,
} from "./harness/index.ts";

const PERMISSION = "aws:lambda/permission:Permission";
const ROLE = "aws:iam/role:Role";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const CLOUD_CONTROL = "aws:cloudcontrol/resource:Resource";
const PROVIDER_TYPE = "AWS::IoT::CertificateProvider";
const CA_ARN = `arn:aws:acm-pca:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:certificate-authority/DeviceCa`;
const TEMPLATE_ARN = "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1";

/** The stage's device identity, provisioning, certificates and provider, as sst.config.ts wires them. */
function deploy(env: Record<string, string>) {
  return runStack(
    async () => {
      const { deviceIdentity } = await import("../../stacks/device-identity.ts");
      const { provisioning } = await import("../../stacks/provisioning.ts");
      const { certificates } = await import("../../stacks/certificates.ts");
      const { certificateProvider } = await import("../../stacks/certificate-provider.ts");
      const identity = deviceIdentity();
      const certificateSigner = certificateSignerFromEnv(env);
      const config = certificatesConfigFromEnv(env);
      const deviceCertificates = certificates({
        config,
        thingGroup: identity.thingGroup,
        devicePolicy: identity.devicePolicy,
        dataEndpoint: identity.dataEndpoint,
      });
      provisioning({
        thingGroup: identity.thingGroup,
        devicePolicy: identity.devicePolicy,
        dataEndpoint: identity.dataEndpoint,
        certificateSigner,
        certificateAuthority: {
          arn: deviceCertificates.certificateAuthorityArn,
          certificatePem: deviceCertificates.caCertificatePem,
        },
      });
      certificateProvider({
        signer: certificateSigner,
        certificates: deviceCertificates,
        validityDays: config.validityDays,
      });
    },
    { stage: "dev" },
  );
}

/** A function's own variables: SST adds SST_* variables (resource linking) to every function. */
function ownEnvironment(fn: RegisteredResource): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fn.inputs.environment.variables as Record<string, string>).filter(
      ([key]) => !key.startsWith("SST_"),
    ),
  );
}

const providersOf = (stack: StackRun<void>) =>
  stack.ofType(CLOUD_CONTROL).filter((resource) => resource.inputs.typeName === PROVIDER_TYPE);
const hookSigner = (stack: StackRun<void>) =>
  ownEnvironment(stack.one(LAMBDA_FUNCTION, "PreProvisioningHookFunction")).CERTIFICATE_SIGNER;

describe("certificate provider stack", () => {
  afterAll(stopStackHarness);

  describe("with the private CA as signer (the default)", () => {
    let stack: StackRun<void>;
    let signerFn: RegisteredResource;
    let signerArn: string;

    /** The signer role's permission statements, without its log-writing statement. */
    const signerGrants = (): IamStatement[] => {
      const logGroup = stack.one(LOG_GROUP, "CertificateSignerLogGroup");
      const logArn = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${logGroup.inputs.name}:*`;
      return permissionStatements([stack.one(ROLE, "CertificateSignerRole")]).filter(
        (statement) => !statement.resources.includes(logArn),
      );
    };

    beforeAll(async () => {
      stack = await deploy({ FLEET_CERT_VALIDITY_DAYS: "180" });
      signerFn = stack.one(LAMBDA_FUNCTION, "CertificateSignerFunction");
      signerArn = `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${signerFn.inputs.name}`;
    }, PLATFORM_BUILD_TIMEOUT_MS);

    it("makes the signer function the account's certificate provider for CreateCertificateFromCsr", () => {
      const [provider, ...others] = providersOf(stack);

      expect(others).toEqual([]);
      expect(JSON.parse(provider?.inputs.desiredState)).toEqual({
        CertificateProviderName: "fleet-dev-certificate-provider",
        LambdaFunctionArn: signerArn,
        AccountDefaultForOperations: ["CreateCertificateFromCsr"],
      });
    });

    it("lets AWS IoT invoke the signer on behalf of this account only", () => {
      expect(stack.one(PERMISSION, "CertificateSignerInvoke").inputs).toEqual({
        action: "lambda:InvokeFunction",
        function: signerFn.inputs.name,
        principal: "iot.amazonaws.com",
        sourceAccount: MOCK_ACCOUNT_ID,
      });
    });

    it("runs the certificate-provider handler with the CA, the client-auth template and the rotation's validity, nothing more", () => {
      expect(signerFn.inputs).toMatchObject({
        handler: "packages/functions/src/handlers/certificate-provider.handler",
        runtime: "nodejs24.x",
        timeout: 30,
      });
      expect(ownEnvironment(signerFn)).toEqual({
        POWERTOOLS_SERVICE_NAME: "certificate-provider",
        POWERTOOLS_METRICS_NAMESPACE: "fleet/dev",
        CA_ARN,
        CA_CERTIFICATE_PEM: MOCK_CA.certificate,
        CERT_TEMPLATE_ARN: TEMPLATE_ARN,
        CERT_VALIDITY_DAYS: "180",
      });
    });

    it("takes nothing from the account's reserved concurrency", () => {
      expect(signerFn.inputs.reservedConcurrentExecutions).toBeUndefined();
    });

    it("lets the signer issue client-auth certificates from the stage's CA and read them back, nothing else", () => {
      expect(signerGrants()).toEqual([
        expect.objectContaining({
          effect: "Allow",
          actions: ["acm-pca:IssueCertificate"],
          resources: [CA_ARN],
          conditions: { StringEquals: { "acm-pca:TemplateArn": TEMPLATE_ARN } },
        }),
        expect.objectContaining({
          effect: "Allow",
          actions: ["acm-pca:GetCertificate"],
          resources: [CA_ARN],
          conditions: {},
        }),
      ]);
    });

    it("tells the pre-provisioning hook that the private CA signs, so it checks the subject", () => {
      expect(hookSigner(stack)).toBe("private-ca");
    });
  });

  describe("with AWS IoT as signer (FLEET_CERTIFICATE_SIGNER=aws-iot)", () => {
    let stack: StackRun<void>;

    beforeAll(async () => {
      stack = await deploy({ FLEET_CERTIFICATE_SIGNER: "aws-iot" });
    }, PLATFORM_BUILD_TIMEOUT_MS);

    it("creates no certificate provider, signer function or invoke permission", () => {
      expect(providersOf(stack)).toEqual([]);
      // The function, its role, log group and invoke permission all carry the signer's name.
      expect(stack.resources.filter((r) => r.name.startsWith("CertificateSigner"))).toEqual([]);
    });

    it("tells the pre-provisioning hook that AWS IoT signs, so it does not depend on the subject", () => {
      expect(hookSigner(stack)).toBe("aws-iot");
    });
  });

  describe("FLEET_CERTIFICATE_SIGNER", () => {
    it("defaults to the private CA and accepts aws-iot", () => {
      expect(certificateSignerFromEnv({})).toBe("private-ca");
      expect(certificateSignerFromEnv({ FLEET_CERTIFICATE_SIGNER: " " })).toBe("private-ca");
      expect(certificateSignerFromEnv({ FLEET_CERTIFICATE_SIGNER: "aws-iot" })).toBe("aws-iot");
    });

    it("refuses any other signer, naming the variable", () => {
      expect(() => certificateSignerFromEnv({ FLEET_CERTIFICATE_SIGNER: "acm" })).toThrow(
        'FLEET_CERTIFICATE_SIGNER: expected "private-ca" or "aws-iot", got "acm"',
      );
    });
  });
});
