import { createPrivateKey, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { certificateIdOf } from "@fleet/core/contracts";
import type { IotRegistry } from "./iot-core/registry.ts";
import { generateP256KeyPair } from "./local-ca/key-pair.ts";
import type { LocalCa } from "./local-ca/local-ca.ts";
import { ensurePrivateDir, readOptionalFile, writePrivateFile } from "./state/private-files.ts";

/** The shared claim certificate a board's image carries before it has its own. */
export interface ClaimCredentials {
  certificateId: string;
  certFile: string;
  keyFile: string;
  /** The sandbox CA certificate, to verify the broker. */
  caFile: string;
  templateName: string;
}

const CLAIM_COMMON_NAME = "fleet-sandbox-claim";
const CLAIM_VALIDITY_MS = 5 * 365 * 24 * 3600 * 1000;

/**
 * Makes sure `dir` holds a claim certificate and key the registry knows ACTIVE, with the claim
 * policy attached and no thing, as the stage's stack creates one:
 *  1. Reuse the files when the key matches the certificate and the registry has it ACTIVE and
 *     unexpired.
 *  2. Otherwise issue a new one (P-256 key generated here, like AWS-generated claim keys) and
 *     register it ACTIVE.
 *  3. Attach the claim policy and write the CA certificate next to them (0600, directory 0700).
 */
export async function ensureClaimCredentials(deps: {
  registry: IotRegistry;
  ca: LocalCa;
  dir: string;
  policyName: string;
  templateName: string;
}): Promise<ClaimCredentials> {
  const { registry, ca, dir } = deps;
  const files = {
    certFile: join(dir, "claim-cert.pem"),
    keyFile: join(dir, "claim-key.pem"),
    caFile: join(dir, "ca.pem"),
  };
  await ensurePrivateDir(dir);
  let certificateId = await reusableClaim(registry, files);
  if (certificateId === undefined) {
    const { privateKeyPem, publicKeyPem } = await generateP256KeyPair();
    const issued = await ca.issueCertificate(
      { publicKey: publicKeyPem },
      {
        commonName: CLAIM_COMMON_NAME,
        validity: {
          notAfter: new Date(Math.min(Date.now() + CLAIM_VALIDITY_MS, ca.notAfter.getTime())),
        },
      },
    );
    await registry.registerCertificate({ certificatePem: issued.certificatePem, status: "ACTIVE" });
    await writePrivateFile(files.keyFile, privateKeyPem);
    await writePrivateFile(files.certFile, issued.certificatePem);
    certificateId = issued.certificateId;
  }
  await registry.attachPolicy(deps.policyName, certificateId);
  await writePrivateFile(files.caFile, ca.certificatePem);
  return { certificateId, ...files, templateName: deps.templateName };
}

async function reusableClaim(
  registry: IotRegistry,
  files: { certFile: string; keyFile: string },
): Promise<string | undefined> {
  const [certificatePem, keyPem] = await Promise.all([
    readOptionalFile(files.certFile),
    readOptionalFile(files.keyFile),
  ]);
  if (certificatePem === null || keyPem === null) return undefined;
  try {
    const certificate = new X509Certificate(certificatePem);
    if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
    const certificateId = certificateIdOf(certificate.raw);
    const record = registry.findCertificate(certificateId);
    const usable =
      record?.status === "ACTIVE" &&
      new Date(record.notAfter) > new Date() &&
      registry.listPrincipalThings(certificateId).length === 0;
    return usable ? certificateId : undefined;
  } catch {
    return undefined; // unreadable leftovers are replaced by a new claim certificate
  }
}
