import { readFileSync } from "node:fs";
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CertificateStateException,
  DeleteCertificateCommand,
  DeleteConflictException,
  DeleteThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  ListThingsInThingGroupCommand,
  RegisterCertificateWithoutCACommand,
  ResourceNotFoundException,
  UnauthorizedException,
  UpdateCertificateCommand,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { createIotClient, IotDeviceRegistry } from "../../src/adapters/aws/index.ts";
import { FleetError } from "../../src/errors.ts";
import type { RegisteredDevice } from "../../src/ports/index.ts";
import { describeDeviceRegistry } from "../port-suites/index.ts";
import { InMemoryIot } from "./fakes/in-memory-iot.ts";
import {
  onFakeClock,
  type StubReply,
  stubHttpHandler,
  TEST_CREDENTIALS,
  throttled,
} from "./fakes/stub-http-handler.ts";

const GROUP = "fleet-dev-devices";
const iot = new IoTClient({ region: "eu-west-1" });
const mock = mockClient(iot);

function inputs<T>(command: new (input: T) => unknown): T[] {
  return mock
    .commandCalls(command as Parameters<typeof mock.commandCalls>[0])
    .map((call) => call.args[0].input as T);
}

async function listAll(registry: IotDeviceRegistry): Promise<RegisteredDevice[]> {
  const devices: RegisteredDevice[] = [];
  for await (const device of registry.listDevices()) devices.push(device);
  return devices;
}

function fresh(): { aws: InMemoryIot; registry: IotDeviceRegistry } {
  mock.reset();
  const aws = new InMemoryIot(GROUP);
  aws.install(mock);
  return { aws, registry: new IotDeviceRegistry({ iot, thingGroupName: GROUP, detachDelayMs: 0 }) };
}

describeDeviceRegistry(
  "IotDeviceRegistry (aws-sdk-client-mock over an in-memory IoT)",
  async () => {
    const { aws, registry } = fresh();
    return {
      registry,
      seed: async (...devices) => aws.seed(...devices),
      certificate: async (id) => aws.certificateState(id),
      thingExists: async (name) => aws.things.has(name),
    };
  },
);

describe("IotDeviceRegistry", () => {
  let aws: InMemoryIot;
  let registry: IotDeviceRegistry;
  beforeEach(() => {
    ({ aws, registry } = fresh());
  });

  describe("listDevices", () => {
    it("pages through the stage's thing group and reads each thing's serial attribute", async () => {
      aws.seed(
        { thingName: "rpi-0001", serial: "rpi-0001" },
        { thingName: "rpi-0002", serial: "RPI-0002" },
        { thingName: "rpi-0003", serial: "rpi-0003" },
      );

      expect(await listAll(registry)).toEqual([
        { thingName: "rpi-0001", serial: "rpi-0001" },
        { thingName: "rpi-0002", serial: "RPI-0002" },
        { thingName: "rpi-0003", serial: "rpi-0003" },
      ]);
      expect(inputs(ListThingsInThingGroupCommand)).toEqual([
        { thingGroupName: GROUP, maxResults: 250 },
        { thingGroupName: GROUP, maxResults: 250, nextToken: "page-2" },
      ]);
      expect(inputs(DescribeThingCommand).map((i) => i.thingName)).toEqual([
        "rpi-0001",
        "rpi-0002",
        "rpi-0003",
      ]);
    });

    it("takes the thing name as the serial when the thing has no serial attribute", async () => {
      aws.seed({ thingName: "rpi-0001", serial: "rpi-0001" });
      mock.on(DescribeThingCommand).resolves({ thingName: "rpi-0001", attributes: {} });

      expect(await listAll(registry)).toEqual([{ thingName: "rpi-0001", serial: "rpi-0001" }]);
    });

    it("leaves out a thing deleted between listing and describing it", async () => {
      aws.seed(
        { thingName: "rpi-0001", serial: "rpi-0001" },
        { thingName: "rpi-0002", serial: "rpi-0002" },
      );
      mock
        .on(DescribeThingCommand, { thingName: "rpi-0001" })
        .rejects(new ResourceNotFoundException({ message: "gone", $metadata: {} }));

      expect(await listAll(registry)).toEqual([{ thingName: "rpi-0002", serial: "rpi-0002" }]);
    });

    it("lists no device when the thing group does not exist", async () => {
      aws.groups.clear();

      expect(await listAll(registry)).toEqual([]);
    });

    it("names the refused operation when IAM denies listing", async () => {
      mock
        .on(ListThingsInThingGroupCommand)
        .rejects(new UnauthorizedException({ message: "no", $metadata: {} }));

      const error = await listAll(registry).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(AwsAccessDeniedError);
      expect((error as Error).message).toMatch(/allows iot:ListThingsInThingGroup$/);
    });
  });

  describe("listCertificates", () => {
    it("pages through the thing's principals and describes each certificate", async () => {
      const [device] = aws.seed({
        thingName: "rpi-0001",
        serial: "rpi-0001",
        certificates: [{}, { status: "INACTIVE" }, { status: "REVOKED" }],
      });
      const ids = device?.certificates.map((c) => c.certificateId) ?? [];

      const listed = await registry.listCertificates("rpi-0001");

      expect(listed.map((c) => [c.certificateId, c.status])).toEqual([
        [ids[0], "ACTIVE"],
        [ids[1], "INACTIVE"],
        [ids[2], "REVOKED"],
      ]);
      expect(listed[0]?.certificatePem).toBe(device?.certificates[0]?.certificatePem);
      expect(inputs(ListThingPrincipalsCommand)).toEqual([
        { thingName: "rpi-0001" },
        { thingName: "rpi-0001", nextToken: "page-2" },
      ]);
      expect(inputs(DescribeCertificateCommand).map((i) => i.certificateId)).toEqual(ids);
    });

    it("ignores principals that are not certificates", async () => {
      mock.on(ListThingPrincipalsCommand).resolves({
        principals: ["arn:aws:cognito-identity:eu-west-1:123456789012:identitypool/x"],
      });

      expect(await registry.listCertificates("rpi-0001")).toEqual([]);
      expect(inputs(DescribeCertificateCommand)).toEqual([]);
    });

    it("leaves out a certificate deleted between listing and describing it", async () => {
      const [device] = aws.seed({
        thingName: "rpi-0001",
        serial: "rpi-0001",
        certificates: [{}, {}],
      });
      const [gone, kept] = device?.certificates ?? [];
      mock
        .on(DescribeCertificateCommand, { certificateId: gone?.certificateId })
        .rejects(new ResourceNotFoundException({ message: "gone", $metadata: {} }));

      const listed = await registry.listCertificates("rpi-0001");

      expect(listed.map((c) => c.certificateId)).toEqual([kept?.certificateId]);
    });
  });

  describe("revokeCertificate", () => {
    function seedCertificate(status: "ACTIVE" | "INACTIVE" | "REVOKED" = "ACTIVE"): string {
      const [device] = aws.seed({
        thingName: "rpi-0001",
        serial: "rpi-0001",
        certificates: [{ status }],
      });
      return device?.certificates[0]?.certificateId ?? "";
    }

    it("sets an ACTIVE certificate INACTIVE (ending its sessions) and then REVOKED", async () => {
      const certificateId = seedCertificate("ACTIVE");

      await registry.revokeCertificate(certificateId);

      expect(inputs(UpdateCertificateCommand)).toEqual([
        { certificateId, newStatus: "INACTIVE" },
        { certificateId, newStatus: "REVOKED" },
      ]);
    });

    it("only revokes a certificate that is already INACTIVE", async () => {
      const certificateId = seedCertificate("INACTIVE");

      await registry.revokeCertificate(certificateId);

      expect(inputs(UpdateCertificateCommand)).toEqual([{ certificateId, newStatus: "REVOKED" }]);
    });

    it("changes nothing on a certificate already REVOKED", async () => {
      const certificateId = seedCertificate("REVOKED");

      await registry.revokeCertificate(certificateId);

      expect(inputs(UpdateCertificateCommand)).toEqual([]);
    });

    it("succeeds when the certificate is deleted between describing and updating it", async () => {
      const certificateId = seedCertificate("ACTIVE");
      mock
        .on(UpdateCertificateCommand)
        .rejects(new ResourceNotFoundException({ message: "gone", $metadata: {} }));

      await expect(registry.revokeCertificate(certificateId)).resolves.toBeUndefined();
      expect(inputs(UpdateCertificateCommand)).toHaveLength(1);
    });

    it("fails with AWS's reason when the certificate cannot change state", async () => {
      const certificateId = seedCertificate("ACTIVE");
      const refusal = new CertificateStateException({ message: "pending", $metadata: {} });
      mock.on(UpdateCertificateCommand).rejects(refusal);

      await expect(registry.revokeCertificate(certificateId)).rejects.toBe(refusal);
    });
  });

  describe("detachPolicies", () => {
    it("reads every page of the certificate's policies, then detaches each by certificate ARN", async () => {
      const [device] = aws.seed({
        thingName: "rpi-0001",
        serial: "rpi-0001",
        certificates: [{ status: "REVOKED", policies: ["device", "extra", "legacy"] }],
      });
      const certificateId = device?.certificates[0]?.certificateId ?? "";
      const target = aws.certificates.get(certificateId)?.arn;

      await registry.detachPolicies(certificateId);

      expect(inputs(ListAttachedPoliciesCommand)).toEqual([
        { target, pageSize: 250 },
        { target, pageSize: 250, marker: "page-2" },
      ]);
      expect(inputs(DetachPolicyCommand)).toEqual([
        { policyName: "device", target },
        { policyName: "extra", target },
        { policyName: "legacy", target },
      ]);
      expect(aws.certificateState(certificateId)?.policies).toEqual([]);
    });

    it("uses the certificate ARN listed with the thing instead of describing it again", async () => {
      const [device] = aws.seed({
        thingName: "rpi-0001",
        serial: "rpi-0001",
        certificates: [{ policies: ["device"] }],
      });
      const certificateId = device?.certificates[0]?.certificateId ?? "";
      mock.on(ListThingPrincipalsCommand).resolves({
        principals: [aws.certificates.get(certificateId)?.arn ?? ""],
      });
      await registry.listCertificates("rpi-0001");
      mock.resetHistory();

      await registry.detachPolicies(certificateId);
      await registry.detachThingPrincipal("rpi-0001", certificateId);

      expect(inputs(DescribeCertificateCommand)).toEqual([]);
      expect(aws.certificateState(certificateId)).toMatchObject({ policies: [], things: [] });
    });

    it("tolerates a policy detached meanwhile by someone else", async () => {
      const [device] = aws.seed({
        thingName: "rpi-0001",
        serial: "rpi-0001",
        certificates: [{ policies: ["device", "extra"] }],
      });
      const certificateId = device?.certificates[0]?.certificateId ?? "";
      mock
        .on(DetachPolicyCommand, { policyName: "device" })
        .rejects(new ResourceNotFoundException({ message: "gone", $metadata: {} }));

      await registry.detachPolicies(certificateId);

      expect(aws.certificateState(certificateId)?.policies).toEqual(["device"]);
      expect(inputs(DetachPolicyCommand).map((i) => i.policyName)).toEqual(["device", "extra"]);
    });
  });

  describe("detachThingPrincipal", () => {
    it("detaches the certificate's ARN from the thing", async () => {
      const [device] = aws.seed({
        thingName: "rpi-0001",
        serial: "rpi-0001",
        certificates: [{ status: "REVOKED" }],
      });
      const certificateId = device?.certificates[0]?.certificateId ?? "";

      await registry.detachThingPrincipal("rpi-0001", certificateId);

      expect(inputs(DetachThingPrincipalCommand)).toEqual([
        { thingName: "rpi-0001", principal: aws.certificates.get(certificateId)?.arn },
      ]);
    });
  });

  describe("deleteCertificate", () => {
    it("deletes without forcing, so AWS refuses an ACTIVE or attached certificate", async () => {
      const [device] = aws.seed({ thingName: "rpi-0001", serial: "rpi-0001", certificates: [{}] });
      const certificateId = device?.certificates[0]?.certificateId ?? "";

      const error = await registry.deleteCertificate(certificateId).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(CertificateStateException);
      expect(inputs(DeleteCertificateCommand)).toEqual([{ certificateId, forceDelete: false }]);
      expect(aws.certificateState(certificateId)).not.toBeNull();
    });

    it("retries while a detachment has not propagated yet", async () => {
      const certificateId = "a".repeat(64);
      mock
        .on(DeleteCertificateCommand)
        .rejectsOnce(new DeleteConflictException({ message: "attached", $metadata: {} }))
        .rejectsOnce(new DeleteConflictException({ message: "attached", $metadata: {} }))
        .resolves({});

      await registry.deleteCertificate(certificateId);

      expect(inputs(DeleteCertificateCommand)).toHaveLength(3);
    });

    it("gives up on a certificate that stays attached", async () => {
      const certificateId = "a".repeat(64);
      mock
        .on(DeleteCertificateCommand)
        .rejects(new DeleteConflictException({ message: "attached", $metadata: {} }));
      const patient = new IotDeviceRegistry({
        iot,
        thingGroupName: GROUP,
        detachRetries: 2,
        detachDelayMs: 0,
      });

      await expect(patient.deleteCertificate(certificateId)).rejects.toBeInstanceOf(
        DeleteConflictException,
      );
      expect(inputs(DeleteCertificateCommand)).toHaveLength(3);
    });
  });

  describe("deleteThing", () => {
    it("deletes the thing by name", async () => {
      aws.seed({ thingName: "rpi-0001", serial: "rpi-0001" });

      await registry.deleteThing("rpi-0001");

      expect(inputs(DeleteThingCommand)).toEqual([{ thingName: "rpi-0001" }]);
      expect(aws.things.has("rpi-0001")).toBe(false);
    });

    it("names the refused operation when IAM denies the deletion", async () => {
      mock
        .on(DeleteThingCommand)
        .rejects(Object.assign(new Error("denied"), { name: "AccessDeniedException" }));

      await expect(registry.deleteThing("rpi-0001")).rejects.toMatchObject({
        name: "AwsAccessDeniedError",
        operation: "DeleteThing",
      });
    });
  });
});

describe("IotDeviceRegistry rotation methods", () => {
  const POLICY = "fleet-dev-device";
  const NEW_PEM = readFileSync(
    new URL("../fixtures/aws/pca/device-1.pem", import.meta.url),
    "utf8",
  );
  let aws: InMemoryIot;
  let registry: IotDeviceRegistry;
  beforeEach(() => {
    mock.reset();
    aws = new InMemoryIot(GROUP);
    aws.policies.add(POLICY);
    aws.install(mock);
    registry = new IotDeviceRegistry({ iot, thingGroupName: GROUP, devicePolicyName: POLICY });
  });

  it("registers a certificate from the stage's CA as ACTIVE, without registering the CA", async () => {
    const { certificateId } = await registry.registerCertificate(NEW_PEM);

    expect(inputs(RegisterCertificateWithoutCACommand)).toEqual([
      { certificatePem: NEW_PEM, status: "ACTIVE" },
    ]);
    expect(aws.certificateState(certificateId)).toEqual({
      status: "ACTIVE",
      policies: [],
      things: [],
    });
  });

  it("answers the existing id when the certificate is registered a second time", async () => {
    const first = await registry.registerCertificate(NEW_PEM);

    expect(await registry.registerCertificate(NEW_PEM)).toEqual(first);
    expect(aws.certificates.size).toBe(1);
  });

  it("attaches the stage's device policy and the thing by certificate ARN", async () => {
    aws.seed({ thingName: "rpi-0001", serial: "rpi-0001" });
    const { certificateId } = await registry.registerCertificate(NEW_PEM);
    const arn = aws.certificates.get(certificateId)?.arn;

    await registry.attachPolicy(certificateId);
    await registry.attachThingPrincipal("rpi-0001", certificateId);

    expect(inputs(AttachPolicyCommand)).toEqual([{ policyName: POLICY, target: arn }]);
    expect(inputs(AttachThingPrincipalCommand)).toEqual([
      { thingName: "rpi-0001", principal: arn },
    ]);
    expect(aws.certificateState(certificateId)).toMatchObject({
      policies: [POLICY],
      things: ["rpi-0001"],
    });
  });

  it("says how to fix it when asked to attach the policy without a device policy name", async () => {
    const [device] = aws.seed({ thingName: "rpi-0001", serial: "rpi-0001", certificates: [{}] });
    const withoutPolicy = new IotDeviceRegistry({ iot, thingGroupName: GROUP });

    await expect(
      withoutPolicy.attachPolicy(device?.certificates[0]?.certificateId ?? ""),
    ).rejects.toThrow(/construct it with devicePolicyName/);
    expect(inputs(AttachPolicyCommand)).toEqual([]);
  });

  it("refuses to attach a certificate AWS IoT does not hold", async () => {
    aws.seed({ thingName: "rpi-0001", serial: "rpi-0001" });

    const error = await registry
      .attachThingPrincipal("rpi-0001", "f".repeat(64))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FleetError);
    expect((error as Error).message).toBe(
      `certificate ${"f".repeat(64)} does not exist in AWS IoT`,
    );
  });

  it("finds the thing a certificate is attached to", async () => {
    const [, device] = aws.seed(
      { thingName: "rpi-0001", serial: "rpi-0001", certificates: [{}] },
      { thingName: "rpi-0002", serial: "rpi-0002", certificates: [{}] },
    );
    const certificateId = device?.certificates[0]?.certificateId ?? "";

    expect(await registry.thingOfCertificate(certificateId)).toBe("rpi-0002");
    expect(inputs(ListPrincipalThingsCommand)).toEqual([
      { principal: aws.certificates.get(certificateId)?.arn, maxResults: 1 },
    ]);
  });

  it("answers no thing for a detached or unknown certificate", async () => {
    const { certificateId } = await registry.registerCertificate(NEW_PEM);

    expect(await registry.thingOfCertificate(certificateId)).toBeNull();
    expect(await registry.thingOfCertificate("f".repeat(64))).toBeNull();
  });
});

describe("IotDeviceRegistry on createIotClient", () => {
  it("retries throttled calls until a removal goes through", async () => {
    let throttledOnce = false;
    const { handler, requests } = stubHttpHandler((request): StubReply => {
      if (request.method === "DELETE" && !throttledOnce) {
        throttledOnce = true;
        return throttled();
      }
      return { statusCode: 200 };
    });
    const registry = new IotDeviceRegistry({
      iot: createIotClient({
        region: "eu-west-1",
        credentials: TEST_CREDENTIALS,
        requestHandler: handler,
      }),
      thingGroupName: GROUP,
    });

    await onFakeClock(() => registry.deleteThing("rpi-0001"));

    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "DELETE /things/rpi-0001",
      "DELETE /things/rpi-0001",
    ]);
  });
});
