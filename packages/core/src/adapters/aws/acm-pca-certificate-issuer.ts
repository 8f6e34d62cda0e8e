import { createHash, X509Certificate } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type ACMPCAClient,
  GetCertificateCommand,
  type GetCertificateCommandOutput,
  IssueCertificateCommand,
  type IssueCertificateCommandOutput,
  type SigningAlgorithm,
  type Validity,
} from "@aws-sdk/client-acm-pca";
import { CertificateIssueError } from "../../domain/certificate-errors.ts";
import type {
  CertificateIssuer,
  IssueCertificateRequest,
  IssuedCertificate,
} from "../../ports/certificate-issuer.ts";
import { ACM_PCA_SERVICE, errorName, mapAwsError } from "./aws-errors.ts";

export interface AcmPcaCertificateIssuerOptions {
  /** Preferably from `createAcmPcaClient`, whose retry settings absorb throttling. */
  pca: ACMPCAClient;
  /** The private CA that issues the stage's device certificates. */
  certificateAuthorityArn: string;
  /** That CA's own certificate (PEM): no certificate it issues may outlive it. */
  caCertificatePem: string;
  /**
   * An ACM Private CA template, e.g.
   * `arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1`. Default: none, so the CA
   * applies EndEntityCertificate/V1.
   */
  templateArn?: string;
  /** Must match the CA's key: default SHA256WITHECDSA, for an EC P-256 CA. */
  signingAlgorithm?: SigningAlgorithm;
  /**
   * IssueCertificate is asynchronous: GetCertificate is polled until the certificate is issued,
   * first after `pollDelayMs`, doubling up to 2 s, for at most `maxWaitMs`.
   * Defaults 200 ms and 20 s (issuance normally takes about a second).
   */
  pollDelayMs?: number;
  maxWaitMs?: number;
  /** Clock for validities that are not whole days. Default Date.now. */
  now?: () => number;
}

const DEFAULTS = {
  signingAlgorithm: "SHA256WITHECDSA",
  pollDelayMs: 200,
  maxWaitMs: 20_000,
  now: Date.now,
} as const;

const MAX_POLL_DELAY_MS = 2_000;
const DAY_MS = 86_400_000;
/** AWS keeps an IssueCertificate idempotency token (at most 36 characters) for five minutes. */
const IDEMPOTENCY_TOKEN_LENGTH = 36;

/**
 * Issues device certificates from the stage's ACM Private CA: IssueCertificate, then
 * GetCertificate until the CA has signed. The SDK's waitUntilCertificateIssued is not used:
 * in client-acm-pca 3.523.0 it retries every error (a denied GetCertificate, a failed
 * issuance) until its time is up, and then loses the cause.
 */
export class AcmPcaCertificateIssuer implements CertificateIssuer {
  readonly #pca: ACMPCAClient;
  readonly #certificateAuthorityArn: string;
  readonly #caNotAfterMs: number;
  readonly #templateArn: string | undefined;
  readonly #signingAlgorithm: SigningAlgorithm;
  readonly #pollDelayMs: number;
  readonly #maxWaitMs: number;
  readonly #now: () => number;

  constructor(options: AcmPcaCertificateIssuerOptions) {
    const merged = { ...DEFAULTS, ...options };
    this.#pca = merged.pca;
    this.#certificateAuthorityArn = merged.certificateAuthorityArn;
    this.#caNotAfterMs = new X509Certificate(merged.caCertificatePem).validToDate.getTime();
    this.#templateArn = merged.templateArn;
    this.#signingAlgorithm = merged.signingAlgorithm;
    this.#pollDelayMs = merged.pollDelayMs;
    this.#maxWaitMs = merged.maxWaitMs;
    this.#now = merged.now;
  }

  /**
   * 1. IssueCertificate with a token derived from the CSR and validity, so a retried call
   *    within five minutes gets the same certificate instead of a second one. A validity
   *    beyond the CA certificate's expiry is cut short at that expiry: ACM Private CA refuses
   *    it ("The end of the validity period configured on a certificate must not exceed the
   *    limit set on its parents in the CA hierarchy", IssueCertificate API reference), and a
   *    certificate cannot be trusted longer than its CA anyway.
   * 2. GetCertificate until it stops answering RequestInProgressException.
   * 3. The certificate (without the chain: AWS IoT and the device need the leaf) and its
   *    serial number.
   */
  async issue(request: IssueCertificateRequest): Promise<IssuedCertificate> {
    const certificateArn = await this.#requestCertificate(request);
    const certificatePem = await this.#awaitCertificate(certificateArn);
    return { certificatePem, serialNumber: new X509Certificate(certificatePem).serialNumber };
  }

  async #requestCertificate({ csrPem, validityMs }: IssueCertificateRequest): Promise<string> {
    const command = new IssueCertificateCommand({
      CertificateAuthorityArn: this.#certificateAuthorityArn,
      Csr: new TextEncoder().encode(csrPem),
      SigningAlgorithm: this.#signingAlgorithm,
      TemplateArn: this.#templateArn,
      Validity: this.#validity(validityMs),
      IdempotencyToken: createHash("sha256")
        .update(`${validityMs}\n${csrPem}`)
        .digest("hex")
        .slice(0, IDEMPOTENCY_TOKEN_LENGTH),
    });
    let reply: IssueCertificateCommandOutput;
    try {
      reply = await this.#pca.send(command);
    } catch (error) {
      if (errorName(error) === "MalformedCSRException") {
        throw new CertificateIssueError(
          `AWS Private CA refused the certificate signing request: ${(error as Error).message}`,
          { reason: "invalid-csr", cause: error },
        );
      }
      throw mapAwsError(ACM_PCA_SERVICE, "IssueCertificate", error);
    }
    if (reply.CertificateArn === undefined) {
      throw new CertificateIssueError("AWS Private CA answered IssueCertificate without an ARN", {
        reason: "failed",
      });
    }
    return reply.CertificateArn;
  }

  /**
   * Whole days as DAYS; any other span as an ABSOLUTE end time; a span reaching past the CA
   * certificate's expiry as that expiry (ABSOLUTE, rounded down to stay within it).
   */
  #validity(validityMs: number): Validity {
    if (!Number.isInteger(validityMs) || validityMs <= 0) {
      throw new RangeError(`validityMs must be a positive integer, got ${validityMs}`);
    }
    const now = this.#now();
    if (now >= this.#caNotAfterMs) {
      throw new CertificateIssueError(
        `the CA's certificate expired at ${new Date(this.#caNotAfterMs).toISOString()}: it can issue no certificate`,
        { reason: "failed" },
      );
    }
    if (now + validityMs > this.#caNotAfterMs) {
      return { Type: "ABSOLUTE", Value: Math.floor(this.#caNotAfterMs / 1_000) };
    }
    if (validityMs % DAY_MS === 0) return { Type: "DAYS", Value: validityMs / DAY_MS };
    return { Type: "ABSOLUTE", Value: Math.ceil((now + validityMs) / 1_000) };
  }

  async #awaitCertificate(certificateArn: string): Promise<string> {
    const command = new GetCertificateCommand({
      CertificateAuthorityArn: this.#certificateAuthorityArn,
      CertificateArn: certificateArn,
    });
    let waitedMs = 0;
    for (let delayMs = this.#pollDelayMs; ; delayMs = Math.min(delayMs * 2, MAX_POLL_DELAY_MS)) {
      let reply: GetCertificateCommandOutput;
      try {
        reply = await this.#pca.send(command);
      } catch (error) {
        const name = errorName(error);
        if (name === "RequestFailedException") {
          throw new CertificateIssueError(
            `AWS Private CA failed to issue ${certificateArn}: ${(error as Error).message}`,
            { reason: "failed", cause: error },
          );
        }
        if (name !== "RequestInProgressException") {
          throw mapAwsError(ACM_PCA_SERVICE, "GetCertificate", error);
        }
        if (waitedMs >= this.#maxWaitMs) {
          throw new CertificateIssueError(
            `AWS Private CA did not issue ${certificateArn} within ${this.#maxWaitMs} ms`,
            { reason: "timed-out", cause: error },
          );
        }
        await sleep(delayMs);
        waitedMs += delayMs;
        continue;
      }
      if (reply.Certificate === undefined) {
        throw new CertificateIssueError(
          `AWS Private CA returned no certificate for ${certificateArn}`,
          {
            reason: "failed",
          },
        );
      }
      return reply.Certificate;
    }
  }
}
