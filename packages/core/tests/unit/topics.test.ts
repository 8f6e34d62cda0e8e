import { describe, expect, it } from "vitest";
import {
  CREATE_CERTIFICATE_FROM_CSR_TOPIC,
  commandRequestFilter,
  commandTopics,
  createCertificateFromCsrTopics,
  jobsTopics,
  PRESENCE_TOPIC_FILTER,
  presenceTopic,
  ROTATION_COMMIT_TOPIC_FILTER,
  ROTATION_CSR_TOPIC_FILTER,
  registerThingTopics,
  rotationTopics,
  TELEMETRY_TOPIC_FILTER,
  telemetryTopic,
} from "../../src/contracts/topics.ts";

describe("topic builders", () => {
  it("puts rotation requests under rot/{thing}/ and replies on /accepted or /rejected", () => {
    expect(rotationTopics("device-0001")).toEqual({
      csr: "rot/device-0001/csr",
      csrAccepted: "rot/device-0001/csr/accepted",
      csrRejected: "rot/device-0001/csr/rejected",
      commit: "rot/device-0001/commit",
      commitAccepted: "rot/device-0001/commit/accepted",
      commitRejected: "rot/device-0001/commit/rejected",
    });
    expect(ROTATION_CSR_TOPIC_FILTER).toBe("rot/+/csr");
    expect(ROTATION_COMMIT_TOPIC_FILTER).toBe("rot/+/commit");
  });

  it("puts telemetry under dt/{thing}/telemetry, which the rule filter matches", () => {
    expect(telemetryTopic("rpi-0001")).toBe("dt/rpi-0001/telemetry");
    expect(TELEMETRY_TOPIC_FILTER.replace("+", "rpi-0001")).toBe(telemetryTopic("rpi-0001"));
  });

  it("answers a command on /accepted or /rejected under the request topic", () => {
    expect(commandTopics("rpi-0001", "reboot")).toEqual({
      request: "cmd/rpi-0001/reboot",
      accepted: "cmd/rpi-0001/reboot/accepted",
      rejected: "cmd/rpi-0001/reboot/rejected",
    });
    expect(commandRequestFilter("rpi-0001")).toBe("cmd/rpi-0001/+");
  });

  it("spells the Jobs reserved topics as AWS IoT does", () => {
    const jobs = jobsTopics("rpi-0001");
    expect(jobs.notify).toBe("$aws/things/rpi-0001/jobs/notify");
    expect(jobs.notifyNext).toBe("$aws/things/rpi-0001/jobs/notify-next");
    expect([jobs.getPending, jobs.getPendingAccepted, jobs.getPendingRejected]).toEqual([
      "$aws/things/rpi-0001/jobs/get",
      "$aws/things/rpi-0001/jobs/get/accepted",
      "$aws/things/rpi-0001/jobs/get/rejected",
    ]);
    expect([jobs.startNext, jobs.startNextAccepted, jobs.startNextRejected]).toEqual([
      "$aws/things/rpi-0001/jobs/start-next",
      "$aws/things/rpi-0001/jobs/start-next/accepted",
      "$aws/things/rpi-0001/jobs/start-next/rejected",
    ]);
    expect([
      jobs.describe("$next"),
      jobs.describeAccepted("job-1"),
      jobs.describeRejected("job-1"),
    ]).toEqual([
      "$aws/things/rpi-0001/jobs/$next/get",
      "$aws/things/rpi-0001/jobs/job-1/get/accepted",
      "$aws/things/rpi-0001/jobs/job-1/get/rejected",
    ]);
    expect([
      jobs.update("job-1"),
      jobs.updateAccepted("job-1"),
      jobs.updateRejected("job-1"),
    ]).toEqual([
      "$aws/things/rpi-0001/jobs/job-1/update",
      "$aws/things/rpi-0001/jobs/job-1/update/accepted",
      "$aws/things/rpi-0001/jobs/job-1/update/rejected",
    ]);
  });

  it("spells the fleet provisioning topics (JSON format) as AWS IoT does", () => {
    expect(createCertificateFromCsrTopics()).toEqual({
      request: "$aws/certificates/create-from-csr/json",
      accepted: "$aws/certificates/create-from-csr/json/accepted",
      rejected: "$aws/certificates/create-from-csr/json/rejected",
    });
    expect(CREATE_CERTIFICATE_FROM_CSR_TOPIC).toBe(createCertificateFromCsrTopics().request);
    expect(registerThingTopics("fleet-template")).toEqual({
      request: "$aws/provisioning-templates/fleet-template/provision/json",
      accepted: "$aws/provisioning-templates/fleet-template/provision/json/accepted",
      rejected: "$aws/provisioning-templates/fleet-template/provision/json/rejected",
    });
  });

  it("spells the lifecycle (presence) event topics as AWS IoT does", () => {
    expect(presenceTopic("connected", "rpi-0001")).toBe("$aws/events/presence/connected/rpi-0001");
    expect(presenceTopic("disconnected", "rpi-0001")).toBe(
      "$aws/events/presence/disconnected/rpi-0001",
    );
    expect(PRESENCE_TOPIC_FILTER).toBe("$aws/events/presence/+/+");
  });
});
