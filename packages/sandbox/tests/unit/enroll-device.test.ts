import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devicePolicyDocument } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { enrollDevice } from "../../src/enroll-device.ts";
import { InvalidRequestError } from "../../src/errors.ts";
import { IotRegistry } from "../../src/iot-core/registry.ts";
import { DEVICE_POLICY_NAME, SANDBOX_SCOPE } from "../../src/iot-core/sandbox-scope.ts";
import { type LocalCa, openLocalCa } from "../../src/local-ca/local-ca.ts";

describe("device enrollment", () => {
  let dir: string;
  let deps: { registry: IotRegistry; ca: LocalCa };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-enroll-"));
    deps = { registry: await IotRegistry.open(dir), ca: await openLocalCa(join(dir, "ca")) };
    await deps.registry.createPolicy(DEVICE_POLICY_NAME, devicePolicyDocument(SANDBOX_SCOPE));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("writes a private key only the owner can read and an ACTIVE certificate bound to the thing", async () => {
    const deviceDir = join(dir, "device");
    const enrolled = await enrollDevice(deps, "SN-0001", deviceDir, { validityMs: 3600_000 });
    expect((await stat(deviceDir)).mode & 0o777).toBe(0o700);
    for (const file of [enrolled.keyFile, enrolled.certFile, enrolled.caFile]) {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    const certificate = new X509Certificate(await readFile(enrolled.certFile, "utf8"));
    expect(certificate.subject).toBe("CN=SN-0001");
    expect(await readFile(enrolled.caFile, "utf8")).toBe(deps.ca.certificatePem);
    expect(deps.registry.describeCertificate(enrolled.certificateId)).toMatchObject({
      status: "ACTIVE",
      notAfter: enrolled.notAfter,
    });
    expect(deps.registry.listPrincipalThings(enrolled.certificateId)).toEqual(["SN-0001"]);
    expect(
      deps.registry.listAttachedPolicies(enrolled.certificateId).map((p) => p.policyName),
    ).toEqual([DEVICE_POLICY_NAME]);
  });

  it("reuses valid credentials, and replaces them once the certificate is no longer ACTIVE", async () => {
    const deviceDir = join(dir, "device");
    const first = await enrollDevice(deps, "SN-0002", deviceDir);
    expect(await enrollDevice(deps, "SN-0002", deviceDir)).toEqual(first);

    await deps.registry.updateCertificate(first.certificateId, "REVOKED");
    const replaced = await enrollDevice(deps, "SN-0002", deviceDir);
    expect(replaced.certificateId).not.toBe(first.certificateId);
    expect(deps.registry.describeCertificate(replaced.certificateId).status).toBe("ACTIVE");
  });

  it("replaces a key that does not match the certificate", async () => {
    const deviceDir = join(dir, "device");
    const first = await enrollDevice(deps, "SN-0003", deviceDir);
    const other = await enrollDevice(deps, "SN-0004", join(dir, "other"));
    await writeFile(first.keyFile, await readFile(other.keyFile, "utf8"));
    expect((await enrollDevice(deps, "SN-0003", deviceDir)).certificateId).not.toBe(
      first.certificateId,
    );
  });

  it("rejects a serial that cannot be a thing name", async () => {
    await expect(enrollDevice(deps, "../etc", join(dir, "bad"))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });
});
