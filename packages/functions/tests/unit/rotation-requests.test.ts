import {
  CancelJobExecutionCommand,
  DescribeCertificateCommand,
  IoTClient,
  ListAuditFindingsCommand,
  ListPrincipalThingsCommand,
} from "@aws-sdk/client-iot";
import { IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import {
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ContractViolationError } from "@fleet/core";
import type { Context } from "aws-lambda";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { InvalidEnvironmentError } from "../../src/errors.ts";
import { context, fixture } from "./lambda-test-kit.ts";

const CA_CERTIFICATE_PEM: string = fixture("ca-certificate").certificatePem;
const ROTATION_ID = "3f6c1a52-8d4e-4b8a-9c7e-2f1d0a9b8c7d";
const OLD_CERTIFICATE = "b1f2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

const COMMON_ENV = {
  POWERTOOLS_SERVICE_NAME: "rotation",
  POWERTOOLS_METRICS_NAMESPACE: "fleet/test",
  ROTATION_TABLE: "fleet-test-rotations",
  THING_GROUP_NAME: "fleet-test-devices",
  CONTROL_PLANE_CALLS_PER_SECOND: "5",
};
const JOB_ENV = {
  ROTATION_JOB_TEMPLATE_ID: "fleet-test-rotate-certificate",
  ROTATION_JOB_TEMPLATE_ARN:
    "arn:aws:iot:eu-west-1:123456789012:jobtemplate/fleet-test-rotate-certificate",
};
const CA_ENV = {
  CA_ARN:
    "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
  CA_CERTIFICATE_PEM,
};
const ENV = {
  "rotation-csr": {
    ...COMMON_ENV,
    ...CA_ENV,
    DEVICE_POLICY_NAME: "fleet-test-device",
    CERT_TEMPLATE_ARN: "arn:aws:acm-pca:::template/EndEntityClientAuthCertificate/V1",
    CERT_VALIDITY_DAYS: "365",
    IOT_DATA_ENDPOINT: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com",
  },
  "rotation-commit": {
    ...COMMON_ENV,
    ...CA_ENV,
    IOT_DATA_ENDPOINT: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com",
  },
  "rotation-sweeper": { ...COMMON_ENV, ...CA_ENV, ...JOB_ENV },
  "audit-notification": { ...COMMON_ENV, ...JOB_ENV, ROTATION_DEADLINE_MINUTES: "60" },
} as const;
type HandlerName = keyof typeof ENV;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const iot = mockClient(IoTClient);
const iotData = mockClient(IoTDataPlaneClient);
const documents = mockClient(DynamoDBDocumentClient);

/** A fresh module instance with its environment: each load is a cold start. */
async function load(name: HandlerName): Promise<Handler> {
  for (const [key, value] of Object.entries(ENV[name])) vi.stubEnv(key, value);
  vi.resetModules();
  const module = await import(`../../src/handlers/${name}.ts`);
  return module.handler as Handler;
}

const rotationItem = (overrides: Record<string, unknown> = {}) => ({
  pk: `rotation#${ROTATION_ID}`,
  rotationId: ROTATION_ID,
  thingName: "sim-0001",
  oldCertificateId: OLD_CERTIFICATE,
  newCertificateId: null,
  jobId: "rotate-sim-0001-1795392000",
  step: "requested",
  reason: null,
  startedAt: "2026-11-21T03:00:00.000Z",
  updatedAt: "2026-11-21T03:00:00.000Z",
  deadline: "2099-01-01T00:00:00.000Z",
  ...overrides,
});

/** The reply the handler published: its topic and JSON payload. */
function published(): { topic: string | undefined; payload: unknown }[] {
  return iotData.commandCalls(PublishCommand).map(({ args: [command] }) => ({
    topic: command.input.topic,
    payload: JSON.parse(new TextDecoder().decode(command.input.payload as Uint8Array)),
  }));
}

describe("rotation handlers", () => {
  let stdout: MockInstance;
  let stderr: MockInstance;

  beforeEach(() => {
    vi.stubEnv("POWERTOOLS_DEV", "");
    iot.reset();
    iotData.reset();
    documents.reset();
    iotData.on(PublishCommand).resolves({});
    stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });

  afterEach(() => {
    stdout.mockRestore();
    stderr.mockRestore();
    vi.unstubAllEnvs();
  });

  describe("rotation-csr", () => {
    it("replies on the thing's csr/rejected topic when the CSR comes over another certificate", async () => {
      const handler = await load("rotation-csr");
      documents.on(GetCommand).resolves({ Item: rotationItem({ oldCertificateId: "another" }) });

      await handler(fixture("rotation-csr"), context);

      expect(published()).toEqual([
        {
          topic: "rot/sim-0001/csr/rejected",
          payload: {
            rotationId: ROTATION_ID,
            errorCode: "NotOverOldCertificate",
            errorMessage: "the CSR must be sent over the certificate being replaced",
          },
        },
      ]);
    });

    it("refuses an event without the broker's principal and publishes nothing", async () => {
      const handler = await load("rotation-csr");
      const { principal: _, ...event } = fixture("rotation-csr");

      await expect(handler(event, context)).rejects.toMatchObject({
        name: "ContractViolationError",
      } satisfies Partial<ContractViolationError>);
      expect(published()).toEqual([]);
    });

    it("fails its cold start naming a missing variable", async () => {
      for (const [key, value] of Object.entries(ENV["rotation-csr"])) vi.stubEnv(key, value);
      vi.stubEnv("CA_ARN", undefined);
      vi.resetModules();
      await expect(import("../../src/handlers/rotation-csr.ts")).rejects.toMatchObject({
        name: "InvalidEnvironmentError",
        keys: ["CA_ARN"],
      } satisfies Partial<InvalidEnvironmentError>);
    });
  });

  describe("rotation-commit", () => {
    it("rejects a commit for a rotation it does not know, on the thing's commit/rejected topic", async () => {
      const handler = await load("rotation-commit");
      documents.on(GetCommand).resolves({});

      await handler(fixture("rotation-commit"), context);

      expect(published()).toEqual([
        {
          topic: "rot/sim-0001/commit/rejected",
          payload: {
            rotationId: ROTATION_ID,
            errorCode: "UnknownRotation",
            errorMessage: `no rotation ${ROTATION_ID} for sim-0001`,
          },
        },
      ]);
    });

    it("rejects a commit over the old certificate", async () => {
      const handler = await load("rotation-commit");
      documents.on(GetCommand).resolves({
        Item: rotationItem({ step: "issued", newCertificateId: "new-certificate" }),
      });

      await handler({ ...fixture("rotation-commit"), principal: OLD_CERTIFICATE }, context);

      expect(published()).toEqual([
        expect.objectContaining({
          topic: "rot/sim-0001/commit/rejected",
          payload: expect.objectContaining({ errorCode: "CommitNotOverNewCertificate" }),
        }),
      ]);
    });
  });

  describe("rotation-sweeper", () => {
    it("times out a rotation past its deadline and cancels its job execution", async () => {
      const handler = await load("rotation-sweeper");
      const expired = rotationItem({ deadline: "2020-01-01T00:00:00.000Z" });
      documents.on(ScanCommand).resolves({ Items: [expired] });
      documents.on(GetCommand).resolves({ Item: expired });
      documents.on(TransactWriteCommand).resolves({});
      iot.on(CancelJobExecutionCommand).resolves({});

      const summary = await handler({}, context);

      expect(summary).toMatchObject({
        timedOut: [{ rotationId: ROTATION_ID, thingName: "sim-0001" }],
        failures: [],
      });
      expect(iot.commandCalls(CancelJobExecutionCommand)[0]?.args[0].input).toMatchObject({
        jobId: "rotate-sim-0001-1795392000",
        thingName: "sim-0001",
        force: true,
      });
    });
  });

  describe("audit-notification", () => {
    it("reads the check's findings and skips a flagged certificate attached to no thing", async () => {
      const handler = await load("audit-notification");
      iot.on(ListAuditFindingsCommand).resolves({
        findings: [
          {
            checkName: "DEVICE_CERTIFICATE_EXPIRING_CHECK",
            nonCompliantResource: {
              resourceType: "DEVICE_CERTIFICATE",
              resourceIdentifier: { deviceCertificateId: OLD_CERTIFICATE },
            },
          },
        ],
      });
      iot.on(DescribeCertificateCommand).resolves({
        certificateDescription: {
          certificateId: OLD_CERTIFICATE,
          certificateArn: `arn:aws:iot:eu-west-1:123456789012:cert/${OLD_CERTIFICATE}`,
          status: "ACTIVE",
        },
      });
      iot.on(ListPrincipalThingsCommand).resolves({ things: [] });

      const summaries = await handler(fixture("sns-audit-notification"), context);

      expect(iot.commandCalls(ListAuditFindingsCommand)[0]?.args[0].input).toMatchObject({
        taskId: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
        checkName: "DEVICE_CERTIFICATE_EXPIRING_CHECK",
      });
      expect(summaries).toEqual([
        expect.objectContaining({
          status: "rotating",
          flagged: 1,
          started: [],
          skipped: [{ certificateId: OLD_CERTIFICATE, reason: "no-thing", thingName: null }],
        }),
      ]);
    });

    it("refuses an SNS message that is not an audit summary", async () => {
      const handler = await load("audit-notification");
      const event = fixture("sns-audit-notification");
      event.Records[0].Sns.Message = JSON.stringify({ taskStatus: "COMPLETED" });

      await expect(handler(event, context)).rejects.toMatchObject({
        name: "ContractViolationError",
      });
      expect(iot.commandCalls(ListAuditFindingsCommand)).toEqual([]);
    });
  });
});
