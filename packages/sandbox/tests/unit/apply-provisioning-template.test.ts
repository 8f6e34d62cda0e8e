import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provisioningTemplateBody, SERIAL_ATTRIBUTE } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProvisioningTemplateError } from "../../src/errors.ts";
import { applyProvisioningTemplate } from "../../src/iot-core/apply-provisioning-template.ts";
import { IotRegistry } from "../../src/iot-core/registry.ts";
import { generateP256KeyPair } from "../../src/local-ca/key-pair.ts";
import { openLocalCa } from "../../src/local-ca/local-ca.ts";

const names = { thingGroupName: "fleet-test-devices", devicePolicyName: "fleet-test-device" };
const template = provisioningTemplateBody(names);

describe("applying the provisioning template", () => {
  let dir: string;
  let registry: IotRegistry;
  let certificateId: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-template-"));
    const ca = await openLocalCa(join(dir, "ca"));
    registry = await IotRegistry.open(dir);
    await registry.createThingGroup(names.thingGroupName);
    await registry.createPolicy(names.devicePolicyName, {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "iot:Connect", Resource: "*" }],
    });
    const issued = await ca.issueCertificate(
      { publicKey: (await generateP256KeyPair()).publicKeyPem },
      { commonName: "SN-TPL-0001", validity: { durationMs: 3600_000 } },
    );
    ({ certificateId } = await registry.registerCertificate({
      certificatePem: issued.certificatePem,
      status: "PENDING_ACTIVATION",
    }));
  });
  afterEach(async () => {
    await registry.flush();
    await rm(dir, { recursive: true, force: true });
  });

  it("replaces an existing thing's attributes and leaves its groups alone, as the overrides say", async () => {
    await registry.createThing({
      thingName: "SN-TPL-0001",
      attributes: { [SERIAL_ATTRIBUTE]: "x", old: "1" },
    });

    const { thingName } = await applyProvisioningTemplate(registry, template, {
      certificateId,
      parameters: { SerialNumber: "SN-TPL-0001" },
    });

    expect(thingName).toBe("SN-TPL-0001");
    expect(registry.describeThing("SN-TPL-0001").attributes).toEqual({
      [SERIAL_ATTRIBUTE]: "SN-TPL-0001",
    });
    expect(registry.listThingGroupsForThing("SN-TPL-0001")).toEqual([]);
    expect(registry.describeCertificate(certificateId).status).toBe("ACTIVE");
    expect(registry.listPrincipalThings(certificateId)).toEqual(["SN-TPL-0001"]);
  });

  it("refuses a template whose parameter the request does not provide, changing nothing", async () => {
    await expect(
      applyProvisioningTemplate(registry, template, { certificateId, parameters: {} }),
    ).rejects.toThrow(
      new ProvisioningTemplateError("thing", "parameter SerialNumber was not provided"),
    );
    expect(registry.listThings()).toEqual([]);
    expect(registry.describeCertificate(certificateId).status).toBe("PENDING_ACTIVATION");
  });
});
