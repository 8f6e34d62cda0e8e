import { describe, expect, it } from "vitest";
import {
  GetPendingJobExecutionsAcceptedSchema,
  JobExecutionAcceptedSchema,
  JobExecutionsChangedSchema,
  JobsErrorResponseSchema,
  NextJobExecutionChangedSchema,
  StartNextPendingJobExecutionRequestSchema,
  UpdateJobExecutionAcceptedSchema,
  UpdateJobExecutionRequestSchema,
} from "../../src/contracts/jobs-api.ts";
import { parseMessage } from "../../src/contracts/parse-message.ts";
import { StatusDetailsSchema } from "../../src/contracts/status-details.ts";
import { jobsTopics } from "../../src/contracts/topics.ts";
import { fixture, fixtureJson, violation } from "./support.ts";

// Fixtures are payloads AWS IoT sent in the aws-iot-device-sdk jobs sample walkthrough, and the
// request syntax of the developer guide's "Jobs device MQTT API" page.
const topics = jobsTopics("rpi-0001");

describe("Jobs MQTT API contracts", () => {
  it("accepts notify payloads, including the empty one sent when nothing is pending", () => {
    const notify = parseMessage(
      JobExecutionsChangedSchema,
      fixture("jobs-notify.json"),
      topics.notify,
    );
    expect(notify.jobs.QUEUED?.map((job) => job.jobId)).toEqual(["TestJob", "QuestionableJob"]);
    expect(
      parseMessage(JobExecutionsChangedSchema, fixture("jobs-notify-empty.json"), topics.notify)
        .jobs,
    ).toEqual({});
  });

  it("accepts notify-next payloads, with and without a next execution", () => {
    const next = parseMessage(
      NextJobExecutionChangedSchema,
      fixture("jobs-notify-next.json"),
      topics.notifyNext,
    );
    expect(next.execution).toMatchObject({
      jobId: "TestJob",
      status: "QUEUED",
      jobDocument: { Todo: "Reboot" },
    });
    expect(
      parseMessage(
        NextJobExecutionChangedSchema,
        fixture("jobs-notify-next-empty.json"),
        topics.notifyNext,
      ).execution,
    ).toBeUndefined();
  });

  it("accepts the start-next, get-pending and update replies", () => {
    const started = parseMessage(
      JobExecutionAcceptedSchema,
      fixture("jobs-start-next-accepted.json"),
      topics.startNextAccepted,
    );
    expect(started.execution).toMatchObject({
      status: "IN_PROGRESS",
      startedAt: 1730748422,
      versionNumber: 2,
    });
    const pending = parseMessage(
      GetPendingJobExecutionsAcceptedSchema,
      fixture("jobs-get-pending-accepted.json"),
      topics.getPendingAccepted,
    );
    expect([pending.inProgressJobs.length, pending.queuedJobs.length]).toEqual([1, 1]);
    expect(
      parseMessage(
        UpdateJobExecutionAcceptedSchema,
        fixture("jobs-update-accepted.json"),
        topics.updateAccepted("TestJob"),
      ),
    ).toEqual({ clientToken: "47444947-7691-6c94-470f-878795f3462f", timestamp: 1730748769 });
  });

  it("accepts the start-next and update requests a device sends", () => {
    expect(
      parseMessage(
        StartNextPendingJobExecutionRequestSchema,
        fixture("jobs-start-next-request.json"),
        topics.startNext,
      ),
    ).toMatchObject({ stepTimeoutInMinutes: 60 });
    expect(
      parseMessage(
        UpdateJobExecutionRequestSchema,
        fixture("jobs-update-request.json"),
        topics.update("TestJob"),
      ),
    ).toMatchObject({ status: "IN_PROGRESS", expectedVersion: 2, includeJobExecutionState: true });
  });

  it("accepts a rejected reply carrying the current execution state", () => {
    const error = parseMessage(
      JobsErrorResponseSchema,
      fixture("jobs-rejected-version-mismatch.json"),
      topics.updateRejected("TestJob"),
    );
    expect(error).toMatchObject({ code: "VersionMismatch", executionState: { versionNumber: 2 } });
  });

  it("rejects an update to a status a device may not set", () => {
    const payload = { ...fixtureJson("jobs-update-request.json"), status: "QUEUED" };
    const error = violation(() =>
      parseMessage(
        UpdateJobExecutionRequestSchema,
        JSON.stringify(payload),
        topics.update("TestJob"),
      ),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["status"]);
    expect(error.message).toContain("IN_PROGRESS");
  });

  it("rejects a step timeout outside 1-10080 minutes", () => {
    for (const stepTimeoutInMinutes of [0, 10_081, 1.5]) {
      expect(
        StartNextPendingJobExecutionRequestSchema.safeParse({ stepTimeoutInMinutes }).success,
      ).toBe(false);
    }
  });

  it("rejects an unknown error code", () => {
    const payload = { ...fixtureJson("jobs-rejected-version-mismatch.json"), code: "Teapot" };
    const error = violation(() =>
      parseMessage(JobsErrorResponseSchema, JSON.stringify(payload), "jobs"),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["code"]);
  });

  it("points at the failing field deep inside a notification", () => {
    const payload = {
      jobs: { QUEUED: [{ queuedAt: 1, lastUpdatedAt: 1, versionNumber: 1, executionNumber: 1 }] },
      timestamp: 1,
    };
    const error = violation(() =>
      parseMessage(JobExecutionsChangedSchema, JSON.stringify(payload), topics.notify),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["jobs.QUEUED[0].jobId"]);
  });
});

describe("StatusDetailsSchema", () => {
  const messagesFor = (details: Record<string, string>) => {
    const result = StatusDetailsSchema.safeParse(details);
    return result.success ? [] : result.error.issues.map((issue) => issue.message);
  };

  it("accepts keys of [a-zA-Z0-9:_-] up to 128 characters and values up to 1024", () => {
    expect(
      messagesFor({ "step:download_v2-a": "50%", ["k".repeat(128)]: "v".repeat(1024) }),
    ).toEqual([]);
  });

  it("names a key with characters outside [a-zA-Z0-9:_-]", () => {
    expect(messagesFor({ "bad key": "x" })).toEqual([
      'statusDetails key "bad key" has characters outside [a-zA-Z0-9:_-]',
    ]);
  });

  it("names a key longer than 128 characters", () => {
    expect(messagesFor({ ["k".repeat(129)]: "x" })).toEqual([
      `statusDetails key "${"k".repeat(129)}" is 129 characters; keys are 1-128`,
    ]);
  });

  it("names the key whose value is longer than 1024 characters", () => {
    expect(messagesFor({ log: "v".repeat(1025) })).toEqual([
      'statusDetails value of "log" is 1025 characters; values are 1-1024',
    ]);
  });

  it("names the key whose value is empty or holds control characters", () => {
    expect(messagesFor({ empty: "", bell: "ding\u0007" })).toEqual([
      'statusDetails value of "empty" is 0 characters; values are 1-1024',
      'statusDetails value of "bell" contains control characters',
    ]);
  });

  it("reports the broken key in the error path of a whole request", () => {
    const error = violation(() =>
      parseMessage(
        UpdateJobExecutionRequestSchema,
        JSON.stringify({ status: "FAILED", statusDetails: { "a b": "x" } }),
        "update",
      ),
    );
    expect(error.issues).toEqual([
      {
        path: 'statusDetails["a b"]',
        message: 'statusDetails key "a b" has characters outside [a-zA-Z0-9:_-]',
      },
    ]);
  });
});
