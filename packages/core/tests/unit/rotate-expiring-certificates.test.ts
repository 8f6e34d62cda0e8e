import { describe, expect, it } from "vitest";
import {
  type AuditNotification,
  AuditNotificationSchema,
  parseMessage,
} from "../../src/contracts/index.ts";
import type { AuditFindings, ExpiringCertificateFinding } from "../../src/ports/index.ts";
import {
  createRotateExpiringCertificates,
  type RotateExpiringCertificatesDeps,
  type StartRotationForThing,
} from "../../src/use-cases/index.ts";
import { fixture, fixtureJson, violation } from "./support.ts";

const [A, B, C, D, E] = ["a1", "b2", "c3", "d4", "e5"].map((pair) => pair.repeat(32)) as [
  string,
  string,
  string,
  string,
  string,
];

/** The notification as the Lambda gets it: the `Message` string of the SNS record. */
function notificationFromSnsEvent(): AuditNotification {
  const event = JSON.parse(fixture("sns-audit-notification-event.json").toString("utf8"));
  return parseMessage(AuditNotificationSchema, event.Records[0].Sns.Message, "audit SNS topic");
}

function notificationWith(patch: Record<string, unknown>): AuditNotification {
  return AuditNotificationSchema.parse({
    ...fixtureJson("audit-notification-completed.json"),
    ...patch,
  });
}

function expiringCheck(detail: Record<string, unknown>): AuditNotification {
  return notificationWith({
    auditDetails: [
      { checkName: "DEVICE_CERTIFICATE_EXPIRING_CHECK", totalResourcesCount: 10, ...detail },
    ],
  });
}

/** Findings served from a list; `listed` counts the task ids asked for. */
function findingsOf(certificateIds: string[], failure?: Error) {
  const listed: string[] = [];
  const findings: AuditFindings = {
    async *expiringCertificates(taskId): AsyncIterable<ExpiringCertificateFinding> {
      listed.push(taskId);
      for (const certificateId of certificateIds) yield { certificateId };
      if (failure !== undefined) throw failure;
    },
  };
  return { findings, listed };
}

/** Things with their certificates, ACTIVE or INACTIVE. */
function registryOf(things: Record<string, { id: string; active: boolean }[]>) {
  const failing = new Set<string>();
  const registry: RotateExpiringCertificatesDeps["registry"] = {
    async thingOfCertificate(certificateId) {
      if (failing.has(certificateId)) throw new Error(`registry unavailable for ${certificateId}`);
      const owner = Object.entries(things).find(([, certs]) =>
        certs.some((c) => c.id === certificateId),
      );
      return owner?.[0] ?? null;
    },
    async listCertificates(thingName) {
      return (things[thingName] ?? []).map((c) => ({
        certificateId: c.id,
        status: c.active ? "ACTIVE" : "INACTIVE",
        certificatePem: "",
      }));
    },
  };
  return { registry, failing };
}

/** Rotations as the rotation store keeps them: at most one active per thing. */
function rotations(active: Record<string, string> = {}) {
  const calls: string[] = [];
  /** The certificate each call asked to rotate. */
  const rotated: string[] = [];
  const failing = new Set<string>();
  let next = 1;
  const startRotation: StartRotationForThing = async (thingName, certificateId) => {
    calls.push(thingName);
    rotated.push(certificateId);
    if (failing.has(thingName)) throw new Error("ConditionalCheckFailed: store unavailable");
    const existing = active[thingName];
    if (existing !== undefined) return { rotationId: existing, created: false };
    const rotationId = `rotation-${next++}`;
    active[thingName] = rotationId;
    return { rotationId, created: true };
  };
  return { startRotation, calls, rotated, failing, active };
}

describe("rotate expiring certificates", () => {
  it("starts a rotation for each device whose certificate the audit flagged", async () => {
    const { findings, listed } = findingsOf([A, B]);
    const { registry } = registryOf({
      "thing-a": [{ id: A, active: true }],
      "thing-b": [{ id: B, active: true }],
    });
    const { startRotation } = rotations();
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    const summary = await rotate(notificationFromSnsEvent());

    expect(listed).toEqual(["4e2bcd1ccbc2a5dd15292a82ab80c380"]);
    expect(summary.status).toBe("rotating");
    expect(summary.flagged).toBe(2);
    expect(summary.started.sort((x, y) => x.thingName.localeCompare(y.thingName))).toEqual([
      { thingName: "thing-a", certificateId: A, rotationId: expect.any(String) },
      { thingName: "thing-b", certificateId: B, rotationId: expect.any(String) },
    ]);
    expect(summary).toMatchObject({ alreadyActive: [], skipped: [], failures: [] });
  });

  it("leaves a rotation already under way to finish instead of starting a second one", async () => {
    const { findings } = findingsOf([A]);
    const { registry } = registryOf({ "thing-a": [{ id: A, active: true }] });
    const { startRotation } = rotations({ "thing-a": "rotation-running" });
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    const summary = await rotate(notificationFromSnsEvent());

    expect(summary.started).toEqual([]);
    expect(summary.alreadyActive).toEqual([
      { thingName: "thing-a", certificateId: A, rotationId: "rotation-running" },
    ]);
  });

  it("starts nothing new when the same notification is delivered twice", async () => {
    const { findings } = findingsOf([A, B]);
    const { registry } = registryOf({
      "thing-a": [{ id: A, active: true }],
      "thing-b": [{ id: B, active: true }],
    });
    const { startRotation, active } = rotations();
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    await rotate(notificationFromSnsEvent());
    const again = await rotate(notificationFromSnsEvent());

    expect(again.started).toEqual([]);
    expect(again.alreadyActive).toHaveLength(2);
    expect(Object.keys(active)).toHaveLength(2);
  });

  it("rotates a device once, the certificate the findings name first, however many of its certificates they name", async () => {
    const { findings } = findingsOf([A, C, A]);
    const { registry } = registryOf({
      "thing-a": [
        { id: A, active: true },
        { id: C, active: true },
      ],
    });
    const { startRotation, calls, rotated } = rotations();
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    const summary = await rotate(notificationFromSnsEvent());

    expect(summary.flagged).toBe(2);
    expect(calls).toEqual(["thing-a"]);
    expect(rotated).toEqual([A]);
    expect(summary.started).toEqual([
      { thingName: "thing-a", certificateId: A, rotationId: "rotation-1" },
    ]);
    expect(summary.skipped).toEqual([
      { certificateId: C, reason: "same-thing", thingName: "thing-a" },
    ]);
  });

  it("rotates the certificate the finding names, not the thing's oldest ACTIVE one", async () => {
    const { findings } = findingsOf([A]);
    const { registry } = registryOf({
      "thing-a": [
        { id: B, active: true },
        { id: A, active: true },
      ],
    });
    const { startRotation, rotated } = rotations();
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    await rotate(notificationFromSnsEvent());

    expect(rotated).toEqual([A]);
  });

  it("skips a flagged certificate that has already expired: its device provisions again instead", async () => {
    const { findings } = findingsOf([A]);
    const registry: RotateExpiringCertificatesDeps["registry"] = {
      thingOfCertificate: async () => "thing-a",
      listCertificates: async () => [
        {
          certificateId: A,
          status: "ACTIVE",
          // Valid until 2126.
          certificatePem: fixture("certificates/cn-device-0001.pem").toString("utf8"),
        },
      ],
    };
    const { startRotation, calls } = rotations();
    const rotate = createRotateExpiringCertificates({
      findings,
      registry,
      startRotation,
      clock: () => new Date("2127-01-01T00:00:00Z"),
    });

    const summary = await rotate(notificationFromSnsEvent());

    expect(calls).toEqual([]);
    expect(summary.skipped).toEqual([
      { certificateId: A, reason: "not-in-use", thingName: "thing-a" },
    ]);
  });

  it("skips a certificate attached to no thing and one its device no longer connects with", async () => {
    const { findings } = findingsOf([D, E, A]);
    const { registry } = registryOf({
      "thing-a": [{ id: A, active: true }],
      "thing-e": [
        { id: B, active: true },
        { id: E, active: false },
      ],
    });
    const { startRotation, calls } = rotations();
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    const summary = await rotate(notificationFromSnsEvent());

    expect(calls).toEqual(["thing-a"]);
    expect(summary.skipped).toEqual(
      expect.arrayContaining([
        { certificateId: D, reason: "no-thing", thingName: null },
        { certificateId: E, reason: "not-in-use", thingName: "thing-e" },
      ]),
    );
    expect(summary.skipped).toHaveLength(2);
  });

  it("reports a device whose rotation could not start, and still rotates the others", async () => {
    const { findings } = findingsOf([A, B, C]);
    const { registry, failing: lookupFails } = registryOf({
      "thing-a": [{ id: A, active: true }],
      "thing-b": [{ id: B, active: true }],
      "thing-c": [{ id: C, active: true }],
    });
    lookupFails.add(C);
    const { startRotation, failing } = rotations();
    failing.add("thing-b");
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    const summary = await rotate(notificationFromSnsEvent());

    expect(summary.started.map((r) => r.thingName)).toEqual(["thing-a"]);
    expect(summary.failures).toEqual(
      expect.arrayContaining([
        {
          certificateId: B,
          thingName: "thing-b",
          step: "start-rotation",
          reason: "ConditionalCheckFailed: store unavailable",
        },
        {
          certificateId: C,
          thingName: null,
          step: "find-thing",
          reason: `registry unavailable for ${C}`,
        },
      ]),
    );
    expect(summary.failures).toHaveLength(2);
  });

  it("starts nothing when the findings cannot be read in full", async () => {
    const { findings } = findingsOf([A], new Error("Rate exceeded"));
    const { registry } = registryOf({ "thing-a": [{ id: A, active: true }] });
    const { startRotation, calls } = rotations();
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    await expect(rotate(notificationFromSnsEvent())).rejects.toThrow("Rate exceeded");
    expect(calls).toEqual([]);
  });

  it.each([
    ["FAILED", "task-not-completed"],
    ["CANCELED", "task-not-completed"],
  ])("does nothing for an audit that %s", async (taskStatus, status) => {
    const { findings, listed } = findingsOf([A]);
    const { registry } = registryOf({ "thing-a": [{ id: A, active: true }] });
    const { startRotation, calls } = rotations();
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    const summary = await rotate(notificationWith({ taskStatus }));

    expect(summary.status).toBe(status);
    expect(listed).toEqual([]);
    expect(calls).toEqual([]);
  });

  it.each<[string, AuditNotification, string]>([
    [
      "the audit did not include the expiring-certificate check",
      notificationWith({
        auditDetails: [
          { checkName: "CONFLICTING_CLIENT_IDS_CHECK", checkRunStatus: "COMPLETED_NON_COMPLIANT" },
        ],
      }),
      "check-not-run",
    ],
    [
      "the check failed",
      expiringCheck({ checkRunStatus: "FAILED", errorCode: "INSUFFICIENT_PERMISSIONS" }),
      "check-not-run",
    ],
    [
      "the check found nothing",
      expiringCheck({ checkRunStatus: "COMPLETED_COMPLIANT" }),
      "compliant",
    ],
    [
      "the check flagged no resource",
      expiringCheck({ checkRunStatus: "COMPLETED_NON_COMPLIANT", nonCompliantResourcesCount: 0 }),
      "compliant",
    ],
  ])("reads no findings when %s", async (_case, notification, status) => {
    const { findings, listed } = findingsOf([A]);
    const { registry } = registryOf({ "thing-a": [{ id: A, active: true }] });
    const { startRotation } = rotations();
    const rotate = createRotateExpiringCertificates({ findings, registry, startRotation });

    const summary = await rotate(notification);

    expect(summary.status).toBe(status);
    expect(listed).toEqual([]);
  });

  it("acts on the check under the name the notification documentation gives it", async () => {
    const { findings, listed } = findingsOf([]);
    const { registry } = registryOf({});
    const { startRotation } = rotations();
    const notification = notificationWith({
      auditDetails: [
        {
          checkName: "DEVICE_CERT_APPROACHING_EXPIRATION_CHECK",
          checkRunStatus: "COMPLETED_NON_COMPLIANT",
          nonCompliantResourcesCount: 1,
          totalResourcesCount: 3,
        },
      ],
    });

    const summary = await createRotateExpiringCertificates({ findings, registry, startRotation })(
      notification,
    );

    expect(summary.status).toBe("rotating");
    expect(listed).toHaveLength(1);
  });
});

describe("AuditNotificationSchema", () => {
  it("reads the documented notification and ignores fields it does not use", () => {
    const notification = notificationFromSnsEvent();

    expect(notification).toMatchObject({
      taskId: "4e2bcd1ccbc2a5dd15292a82ab80c380",
      taskStatus: "COMPLETED",
      taskType: "SCHEDULED_AUDIT_TASK",
    });
    expect(notification.auditDetails[0]).toEqual({
      checkName: "DEVICE_CERTIFICATE_EXPIRING_CHECK",
      checkRunStatus: "COMPLETED_NON_COMPLIANT",
      nonCompliantResourcesCount: 4,
      totalResourcesCount: 120,
    });
  });

  it("accepts statuses it does not know, so a new AWS value does not break the handler", () => {
    expect(notificationWith({ taskStatus: "SOMETHING_NEW" }).taskStatus).toBe("SOMETHING_NEW");
  });

  it("names the failing fields of a notification without a task id or check details", () => {
    const { taskId: _taskId, ...rest } = fixtureJson("audit-notification-completed.json");
    const payload = JSON.stringify({ ...rest, auditDetails: [{ checkName: "X" }] });

    const error = violation(() =>
      parseMessage(AuditNotificationSchema, payload, "audit SNS topic"),
    );

    expect(error.issues.map((issue) => issue.path)).toEqual([
      "taskId",
      "auditDetails[0].checkRunStatus",
    ]);
  });

  it("refuses a task id that is not one AWS could have made", () => {
    const payload = JSON.stringify({
      ...fixtureJson("audit-notification-completed.json"),
      taskId: "../../etc",
    });

    const error = violation(() =>
      parseMessage(AuditNotificationSchema, payload, "audit SNS topic"),
    );

    expect(error.issues[0]?.path).toBe("taskId");
  });
});
