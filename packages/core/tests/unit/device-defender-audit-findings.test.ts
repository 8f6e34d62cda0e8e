import { readFileSync } from "node:fs";
import {
  IoTClient,
  ListAuditFindingsCommand,
  type ListAuditFindingsResponse,
  ThrottlingException,
  UnauthorizedException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsAccessDeniedError } from "../../src/adapters/aws/aws-error-types.ts";
import { DeviceDefenderAuditFindings } from "../../src/adapters/aws/index.ts";
import type { ExpiringCertificateFinding } from "../../src/ports/index.ts";
import { describeAuditFindings } from "../port-suites/index.ts";

// SDK responses as the client returns them (timestamps revived to Date, as the SDK does).
const DATE_FIELDS = new Set(["taskStartTime", "findingTime"]);
function fixture(name: string): ListAuditFindingsResponse {
  const text = readFileSync(new URL(`../fixtures/aws/${name}`, import.meta.url), "utf8");
  return JSON.parse(text, (key, value) =>
    DATE_FIELDS.has(key) && typeof value === "string" ? new Date(value) : value,
  );
}

const pages = [
  fixture("list-audit-findings-page-1.json"),
  fixture("list-audit-findings-page-2.json"),
];
const TASK = "4e2bcd1ccbc2a5dd15292a82ab80c380";
const [A, B, C, D] = ["a1", "b2", "c3", "d4"].map((pair) => pair.repeat(32));

async function collect(
  findings: AsyncIterable<ExpiringCertificateFinding>,
): Promise<ExpiringCertificateFinding[]> {
  const out: ExpiringCertificateFinding[] = [];
  for await (const finding of findings) out.push(finding);
  return out;
}

describe("DeviceDefenderAuditFindings", () => {
  const iot = new IoTClient({ region: "eu-west-1" });
  const mock = mockClient(iot);
  const warnings: Record<string, unknown>[] = [];
  const findings = new DeviceDefenderAuditFindings({
    iot,
    logger: { info: () => {}, warn: (fields) => warnings.push(fields), error: () => {} },
  });

  beforeEach(() => {
    mock.reset();
    warnings.length = 0;
    mock
      .on(ListAuditFindingsCommand)
      .callsFake((input: { nextToken?: string }) =>
        input.nextToken === undefined ? pages[0] : pages[1],
      );
  });

  it("asks for the task's expiring-certificate findings, 250 a page, without suppressed ones", async () => {
    await collect(findings.expiringCertificates(TASK));

    const inputs = mock.commandCalls(ListAuditFindingsCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      {
        taskId: TASK,
        checkName: "DEVICE_CERTIFICATE_EXPIRING_CHECK",
        listSuppressedFindings: false,
        maxResults: 250,
        nextToken: undefined,
      },
      {
        taskId: TASK,
        checkName: "DEVICE_CERTIFICATE_EXPIRING_CHECK",
        listSuppressedFindings: false,
        maxResults: 250,
        nextToken: "page-2-token",
      },
    ]);
  });

  it("yields the flagged certificates of every page, reading an id from an ARN when that is all a finding has", async () => {
    const found = await collect(findings.expiringCertificates(TASK));

    expect(found).toEqual([
      { certificateId: A },
      { certificateId: B },
      { certificateId: C },
      { certificateId: D },
    ]);
  });

  it("passes over, and logs, findings that name no device certificate", async () => {
    await collect(findings.expiringCertificates(TASK));

    expect(warnings).toEqual([
      {
        taskId: TASK,
        findingId: "f003-expiring",
        reason: "no device certificate id in the finding",
      },
      {
        taskId: TASK,
        findingId: "f005-expiring",
        reason: "resource is a CA_CERTIFICATE, not a device certificate",
      },
    ]);
  });

  it("leaves out a suppressed finding even when AWS returns it", async () => {
    const found = await collect(findings.expiringCertificates(TASK));

    expect(found.map((f) => f.certificateId)).not.toContain("f6".repeat(32));
  });

  it("passes over a finding of another check", async () => {
    mock.on(ListAuditFindingsCommand).resolves({
      findings: [
        {
          findingId: "other",
          checkName: "DEVICE_CERTIFICATE_SHARED_CHECK",
          nonCompliantResource: {
            resourceType: "DEVICE_CERTIFICATE",
            resourceIdentifier: { deviceCertificateId: A },
          },
        },
      ],
    });

    expect(await collect(findings.expiringCertificates(TASK))).toEqual([]);
    expect(warnings).toHaveLength(1);
  });

  it("yields nothing for a task without findings", async () => {
    mock.on(ListAuditFindingsCommand).resolves({});

    expect(await collect(findings.expiringCertificates(TASK))).toEqual([]);
  });

  it("names the IAM action when AWS IoT refuses ListAuditFindings", async () => {
    mock
      .on(ListAuditFindingsCommand)
      .rejects(new UnauthorizedException({ message: "not allowed", $metadata: {} }));

    const error = await collect(findings.expiringCertificates(TASK)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AwsAccessDeniedError);
    expect((error as AwsAccessDeniedError).message).toContain("iot:ListAuditFindings");
  });

  it("fails when a later page fails, rather than returning part of the findings", async () => {
    mock
      .on(ListAuditFindingsCommand)
      .resolvesOnce(pages[0] as ListAuditFindingsResponse)
      .rejects(new ThrottlingException({ message: "Rate exceeded", $metadata: {} }));

    await expect(collect(findings.expiringCertificates(TASK))).rejects.toThrow("Rate exceeded");
  });
});

describeAuditFindings("DeviceDefenderAuditFindings", async () => {
  const iot = new IoTClient({ region: "eu-west-1" });
  const mock = mockClient(iot);
  return {
    findings: new DeviceDefenderAuditFindings({ iot }),
    async auditFlagging(certificateIds) {
      const taskId = "0123456789abcdef0123456789abcdef";
      mock.on(ListAuditFindingsCommand, { taskId }).resolves({
        findings: certificateIds.map((deviceCertificateId) => ({
          checkName: "DEVICE_CERTIFICATE_EXPIRING_CHECK",
          nonCompliantResource: {
            resourceType: "DEVICE_CERTIFICATE",
            resourceIdentifier: { deviceCertificateId },
          },
        })),
      });
      return taskId;
    },
    close: async () => mock.restore(),
  };
});
