import {
  commandTopics,
  jobsTopics,
  matchCommandRequestTopic,
  matchJobsRequestTopic,
  matchRegisterThingTopic,
  matchRotationRequestTopic,
  matchShadowRequestTopic,
  matchTelemetryTopic,
  registerThingTopics,
  rotationTopics,
  shadowTopics,
  telemetryTopic,
} from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";

const THING = "rpi-0001";

describe("topic matchers read back what the builders build", () => {
  it("telemetry", () => {
    expect(matchTelemetryTopic(telemetryTopic(THING))).toEqual({ thingName: THING });
    expect(matchTelemetryTopic(`dt/${THING}/telemetry/x`)).toBeUndefined();
  });

  it("commands: requests only, not the device's replies", () => {
    const topics = commandTopics(THING, "led");
    expect(matchCommandRequestTopic(topics.request)).toEqual({ thingName: THING, command: "led" });
    expect(matchCommandRequestTopic(topics.accepted)).toBeUndefined();
  });

  it("jobs: requests only, not notifications or replies", () => {
    const topics = jobsTopics(THING);
    expect(matchJobsRequestTopic(topics.getPending)).toEqual({
      thingName: THING,
      operation: "get",
    });
    expect(matchJobsRequestTopic(topics.update("job-1"))).toEqual({
      thingName: THING,
      operation: "job-1/update",
    });
    expect(matchJobsRequestTopic(`$aws/things/${THING}/jobs/list`)).toEqual({
      thingName: THING,
      operation: "list",
    });
    for (const reply of [
      topics.notify,
      topics.notifyNext,
      topics.getPendingAccepted,
      topics.updateRejected("job-1"),
    ]) {
      expect(matchJobsRequestTopic(reply)).toBeUndefined();
    }
  });

  it("shadow: update and get requests only", () => {
    const topics = shadowTopics(THING);
    expect(matchShadowRequestTopic(topics.update)).toEqual({
      thingName: THING,
      operation: "update",
    });
    expect(matchShadowRequestTopic(topics.get)).toEqual({ thingName: THING, operation: "get" });
    expect(matchShadowRequestTopic(topics.updateDelta)).toBeUndefined();
  });

  it("RegisterThing", () => {
    expect(matchRegisterThingTopic(registerThingTopics("fleet").request)).toEqual({
      templateName: "fleet",
    });
    expect(matchRegisterThingTopic(registerThingTopics("fleet").accepted)).toBeUndefined();
  });

  it("rotation requests", () => {
    const topics = rotationTopics(THING);
    expect(matchRotationRequestTopic(topics.csr)).toEqual({ thingName: THING, request: "csr" });
    expect(matchRotationRequestTopic(topics.commit)).toEqual({
      thingName: THING,
      request: "commit",
    });
    expect(matchRotationRequestTopic(topics.csrAccepted)).toBeUndefined();
  });
});
