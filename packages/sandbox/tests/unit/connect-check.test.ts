import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devicePolicyDocument } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkConnect } from "../../src/iot-core/broker/connect-check.ts";
import { IotRegistry } from "../../src/iot-core/registry.ts";
import { SANDBOX_SCOPE } from "../../src/iot-core/sandbox-scope.ts";
import { generateP256KeyPair } from "../../src/local-ca/key-pair.ts";
import { openLocalCa } from "../../src/local-ca/local-ca.ts";

const DAY = 24 * 3600_000;

describe("the CONNECT check", () => {
  let dir: string;
  let registry: IotRegistry;
  let certificateId: string;
  let notAfter: Date;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-connect-check-"));
    const ca = await openLocalCa(join(dir, "ca"));
    registry = await IotRegistry.open(dir);
    const { publicKeyPem } = await generateP256KeyPair();
    const issued = await ca.issueCertificate(
      { publicKey: publicKeyPem },
      { commonName: "thing-1", validity: { durationMs: DAY } },
    );
    ({ certificateId, notAfter } = issued);
    await registry.registerCertificate({ certificatePem: issued.certificatePem, status: "ACTIVE" });
    await registry.createThing({ thingName: "thing-1" });
    await registry.attachThingPrincipal("thing-1", certificateId);
    await registry.createPolicy("device", devicePolicyDocument(SANDBOX_SCOPE));
    await registry.attachPolicy("device", certificateId);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const attempt = (clientId: string) => ({
    clientId,
    certificateId,
    certificateSubject: { CN: "thing-1" },
  });

  it("lets the thing connect under its own name with its policies", () => {
    const verdict = checkConnect(registry, attempt("thing-1"), new Date());
    expect(verdict).toMatchObject({
      allowed: true,
      context: { clientId: "thing-1", certificateId, thingName: "thing-1", thingAttributes: {} },
    });
  });

  it("refuses an expired certificate even though it is ACTIVE", () => {
    const later = new Date(notAfter.getTime() + 1000);
    expect(checkConnect(registry, attempt("thing-1"), later)).toEqual({
      allowed: false,
      reason: `certificate ${certificateId} expired at ${notAfter.toISOString()}`,
    });
  });

  it("refuses a certificate before its validity starts", () => {
    const earlier = new Date(Date.now() - DAY);
    expect(checkConnect(registry, attempt("thing-1"), earlier)).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(
        new RegExp(`^certificate ${certificateId} is not valid before `),
      ),
    });
  });

  it("refuses when the policy does not allow iot:Connect, naming the resource", async () => {
    await registry.detachPolicy("device", certificateId);
    expect(checkConnect(registry, attempt("thing-1"), new Date())).toEqual({
      allowed: false,
      reason:
        "iot:Connect on arn:aws:iot:local-1:000000000000:client/thing-1 denied (implicit-deny)",
    });
  });

  it("lets a certificate without a thing connect under any id its policy allows", async () => {
    await registry.detachThingPrincipal("thing-1", certificateId);
    await registry.createPolicy("any-client", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "iot:Connect", Resource: "*" }],
    });
    await registry.attachPolicy("any-client", certificateId);
    expect(checkConnect(registry, attempt("tool-7"), new Date())).toMatchObject({
      allowed: true,
      context: { clientId: "tool-7" },
    });
  });
});
