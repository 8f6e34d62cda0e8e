import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { devicePolicyDocument, type IotPolicyDocument } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CertificateStateError,
  DeleteConflictError,
  InvalidRequestError,
  ResourceAlreadyExistsError,
  ResourceNotFoundError,
  StateFileError,
} from "../../src/errors.ts";
import { IotRegistry, type RegistryChange } from "../../src/iot-core/registry.ts";
import { SANDBOX_SCOPE } from "../../src/iot-core/sandbox-scope.ts";
import { generateP256KeyPair } from "../../src/local-ca/key-pair.ts";
import { type LocalCa, openLocalCa } from "../../src/local-ca/local-ca.ts";

describe("the IoT registry", () => {
  let dir: string;
  let ca: LocalCa;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-registry-"));
    ca = await openLocalCa(join(dir, "ca"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function certificatePem(commonName = "device"): Promise<string> {
    const { publicKeyPem } = await generateP256KeyPair();
    const issued = await ca.issueCertificate(
      { publicKey: publicKeyPem },
      { commonName, validity: { durationMs: 3600_000 } },
    );
    return issued.certificatePem;
  }

  it("keeps things, certificates, policies and attachments across a restart", async () => {
    const registry = await IotRegistry.open(dir);
    await registry.createThing({ thingName: "thing-1", attributes: { model: "pi4" } });
    const certificate = await registry.registerCertificate({
      certificatePem: await certificatePem(),
      status: "ACTIVE",
    });
    await registry.createPolicy("device", devicePolicyDocument(SANDBOX_SCOPE));
    await registry.attachPolicy("device", certificate.certificateId);
    await registry.attachThingPrincipal("thing-1", certificate.certificateId);
    await registry.updateCertificate(certificate.certificateId, "INACTIVE");
    await registry.flush();
    expect((await stat(join(dir, "registry.json"))).mode & 0o777).toBe(0o600);

    const reopened = await IotRegistry.open(dir);
    expect(reopened.describeThing("thing-1")).toMatchObject({
      thingName: "thing-1",
      attributes: { model: "pi4" },
      thingArn: "arn:aws:iot:local-1:000000000000:thing/thing-1",
    });
    expect(reopened.describeCertificate(certificate.certificateId)).toMatchObject({
      status: "INACTIVE",
      certificatePem: certificate.certificatePem,
      notAfter: certificate.notAfter,
    });
    expect(
      reopened.listAttachedPolicies(certificate.certificateId).map((p) => p.policyName),
    ).toEqual(["device"]);
    expect(reopened.getPolicy("device").policyDocument).toEqual(
      devicePolicyDocument(SANDBOX_SCOPE),
    );
    expect(reopened.listThingPrincipals("thing-1")).toEqual([certificate.certificateId]);
    expect(reopened.listPrincipalThings(certificate.certificateId)).toEqual(["thing-1"]);
  });

  it("names the missing resource when an operation refers to one", async () => {
    const registry = await IotRegistry.open(dir);
    expect(() => registry.describeCertificate("ab".repeat(32))).toThrow(ResourceNotFoundError);
    await expect(registry.attachThingPrincipal("ghost", "ab".repeat(32))).rejects.toMatchObject({
      name: "ResourceNotFoundError",
      resourceType: "thing",
      resourceId: "ghost",
      message: "thing ghost does not exist",
    });
  });

  it("registers a certificate once, INACTIVE unless told otherwise", async () => {
    const registry = await IotRegistry.open(dir);
    const pem = await certificatePem();
    const registered = await registry.registerCertificate({ certificatePem: pem });
    expect(registered.status).toBe("INACTIVE");
    await expect(registry.registerCertificate({ certificatePem: pem })).rejects.toBeInstanceOf(
      ResourceAlreadyExistsError,
    );
    await expect(registry.registerCertificate({ certificatePem: "garbage" })).rejects.toMatchObject(
      {
        name: "InvalidRequestError",
        field: "certificatePem",
      },
    );
  });

  it("never lets a revoked certificate change status again", async () => {
    const registry = await IotRegistry.open(dir);
    const { certificateId } = await registry.registerCertificate({
      certificatePem: await certificatePem(),
      status: "ACTIVE",
    });
    await registry.updateCertificate(certificateId, "REVOKED");
    await expect(registry.updateCertificate(certificateId, "ACTIVE")).rejects.toBeInstanceOf(
      CertificateStateError,
    );
    await expect(
      registry.updateCertificate(certificateId, "PENDING_ACTIVATION"),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(registry.describeCertificate(certificateId).status).toBe("REVOKED");
  });

  it("returns the existing thing for an identical createThing and refuses different attributes", async () => {
    const registry = await IotRegistry.open(dir);
    const first = await registry.createThing({ thingName: "thing-2", attributes: { a: "1" } });
    expect(await registry.createThing({ thingName: "thing-2", attributes: { a: "1" } })).toEqual(
      first,
    );
    await expect(
      registry.createThing({ thingName: "thing-2", attributes: { a: "2" } }),
    ).rejects.toBeInstanceOf(ResourceAlreadyExistsError);
    await expect(registry.createThing({ thingName: "bad name!" })).rejects.toMatchObject({
      name: "InvalidRequestError",
      field: "thingName",
    });
  });

  it("rejects a policy document that is not an IoT policy, naming the failing field", async () => {
    const registry = await IotRegistry.open(dir);
    const document = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Maybe", Action: "iot:*", Resource: "*" }],
    };
    await expect(
      registry.createPolicy("broken", document as unknown as IotPolicyDocument),
    ).rejects.toThrow(/invalid policyDocument: .*Statement\[0\]\.Effect/s);
  });

  it("reports changes that affect a certificate's live sessions", async () => {
    const registry = await IotRegistry.open(dir);
    const changes: RegistryChange[] = [];
    registry.onChange((change) => changes.push(change));
    await registry.createThing({ thingName: "thing-3" });
    const { certificateId } = await registry.registerCertificate({
      certificatePem: await certificatePem(),
      status: "ACTIVE",
    });
    await registry.createPolicy("device", devicePolicyDocument(SANDBOX_SCOPE));
    await registry.attachPolicy("device", certificateId);
    await registry.attachThingPrincipal("thing-3", certificateId);
    await registry.createPolicyVersion("device", devicePolicyDocument(SANDBOX_SCOPE));
    await registry.updateCertificate(certificateId, "INACTIVE");
    expect(changes).toEqual([
      { kind: "certificate-policies", certificateId },
      { kind: "certificate-things", certificateId, thingName: "thing-3", attached: true },
      { kind: "policy-version", policyName: "device", certificateIds: [certificateId] },
      { kind: "certificate-status", certificateId, status: "INACTIVE" },
    ]);
  });

  it("deletes a certificate only once it is no longer ACTIVE and nothing is attached", async () => {
    const registry = await IotRegistry.open(dir);
    await registry.createThing({ thingName: "thing-del" });
    await registry.createPolicy("device", devicePolicyDocument(SANDBOX_SCOPE));
    const { certificateId } = await registry.registerCertificate({
      certificatePem: await certificatePem(),
      status: "ACTIVE",
    });
    await registry.attachPolicy("device", certificateId);
    await registry.attachThingPrincipal("thing-del", certificateId);

    await expect(registry.deleteCertificate(certificateId)).rejects.toBeInstanceOf(
      CertificateStateError,
    );
    await registry.updateCertificate(certificateId, "REVOKED");
    await expect(registry.deleteCertificate(certificateId)).rejects.toThrow(
      /policies still attached \(device\)/,
    );
    await registry.detachPolicy("device", certificateId);
    await expect(registry.deleteCertificate(certificateId)).rejects.toBeInstanceOf(
      DeleteConflictError,
    );
    await expect(registry.deleteThing("thing-del")).rejects.toThrow(/certificates still attached/);
    await registry.detachThingPrincipal("thing-del", certificateId);
    await registry.deleteCertificate(certificateId);
    await registry.deleteThing("thing-del");

    expect(registry.findCertificate(certificateId)).toBeUndefined();
    expect(registry.findThing("thing-del")).toBeUndefined();
    await expect(registry.deleteCertificate(certificateId)).rejects.toBeInstanceOf(
      ResourceNotFoundError,
    );
    await registry.deleteThing("thing-del"); // AWS: deleting a missing thing succeeds
  });

  it("keeps thing groups and their members across a restart, and drops a deleted thing", async () => {
    const registry = await IotRegistry.open(dir);
    await registry.createThingGroup("fleet-devices");
    expect((await registry.createThingGroup("fleet-devices")).thingGroupArn).toBe(
      "arn:aws:iot:local-1:000000000000:thinggroup/fleet-devices",
    );
    await registry.createThing({ thingName: "member-1" });
    await registry.createThing({ thingName: "member-2" });
    await registry.addThingToThingGroup("fleet-devices", "member-1");
    await registry.addThingToThingGroup("fleet-devices", "member-2");
    await registry.addThingToThingGroup("fleet-devices", "member-2");
    await registry.deleteThing("member-2");
    await registry.flush();

    const reopened = await IotRegistry.open(dir);
    expect(reopened.listThingsInThingGroup("fleet-devices")).toEqual(["member-1"]);
    expect(reopened.listThingGroupsForThing("member-1")).toEqual(["fleet-devices"]);
    await expect(reopened.addThingToThingGroup("no-such-group", "member-1")).rejects.toThrow(
      "thing-group no-such-group does not exist",
    );
  });

  it("reads a registry file written before thing groups existed", async () => {
    await writeFile(
      join(dir, "registry.json"),
      JSON.stringify({
        version: 1,
        things: [],
        certificates: [],
        policies: [],
        principalPolicies: {},
        thingPrincipals: {},
      }),
    );
    const registry = await IotRegistry.open(dir);
    expect(registry.findThingGroup("fleet-devices")).toBeUndefined();
  });

  it("replaces a thing's attributes with updateThing and bumps its version", async () => {
    const registry = await IotRegistry.open(dir);
    await registry.createThing({ thingName: "thing-upd", attributes: { serial: "old" } });
    const updated = await registry.updateThing({
      thingName: "thing-upd",
      attributes: { serial: "new" },
    });
    expect(updated).toMatchObject({ attributes: { serial: "new" }, version: 2 });
  });

  it("refuses to start from a registry file it cannot read", async () => {
    await writeFile(join(dir, "registry.json"), '{"version": 2}');
    await expect(IotRegistry.open(dir)).rejects.toBeInstanceOf(StateFileError);
    await writeFile(join(dir, "registry.json"), "{ not json");
    await expect(IotRegistry.open(dir)).rejects.toThrow(/registry.json: not valid JSON/);
  });
});
