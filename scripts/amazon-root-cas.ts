import { X509Certificate } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { rootCertificates } from "node:tls";

/**
 * `node scripts/amazon-root-cas.ts`: writes `os-image/files/amazon-root-cas.pem`, the CA bundle
 * the image's device client trusts, from the Mozilla root store Node ships
 * (`tls.rootCertificates`). AWS IoT Core's ATS endpoints chain to Amazon Root CA 1 (RSA) or 3
 * (ECC); Amazon Trust Services recommends trusting all its roots, so the bundle holds 1 to 4.
 * tests/os-image/root-cas.test.ts checks each against the repository page's key hashes.
 */

const ROOT = resolve(import.meta.dirname, "..");
export const AMAZON_ROOT_CAS_FILE = resolve(ROOT, "os-image/files/amazon-root-cas.pem");
export const AMAZON_ROOT_CA_NAMES = [1, 2, 3, 4].map((n) => `Amazon Root CA ${n}`);

/** The bundle: each root's PEM after a comment line naming it (PEM readers skip such lines). */
export function amazonRootCaBundle(store: readonly string[] = rootCertificates): string {
  const blocks = AMAZON_ROOT_CA_NAMES.map((name) => {
    const pem = store.find((candidate) => {
      const certificate = new X509Certificate(candidate);
      return certificate.subject === `C=US\nO=Amazon\nCN=${name}` && certificate.ca;
    });
    if (pem === undefined) throw new Error(`${name} is not in Node's root store`);
    return `# ${name}\n${pem.trim()}\n`;
  });
  return blocks.join("");
}

if (import.meta.main) {
  await writeFile(AMAZON_ROOT_CAS_FILE, amazonRootCaBundle());
  console.log(`wrote ${AMAZON_ROOT_CAS_FILE}`);
}
