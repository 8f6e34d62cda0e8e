import { createPrivateKey, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { certificateIdOf, SERIAL_ATTRIBUTE, thingNameFromSerial } from "@fleet/core/contracts";
import { InvalidRequestError } from "./errors.ts";
import type { IotRegistry } from "./iot-core/registry.ts";
import { DEVICE_POLICY_NAME } from "./iot-core/sandbox-scope.ts";
import { generateP256KeyPair } from "./local-ca/key-pair.ts";
import type { LocalCa } from "./local-ca/local-ca.ts";
import { ensurePrivateDir, readOptionalFile, writePrivateFile } from "./state/private-files.ts";

export interface EnrollDeviceOptions {
  /** Lifetime of a newly issued certificate in milliseconds. Default: 365 days. */
  validityMs?: number;
}

export interface EnrolledDevice {
  thingName: string;
  certificateId: string;
  /** ISO 8601 expiry of the device certificate. */
  notAfter: string;
  /** Paths of the CA certificate, device certificate and private key in the device directory. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

const DEFAULT_VALIDITY_MS = 365 * 24 * 3600 * 1000;
export const DEVICE_CA_FILE = "ca.pem";
export const DEVICE_CERT_FILE = "cert.pem";
export const DEVICE_KEY_FILE = "key.pem";

/**
 * A fixture for tests and benchmarks that need a device principal at once: devices themselves
 * provision by claim (`Sandbox.claim`, the fleet provisioning MQTT API) with a key that never
 * leaves them. Enrolled things are not in the fleet thing group, so reconcile leaves them.
 *
 * Gives the device whose credentials live in `dir` an ACTIVE certificate bound to its thing.
 *  1. Reuse what `dir` holds when the registry has its certificate ACTIVE, unexpired and attached
 *     to this thing, and the key matches the certificate.
 *  2. Otherwise create the thing, generate a P-256 key in `dir` (as the device itself would),
 *     issue and register an ACTIVE certificate for it, attach the device policy and the thing.
 *  3. Write the CA certificate, the device certificate and the key (0600, directory 0700).
 */
export async function enrollDevice(
  deps: { registry: IotRegistry; ca: LocalCa },
  serial: string,
  dir: string,
  options: EnrollDeviceOptions = {},
): Promise<EnrolledDevice> {
  const { registry, ca } = deps;
  const thingName = thingNameOf(serial);
  const files = {
    caFile: join(dir, DEVICE_CA_FILE),
    certFile: join(dir, DEVICE_CERT_FILE),
    keyFile: join(dir, DEVICE_KEY_FILE),
  };
  await ensurePrivateDir(dir);

  const reused = await reusableCertificate(registry, thingName, files);
  if (reused !== undefined) {
    await registry.attachPolicy(DEVICE_POLICY_NAME, reused.certificateId);
    await writePrivateFile(files.caFile, ca.certificatePem);
    return { thingName, ...reused, ...files };
  }

  if (registry.findThing(thingName) === undefined)
    await registry.createThing({ thingName, attributes: { [SERIAL_ATTRIBUTE]: serial } });
  const { privateKeyPem, publicKeyPem } = await generateP256KeyPair();
  await writePrivateFile(files.keyFile, privateKeyPem);
  const issued = await ca.issueCertificate(
    { publicKey: publicKeyPem },
    { commonName: thingName, validity: { durationMs: options.validityMs ?? DEFAULT_VALIDITY_MS } },
  );
  await registry.registerCertificate({ certificatePem: issued.certificatePem, status: "ACTIVE" });
  await registry.attachPolicy(DEVICE_POLICY_NAME, issued.certificateId);
  await registry.attachThingPrincipal(thingName, issued.certificateId);
  await writePrivateFile(files.certFile, issued.certificatePem);
  await writePrivateFile(files.caFile, ca.certificatePem);
  return {
    thingName,
    certificateId: issued.certificateId,
    notAfter: issued.notAfter.toISOString(),
    ...files,
  };
}

function thingNameOf(serial: string): string {
  try {
    return thingNameFromSerial(serial);
  } catch (error) {
    throw new InvalidRequestError("serial", `${JSON.stringify(serial)} is not a device serial`, {
      cause: error,
    });
  }
}

async function reusableCertificate(
  registry: IotRegistry,
  thingName: string,
  files: { certFile: string; keyFile: string },
): Promise<{ certificateId: string; notAfter: string } | undefined> {
  const [certificatePem, keyPem] = await Promise.all([
    readOptionalFile(files.certFile),
    readOptionalFile(files.keyFile),
  ]);
  if (certificatePem === null || keyPem === null) return undefined;
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
    if (!certificate.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
  } catch {
    return undefined; // unreadable leftovers are replaced by a fresh enrollment
  }
  const certificateId = certificateIdOf(certificate.raw);
  const record = registry.findCertificate(certificateId);
  const usable =
    record?.status === "ACTIVE" &&
    new Date(record.notAfter) > new Date() &&
    registry.listPrincipalThings(certificateId).includes(thingName);
  return usable ? { certificateId, notAfter: record.notAfter } : undefined;
}
