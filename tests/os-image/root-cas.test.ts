import { createHash, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AMAZON_ROOT_CAS_FILE, amazonRootCaBundle } from "../../scripts/amazon-root-cas.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/**
 * SHA-256 of each root's SubjectPublicKeyInfo, as the Amazon Trust Services repository page
 * (https://www.amazontrust.com/repository/, "Root CAs") lists it.
 */
const AMAZON_TRUST_SERVICES_ROOTS = [
  ["CN=Amazon Root CA 1", "fbe3018031f9586bcbf41727e417b7d1c45c2f47f93be372a17b96b50757d5a2"],
  ["CN=Amazon Root CA 2", "7f4296fc5b6a4e3b35d3c369623e364ab1af381d8fa7121533c9d6c633ea2461"],
  ["CN=Amazon Root CA 3", "36abc32656acfc645c61b71613c4bf21c787f5cabbee48348d58597803d7abc9"],
  ["CN=Amazon Root CA 4", "f7ecded5c66047d28ed6466b543c40e0743abe81d109254dcf845d4c2c7853c5"],
];

function certificatesIn(bundle: string): X509Certificate[] {
  const pems = bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  return (pems ?? []).map((pem) => new X509Certificate(pem));
}

const spkiSha256 = (certificate: X509Certificate) =>
  createHash("sha256")
    .update(certificate.publicKey.export({ type: "spki", format: "der" }))
    .digest("hex");

describe("the image's CA bundle", () => {
  it("holds Amazon Root CA 1-4, each self-signed with the key Amazon Trust Services publishes", async () => {
    const certificates = certificatesIn(await readFile(AMAZON_ROOT_CAS_FILE, "utf8"));
    expect(
      certificates.map((certificate) => [
        certificate.subject.split("\n").at(-1),
        spkiSha256(certificate),
      ]),
    ).toEqual(AMAZON_TRUST_SERVICES_ROOTS);
    for (const certificate of certificates) {
      expect(certificate.ca).toBe(true);
      expect(certificate.issuer).toBe(certificate.subject);
      expect(certificate.verify(certificate.publicKey)).toBe(true);
    }
    // ATS endpoints present an RSA chain to CA 1 or an ECC one to CA 3.
    expect(certificates.map((c) => c.publicKey.asymmetricKeyType)).toEqual([
      "rsa",
      "rsa",
      "ec",
      "ec",
    ]);
  });

  it("is what scripts/amazon-root-cas.ts makes from Node's root store, and Node's TLS takes it", async () => {
    const bundle = await readFile(AMAZON_ROOT_CAS_FILE, "utf8");
    expect(amazonRootCaBundle()).toBe(bundle);
    expect(() => createSecureContext({ ca: bundle })).not.toThrow();
  });

  it("is what the image installs as the device client's CA file", async () => {
    const install = await readFile(join(REPO, "os-image/files/install-fleet.sh"), "utf8");
    const firstBoot = await readFile(join(REPO, "os-image/files/fleet-firstboot.sh"), "utf8");
    // root-ca.pem is staged from this bundle by default (fleet image build --root-ca).
    expect(install).toContain('install -m 0644 "$STAGING/root-ca.pem" /etc/fleet/root-ca.pem');
    expect(install).toContain("FLEET_CA_FILE=/etc/fleet/root-ca.pem");
    expect(firstBoot).toContain('"tls": { "caFile": "$FLEET_CA_FILE" }');
  });
});
