import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CredentialsError } from "../../src/errors.ts";
import { createCredentialStore } from "../../src/provisioning/credential-store.ts";
import { createCsrPem, generateDeviceKeyPem } from "../../src/provisioning/key-material.ts";
import { createTestPki } from "../support/test-pki.ts";

describe("credential store", () => {
  let base: string;
  let dir: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "fleet-device-creds-"));
    dir = join(base, "credentials");
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const store = () =>
    createCredentialStore({ certFile: join(dir, "cert.pem"), keyFile: join(dir, "key.pem") });
  const mode = async (path: string) => (await stat(path)).mode & 0o777;

  it("writes the key mode 0600 in a directory it makes 0700, leaving no temporary file", async () => {
    const credentials = store();
    expect(await credentials.state()).toBe("none");
    await credentials.writeKey(await generateDeviceKeyPem());
    expect(await mode(dir)).toBe(0o700);
    expect(await mode(join(dir, "key.pem"))).toBe(0o600);
    expect(await readdir(dir)).toEqual(["key.pem"]);
    expect(await credentials.state()).toBe("key-only");
  });

  it("stores a certificate issued for the key, mode 0600, and then counts as provisioned", async () => {
    const pki = await createTestPki("sim-0001");
    const credentials = store();
    const keyPem = await generateDeviceKeyPem();
    await credentials.writeKey(keyPem);
    const certificatePem = await pki.signCsr(await createCsrPem("sim-0001", keyPem));
    await credentials.writeCertificate(certificatePem);
    expect(await readFile(join(dir, "cert.pem"), "utf8")).toBe(certificatePem);
    expect(await mode(join(dir, "cert.pem"))).toBe(0o600);
    expect(await credentials.state()).toBe("provisioned");
  });

  it("refuses a certificate for another key and writes nothing", async () => {
    const pki = await createTestPki("sim-0001");
    const credentials = store();
    await credentials.writeKey(await generateDeviceKeyPem());
    const error = await credentials.writeCertificate(pki.device.certPem).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toMatch(/does not match the device key/);
    expect(await readdir(dir)).toEqual(["key.pem"]);
  });

  it("refuses to go on with a certificate whose key is missing", async () => {
    const credentials = store();
    await credentials.writeKey("placeholder");
    await writeFile(join(dir, "cert.pem"), "cert");
    await rm(join(dir, "key.pem"));
    const error = await credentials.state().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe(
      `the device certificate ${join(dir, "cert.pem")} exists but its key ${join(dir, "key.pem")} does not`,
    );
  });
});
