import type { webcrypto } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import {
  CertificateIssueError,
  type CsrProblem,
  CsrRefusedError,
} from "../../src/domain/certificate-errors.ts";
import { x509 } from "../../src/domain/x509.ts";
import type { CertificateIssuer, IssueCertificateRequest } from "../../src/ports/index.ts";
import { createSignProvisioningCsr, type UseCaseLogger } from "../../src/use-cases/index.ts";

const SERIAL = "10000000abcdef01";
const VALIDITY_MS = 365 * 86_400_000;
const NOT_PKCS10 = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
type KeyAlgorithm =
  | webcrypto.RsaHashedKeyGenParams
  | (webcrypto.EcKeyGenParams & webcrypto.EcdsaParams);
const P256: KeyAlgorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const P384: KeyAlgorithm = { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" };
const RSA_1024 = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 1024,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
} as const;

/** A device CSR with subject `name` (an X.500 name such as `CN=...`). */
async function csr(name: string, algorithm: KeyAlgorithm = P256): Promise<string> {
  const keys = (await crypto.subtle.generateKey(algorithm, false, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name,
    keys,
    signingAlgorithm: algorithm,
  });
  return request.toString("pem");
}

function setup(fail?: Error) {
  const requests: IssueCertificateRequest[] = [];
  const issuer: CertificateIssuer = {
    async issue(request) {
      requests.push(request);
      if (fail) throw fail;
      return {
        certificatePem: "-----BEGIN CERTIFICATE-----\nissued\n-----END CERTIFICATE-----\n",
        serialNumber: "7D0A3F41C2E5",
      };
    },
  };
  const logger: UseCaseLogger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const sign = createSignProvisioningCsr({ issuer, validityMs: VALIDITY_MS, logger });
  return { sign, requests, logger };
}

/** The refusal a promise rejects with. */
async function refusal(promise: Promise<unknown>): Promise<CsrRefusedError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CsrRefusedError);
  return error as CsrRefusedError;
}

describe("signing a device's provisioning CSR", () => {
  it("has the CA issue a CSR whose subject CN is a serial, with the stage's validity", async () => {
    const { sign, requests } = setup();
    const certificateSigningRequest = await csr(`CN=${SERIAL}`);

    const certificate = await sign({ certificateSigningRequest, clientId: `claim-${SERIAL}` });

    expect(certificate).toEqual({
      certificatePem: "-----BEGIN CERTIFICATE-----\nissued\n-----END CERTIFICATE-----\n",
      serial: SERIAL,
      serialNumber: "7D0A3F41C2E5",
    });
    expect(requests).toEqual([{ csrPem: certificateSigningRequest, validityMs: VALIDITY_MS }]);
  });

  it("accepts more subject fields beside the serial's CN, and an EC P-384 or RSA-2048 key", async () => {
    const { sign } = setup();
    const rsa2048 = { ...RSA_1024, modulusLength: 2048 };
    for (const request of [
      await csr(`CN=${SERIAL}, O=Example Fleet`),
      await csr(`CN=${SERIAL}`, P384),
      await csr(`CN=${SERIAL}`, rsa2048),
    ]) {
      expect((await sign({ certificateSigningRequest: request })).serial).toBe(SERIAL);
    }
  });

  const refusals: [string, () => Promise<string>, CsrProblem, string][] = [
    [
      "a request that is not PKCS#10",
      () => Promise.resolve(NOT_PKCS10),
      "invalid-csr",
      "not a PEM PKCS#10 request",
    ],
    [
      "an RSA-1024 key",
      () => csr(`CN=${SERIAL}`, RSA_1024),
      "weak-key",
      "RSA key of 1024 bits; expected at least 2048",
    ],
    [
      "a subject without a CN",
      () => csr("O=Example Fleet"),
      "invalid-subject",
      "the subject has 0 CNs; expected one, the device's serial",
    ],
    [
      "a subject with two CNs",
      () => csr(`CN=${SERIAL}, CN=20000000abcdef02`),
      "invalid-subject",
      "the subject has 2 CNs; expected one, the device's serial",
    ],
    [
      "a CN that is not a serial",
      () => csr("CN=AWS IoT Certificate"),
      "invalid-subject",
      'subject CN "AWS IoT Certificate" is not a valid serial (a serial is 4-64 characters',
    ],
  ];
  it.each(refusals)(
    "refuses %s without asking the CA",
    async (_name, request, problem, message) => {
      const { sign, requests } = setup();

      const error = await refusal(sign({ certificateSigningRequest: await request() }));

      expect(error.problem).toBe(problem);
      expect(error.message).toContain(message);
      expect(requests).toEqual([]);
    },
  );

  it("refuses a CSR the CA refuses, as the device's fault", async () => {
    const { sign } = setup(
      new CertificateIssueError("AWS Private CA refused the certificate signing request", {
        reason: "invalid-csr",
      }),
    );

    const error = await refusal(sign({ certificateSigningRequest: await csr(`CN=${SERIAL}`) }));

    expect(error).toMatchObject({
      problem: "invalid-csr",
      message: "AWS Private CA refused the certificate signing request",
    });
    expect(error.cause).toBeInstanceOf(CertificateIssueError);
  });

  it("lets a CA failure through as the backend's fault", async () => {
    const failure = new CertificateIssueError("did not issue within 20000 ms", {
      reason: "timed-out",
    });
    const { sign } = setup(failure);

    await expect(sign({ certificateSigningRequest: await csr(`CN=${SERIAL}`) })).rejects.toBe(
      failure,
    );
  });

  it("logs the serial and client id of each outcome, never the CSR or the certificate", async () => {
    const { sign, logger } = setup();
    await sign({ certificateSigningRequest: await csr(`CN=${SERIAL}`), clientId: "claim-a" });
    await sign({ certificateSigningRequest: await csr("CN=no"), clientId: "claim-b" }).catch(
      () => undefined,
    );

    expect(logger.info).toHaveBeenCalledWith(
      { clientId: "claim-a", serial: SERIAL, serialNumber: "7D0A3F41C2E5" },
      "device certificate issued",
    );
    expect(logger.warn).toHaveBeenCalledWith(
      {
        clientId: "claim-b",
        problem: "invalid-subject",
        reason: expect.stringContaining('subject CN "no" is not a valid serial'),
      },
      "device CSR refused",
    );
    const logged = JSON.stringify([
      vi.mocked(logger.info).mock.calls,
      vi.mocked(logger.warn).mock.calls,
    ]);
    expect(logged).not.toContain("BEGIN");
  });
});
