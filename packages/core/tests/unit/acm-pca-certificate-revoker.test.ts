import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  ACMPCAClient,
  RequestAlreadyProcessedException,
  ResourceNotFoundException,
  RevokeCertificateCommand,
} from "@aws-sdk/client-acm-pca";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import {
  AcmPcaCertificateRevoker,
  createAcmPcaClient,
  pcaSerial,
} from "../../src/adapters/aws/index.ts";
import { describeCertificateRevoker } from "../port-suites/index.ts";
import {
  onFakeClock,
  stubHttpHandler,
  TEST_CREDENTIALS,
  throttled,
} from "./fakes/stub-http-handler.ts";

// Made with openssl: a P-256 CA, three device certificates it signed (serials 7d0a3f41c2e5,
// e8cbd2bedb122329f97706bcfec990f8 and 0abc), and an impostor naming the same issuer, signed by
// another key with the same subject (no key identifiers, so only the signature tells them apart).
const pem = (name: string) =>
  readFileSync(new URL(`../fixtures/aws/pca/${name}.pem`, import.meta.url), "utf8");
const CA_PEM = pem("ca");
const DEVICES = [pem("device-1"), pem("device-2"), pem("device-3")];
const IMPOSTOR = pem("impostor");
const CA_ARN =
  "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/12345678-1234-1234-1234-123456789012";

const pca = new ACMPCAClient({ region: "eu-west-1" });
const mock = mockClient(pca);

/** The CA's revocation list behind aws-sdk-client-mock: a serial revoked twice is refused as done. */
function inMemoryCa(): Set<string> {
  const revoked = new Set<string>();
  mock.reset();
  mock.on(RevokeCertificateCommand).callsFake(async (input) => {
    if (input.CertificateAuthorityArn !== CA_ARN) {
      throw new ResourceNotFoundException({ message: "no such CA", $metadata: {} });
    }
    const serial = input.CertificateSerial ?? "";
    if (revoked.has(serial)) {
      throw new RequestAlreadyProcessedException({
        message: "Your request has already been completed.",
        $metadata: {},
      });
    }
    revoked.add(serial);
    return {};
  });
  return revoked;
}

function revoker(): AcmPcaCertificateRevoker {
  return new AcmPcaCertificateRevoker({
    pca,
    certificateAuthorityArn: CA_ARN,
    caCertificatePem: CA_PEM,
  });
}

describeCertificateRevoker(
  "AcmPcaCertificateRevoker (aws-sdk-client-mock over an in-memory CA)",
  async () => {
    const revoked = inMemoryCa();
    const unissued = [...DEVICES];
    return {
      revoker: revoker(),
      issue: async () => {
        const next = unissued.shift();
        if (next === undefined) throw new Error("no more fixture certificates to issue");
        return next;
      },
      impostor: async () => IMPOSTOR,
      isRevoked: async (certificatePem) =>
        revoked.has(pcaSerial(new X509Certificate(certificatePem).serialNumber)),
    };
  },
);

describe("AcmPcaCertificateRevoker", () => {
  beforeEach(() => {
    inMemoryCa();
  });

  it("revokes by the CA's ARN and the serial in hex bytes, as no longer in operation", async () => {
    expect(await revoker().revokeIfIssued(DEVICES[1] ?? "")).toBe(true);

    expect(mock.commandCalls(RevokeCertificateCommand).map((c) => c.args[0].input)).toEqual([
      {
        CertificateAuthorityArn: CA_ARN,
        CertificateSerial: "e8:cb:d2:be:db:12:23:29:f9:77:06:bc:fe:c9:90:f8",
        RevocationReason: "CESSATION_OF_OPERATION",
      },
    ]);
  });

  it("keeps a serial's leading zero byte", () => {
    expect(pcaSerial("0ABC")).toBe("0a:bc");
    expect(pcaSerial("ABC")).toBe("0a:bc");
  });

  it("sends nothing for a certificate whose issuer name matches but whose signature does not", async () => {
    expect(await revoker().revokeIfIssued(IMPOSTOR)).toBe(false);

    expect(mock.commandCalls(RevokeCertificateCommand)).toHaveLength(0);
  });

  it("names the refused operation when IAM denies the revocation", async () => {
    mock
      .on(RevokeCertificateCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));

    const error = await revoker()
      .revokeIfIssued(DEVICES[0] ?? "")
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as Error).message).toMatch(/allows acm-pca:RevokeCertificate$/);
  });

  it("fails when the CA does not exist", async () => {
    const wrong = new AcmPcaCertificateRevoker({
      pca,
      certificateAuthorityArn: `${CA_ARN}0`,
      caCertificatePem: CA_PEM,
    });

    await expect(wrong.revokeIfIssued(DEVICES[0] ?? "")).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });
});

describe("AcmPcaCertificateRevoker on createAcmPcaClient", () => {
  it("retries a throttled revocation until it goes through", async () => {
    const targets: string[] = [];
    let throttledOnce = false;
    const { handler } = stubHttpHandler((request) => {
      targets.push(request.headers["x-amz-target"] ?? "");
      if (throttledOnce) return { statusCode: 200, body: {} };
      throttledOnce = true;
      return throttled();
    });
    const real = new AcmPcaCertificateRevoker({
      pca: createAcmPcaClient({
        region: "eu-west-1",
        credentials: TEST_CREDENTIALS,
        requestHandler: handler,
      }),
      certificateAuthorityArn: CA_ARN,
      caCertificatePem: CA_PEM,
    });

    expect(await onFakeClock(() => real.revokeIfIssued(DEVICES[0] ?? ""))).toBe(true);
    expect(targets).toEqual(["ACMPrivateCA.RevokeCertificate", "ACMPrivateCA.RevokeCertificate"]);
  });
});
