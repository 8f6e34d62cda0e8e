import {
  ACMPCAClient,
  GetCertificateCommand,
  IssueCertificateCommand,
  MalformedCSRException,
} from "@aws-sdk/client-acm-pca";
import type { ContractViolationError, CsrRefusedError } from "@fleet/core";
import type { CertificateProviderResult } from "@fleet/core/contracts";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { InvalidEnvironmentError } from "../../src/errors.ts";
import { context, emfRecords, fixture, logRecords } from "./lambda-test-kit.ts";

const CA_ARN =
  "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const CERTIFICATE_ARN = `${CA_ARN}/certificate/7d0a3f41c2e5`;
const TEMPLATE_ARN = "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1";
const ENV = {
  POWERTOOLS_SERVICE_NAME: "certificate-provider",
  POWERTOOLS_METRICS_NAMESPACE: "fleet/test",
  CA_ARN,
  CA_CERTIFICATE_PEM: fixture("ca-certificate").certificatePem,
  CERT_TEMPLATE_ARN: TEMPLATE_ARN,
  CERT_VALIDITY_DAYS: "365",
  AWS_REGION: "eu-west-1",
};
/** What the CA returns: a certificate whose subject CN is the fixture CSR's serial. */
const ISSUED_PEM: string = fixture("pre-provisioning-hook").certificatePem;

type Handler = (event: unknown, context: Context) => Promise<CertificateProviderResult>;

const pca = mockClient(ACMPCAClient);

/** A fresh module instance with its environment: each load is a cold start. */
async function loadHandler(): Promise<Handler> {
  vi.resetModules();
  const module = await import("../../src/handlers/certificate-provider.ts");
  return module.handler as unknown as Handler;
}

/** Every call the function sent to ACM Private CA, by command, the CSR bytes as text. */
function pcaCalls() {
  return {
    issued: pca.commandCalls(IssueCertificateCommand).map(({ args: [command] }) => ({
      ...command.input,
      Csr: new TextDecoder().decode(command.input.Csr),
    })),
    fetched: pca.commandCalls(GetCertificateCommand).map(({ args: [command] }) => command.input),
  };
}

describe("certificate-provider handler", () => {
  let stdout: MockInstance;
  let stderr: MockInstance;

  beforeEach(() => {
    pca.reset();
    pca.on(IssueCertificateCommand).resolves({ CertificateArn: CERTIFICATE_ARN });
    pca.on(GetCertificateCommand).resolves({ Certificate: ISSUED_PEM, CertificateChain: "chain" });
    vi.stubEnv("POWERTOOLS_DEV", "");
    for (const [key, value] of Object.entries(ENV)) vi.stubEnv(key, value);
    stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });

  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    vi.unstubAllEnvs();
  });

  it("has the stage's CA issue the device's CSR with the client-auth template and validity, and returns the certificate", async () => {
    const handler = await loadHandler();
    const event = fixture("certificate-provider");

    const result = await handler(event, context);

    expect(result).toEqual({ certificatePem: ISSUED_PEM });
    expect(pcaCalls()).toEqual({
      issued: [
        {
          CertificateAuthorityArn: CA_ARN,
          Csr: event.certificateSigningRequest,
          SigningAlgorithm: "SHA256WITHECDSA",
          TemplateArn: TEMPLATE_ARN,
          Validity: { Type: "DAYS", Value: 365 },
          IdempotencyToken: expect.stringMatching(/^[0-9a-f]{36}$/),
        },
      ],
      fetched: [{ CertificateAuthorityArn: CA_ARN, CertificateArn: CERTIFICATE_ARN }],
    });
    expect(emfRecords(stdout)[0]).toMatchObject({ DeviceCertificateIssued: 1 });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "device certificate issued",
        serial: "10000000abcdef01",
        clientId: "claim-10000000abcdef01",
      }),
    );
  });

  it("refuses a CSR whose subject CN is not a serial without asking the CA, and counts it", async () => {
    const handler = await loadHandler();
    const event = { ...fixture("certificate-provider"), ...fixture("csr-cn-not-a-serial") };

    await expect(handler(event, context)).rejects.toMatchObject({
      name: "CsrRefusedError",
      problem: "invalid-subject",
    } satisfies Partial<CsrRefusedError>);
    expect(pcaCalls()).toEqual({ issued: [], fetched: [] });
    expect(emfRecords(stdout)[0]).toMatchObject({ DeviceCsrRefused: 1 });
    expect(logRecords(stdout, stderr)).toContainEqual(
      expect.objectContaining({
        message: "device CSR refused",
        problem: "invalid-subject",
        clientId: "claim-10000000abcdef01",
      }),
    );
  });

  it("refuses a CSR the CA refuses as malformed, after that one IssueCertificate call", async () => {
    pca
      .on(IssueCertificateCommand)
      .rejects(new MalformedCSRException({ message: "unsupported extension", $metadata: {} }));
    const handler = await loadHandler();

    await expect(handler(fixture("certificate-provider"), context)).rejects.toMatchObject({
      name: "CsrRefusedError",
      problem: "invalid-csr",
    } satisfies Partial<CsrRefusedError>);
    expect(pcaCalls().issued).toHaveLength(1);
    expect(pcaCalls().fetched).toEqual([]);
  });

  it("refuses an event without a CSR, naming the field", async () => {
    const handler = await loadHandler();
    const { certificateSigningRequest: _, ...event } = fixture("certificate-provider");

    await expect(handler(event, context)).rejects.toMatchObject({
      name: "ContractViolationError",
      issues: [expect.objectContaining({ path: "certificateSigningRequest" })],
    } satisfies Partial<ContractViolationError>);
    expect(pcaCalls()).toEqual({ issued: [], fetched: [] });
  });

  it("fails its cold start naming a missing variable", async () => {
    vi.stubEnv("CERT_TEMPLATE_ARN", undefined);

    await expect(loadHandler()).rejects.toMatchObject({
      name: "InvalidEnvironmentError",
      keys: ["CERT_TEMPLATE_ARN"],
    } satisfies Partial<InvalidEnvironmentError>);
  });
});
