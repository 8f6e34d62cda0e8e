import { readFileSync } from "node:fs";
import {
  ACMPCAClient,
  GetCertificateCommand,
  IssueCertificateCommand,
  MalformedCSRException,
  RequestFailedException,
  RequestInProgressException,
} from "@aws-sdk/client-acm-pca";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { AcmPcaCertificateIssuer } from "../../src/adapters/aws/index.ts";
import { CertificateIssueError } from "../../src/domain/certificate-errors.ts";

const CA_PEM = readFileSync(new URL("../fixtures/aws/pca/ca.pem", import.meta.url), "utf8");
/** The fixture CA certificate's notAfter (`openssl x509 -enddate`). */
const CA_NOT_AFTER_MS = Date.parse("2126-10-28T22:12:22Z");
const DEVICE_PEM = readFileSync(
  new URL("../fixtures/aws/pca/device-1.pem", import.meta.url),
  "utf8",
);
const CSR_PEM = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
const CA_ARN =
  "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012";
const CERT_ARN = `${CA_ARN}/certificate/7d0a3f41c2e5`;
const DAY_MS = 86_400_000;

const pca = new ACMPCAClient({ region: "eu-west-1" });
const mock = mockClient(pca);

const inProgress = () =>
  new RequestInProgressException({ message: "still issuing", $metadata: {} });

function issuer(options: Partial<ConstructorParameters<typeof AcmPcaCertificateIssuer>[0]> = {}) {
  return new AcmPcaCertificateIssuer({
    pca,
    certificateAuthorityArn: CA_ARN,
    caCertificatePem: CA_PEM,
    pollDelayMs: 0,
    ...options,
  });
}

describe("AcmPcaCertificateIssuer", () => {
  beforeEach(() => {
    mock.reset();
    mock.on(IssueCertificateCommand).resolves({ CertificateArn: CERT_ARN });
    mock.on(GetCertificateCommand).resolves({ Certificate: DEVICE_PEM, CertificateChain: "chain" });
  });

  it("asks the CA for a certificate valid for whole days, with a token derived from the CSR", async () => {
    const issued = await issuer().issue({ csrPem: CSR_PEM, validityMs: 7 * DAY_MS });

    expect(issued).toEqual({ certificatePem: DEVICE_PEM, serialNumber: "7D0A3F41C2E5" });
    const [input] = mock.commandCalls(IssueCertificateCommand).map((c) => c.args[0].input);
    expect({ ...input, Csr: new TextDecoder().decode(input?.Csr) }).toEqual({
      CertificateAuthorityArn: CA_ARN,
      Csr: CSR_PEM,
      SigningAlgorithm: "SHA256WITHECDSA",
      TemplateArn: undefined,
      Validity: { Type: "DAYS", Value: 7 },
      IdempotencyToken: expect.stringMatching(/^[0-9a-f]{36}$/),
    });
    expect(mock.commandCalls(GetCertificateCommand).map((c) => c.args[0].input)).toEqual([
      { CertificateAuthorityArn: CA_ARN, CertificateArn: CERT_ARN },
    ]);
  });

  it("sends the same idempotency token when the same CSR is retried, another for another CSR", async () => {
    const subject = issuer();
    await subject.issue({ csrPem: CSR_PEM, validityMs: DAY_MS });
    await subject.issue({ csrPem: CSR_PEM, validityMs: DAY_MS });
    await subject.issue({ csrPem: CSR_PEM.replace("MIIB", "MIIC"), validityMs: DAY_MS });

    const tokens = mock
      .commandCalls(IssueCertificateCommand)
      .map((c) => c.args[0].input.IdempotencyToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it("asks for an absolute end time when the validity is not whole days", async () => {
    const now = Date.UTC(2026, 0, 1);
    await issuer({
      now: () => now,
      templateArn: "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1",
      signingAlgorithm: "SHA256WITHRSA",
    }).issue({ csrPem: CSR_PEM, validityMs: 90 * 60_000 });

    expect(mock.commandCalls(IssueCertificateCommand)[0]?.args[0].input).toMatchObject({
      TemplateArn: "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1",
      SigningAlgorithm: "SHA256WITHRSA",
      Validity: { Type: "ABSOLUTE", Value: now / 1_000 + 5_400 },
    });
  });

  it("keeps asking while the CA is still issuing, then returns the certificate", async () => {
    mock.on(GetCertificateCommand).rejectsOnce(inProgress()).rejectsOnce(inProgress()).resolves({
      Certificate: DEVICE_PEM,
    });

    const issued = await issuer().issue({ csrPem: CSR_PEM, validityMs: DAY_MS });

    expect(issued.certificatePem).toBe(DEVICE_PEM);
    expect(mock.commandCalls(GetCertificateCommand)).toHaveLength(3);
  });

  it("gives up with a timed-out error when the CA does not issue in time", async () => {
    mock.on(GetCertificateCommand).rejects(inProgress());

    const error = await issuer({ pollDelayMs: 1, maxWaitMs: 5 })
      .issue({ csrPem: CSR_PEM, validityMs: DAY_MS })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CertificateIssueError);
    expect(error).toMatchObject({ reason: "timed-out" });
  });

  it("blames the CSR when the CA refuses it as malformed", async () => {
    mock
      .on(IssueCertificateCommand)
      .rejects(new MalformedCSRException({ message: "bad CSR", $metadata: {} }));

    const error = await issuer()
      .issue({ csrPem: CSR_PEM, validityMs: DAY_MS })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CertificateIssueError);
    expect(error).toMatchObject({ reason: "invalid-csr" });
    expect(mock.commandCalls(GetCertificateCommand)).toHaveLength(0);
  });

  it("reports a failed issuance as the backend's failure, not the device's", async () => {
    mock
      .on(GetCertificateCommand)
      .rejects(new RequestFailedException({ message: "CA disabled", $metadata: {} }));

    await expect(issuer().issue({ csrPem: CSR_PEM, validityMs: DAY_MS })).rejects.toMatchObject({
      name: "CertificateIssueError",
      reason: "failed",
    });
  });

  it("names the refused operation when IAM denies reading the certificate", async () => {
    mock
      .on(GetCertificateCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));

    const error = await issuer()
      .issue({ csrPem: CSR_PEM, validityMs: DAY_MS })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as Error).message).toMatch(/allows acm-pca:GetCertificate$/);
  });

  it("cuts a validity that would outlive the CA's certificate short at the CA's expiry", async () => {
    const now = CA_NOT_AFTER_MS - 10 * DAY_MS;

    await issuer({ now: () => now }).issue({ csrPem: CSR_PEM, validityMs: 365 * DAY_MS });

    expect(mock.commandCalls(IssueCertificateCommand)[0]?.args[0].input.Validity).toEqual({
      Type: "ABSOLUTE",
      Value: CA_NOT_AFTER_MS / 1_000,
    });
  });

  it("keeps a validity that ends exactly when the CA's certificate does", async () => {
    const now = CA_NOT_AFTER_MS - 10 * DAY_MS;

    await issuer({ now: () => now }).issue({ csrPem: CSR_PEM, validityMs: 10 * DAY_MS });

    expect(mock.commandCalls(IssueCertificateCommand)[0]?.args[0].input.Validity).toEqual({
      Type: "DAYS",
      Value: 10,
    });
  });

  it("issues nothing once the CA's certificate has expired, as the backend's failure", async () => {
    const error = await issuer({ now: () => CA_NOT_AFTER_MS })
      .issue({ csrPem: CSR_PEM, validityMs: DAY_MS })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(CertificateIssueError);
    expect(error).toMatchObject({ reason: "failed" });
    expect((error as Error).message).toMatch(/expired at 2126-10-28T22:12:22\.000Z/);
    expect(mock.commandCalls(IssueCertificateCommand)).toHaveLength(0);
  });

  it("refuses a validity that is not a positive whole number of milliseconds", async () => {
    await expect(issuer().issue({ csrPem: CSR_PEM, validityMs: 0 })).rejects.toThrow(
      /validityMs must be a positive integer, got 0/,
    );
    expect(mock.commandCalls(IssueCertificateCommand)).toHaveLength(0);
  });
});
