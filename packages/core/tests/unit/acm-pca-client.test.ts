import { createRequire } from "node:module";
import { IssueCertificateCommand } from "@aws-sdk/client-acm-pca";
import { describe, expect, it } from "vitest";
import { createAcmPcaClient } from "../../src/adapters/aws/index.ts";

const CA_ARN =
  "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012";
const CERT_ARN = `${CA_ARN}/certificate/7d0a3f41c2e5`;

interface SentRequest {
  hostname: string;
  path: string;
  headers: Record<string, string>;
}

/**
 * An HTTP handler in place of the network: records each request the client's middleware built
 * and answers from `replies` in turn. Unlike a mock of `send`, every middleware runs:
 * serialization, endpoint resolution, user agent, retries, SigV4 signing.
 */
function recordingHandler(replies: { statusCode: number; body: object }[]) {
  const sent: SentRequest[] = [];
  return {
    sent,
    handler: {
      async handle(request: SentRequest) {
        sent.push({
          hostname: request.hostname,
          path: request.path,
          headers: { ...request.headers },
        });
        const reply = replies[Math.min(sent.length - 1, replies.length - 1)] ?? replies[0];
        return {
          response: {
            statusCode: reply?.statusCode ?? 500,
            headers: { "content-type": "application/x-amz-json-1.1" },
            body: new TextEncoder().encode(JSON.stringify(reply?.body ?? {})),
          },
        };
      },
    },
  };
}

function client(handler: ReturnType<typeof recordingHandler>["handler"]) {
  return createAcmPcaClient({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    requestHandler: handler as never,
  });
}

const issue = () =>
  new IssueCertificateCommand({
    CertificateAuthorityArn: CA_ARN,
    Csr: new TextEncoder().encode("csr"),
    SigningAlgorithm: "SHA256WITHECDSA",
    Validity: { Type: "DAYS", Value: 7 },
  });

/** Where a package resolves from the directory of another (which copy it loads). */
const resolvedFrom = (client: string, dependency: string) =>
  createRequire(createRequire(import.meta.url).resolve(client)).resolve(dependency);

describe("createAcmPcaClient", () => {
  // client-acm-pca 3.523.0 is the newest this registry serves; the root package.json's
  // `overrides` give it the current line's dependencies (docs in README, "AWS SDK").
  it("loads the same SDK core, credentials and HTTP handler as the other AWS clients", () => {
    for (const dependency of [
      "@aws-sdk/core",
      "@aws-sdk/credential-provider-node",
      "@smithy/core",
      "@smithy/node-http-handler",
    ]) {
      expect(resolvedFrom("@aws-sdk/client-acm-pca", dependency)).toBe(
        resolvedFrom("@aws-sdk/client-iot", dependency),
      );
    }
  });

  it("serializes, signs and sends IssueCertificate through the SDK's own middleware", async () => {
    const { sent, handler } = recordingHandler([
      { statusCode: 200, body: { CertificateArn: CERT_ARN } },
    ]);

    const reply = await client(handler).send(issue());

    expect(reply.CertificateArn).toBe(CERT_ARN);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.hostname).toBe("acm-pca.eu-west-1.amazonaws.com");
    expect(sent[0]?.headers["x-amz-target"]).toBe("ACMPrivateCA.IssueCertificate");
    expect(sent[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/acm-pca\/aws4_request, /,
    );
  });

  it("retries a throttled call with its retry settings, then returns the answer", async () => {
    const { sent, handler } = recordingHandler([
      { statusCode: 400, body: { __type: "ThrottlingException", message: "Rate exceeded" } },
      { statusCode: 200, body: { CertificateArn: CERT_ARN } },
    ]);

    const reply = await client(handler).send(issue());

    expect(reply.CertificateArn).toBe(CERT_ARN);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.headers["amz-sdk-request"]).toMatch(/^attempt=2; max=8$/);
  });
});
