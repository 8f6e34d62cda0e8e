import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CloudWatchDeviceLogEvents,
  CloudWatchLogsClient,
  FilterLogEventsCommand,
} from "../../src/adapters/aws/index.ts";

const GROUP = "/fleet/dev/device-logs";
const SINCE = new Date("2026-11-21T12:00:00.000Z");

function event(id: string, at: number) {
  return {
    eventId: id,
    ingestionTime: at,
    timestamp: at,
    message: `{"n":"${id}"}`,
    logStreamName: "s",
  };
}

describe("CloudWatchDeviceLogEvents", () => {
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => logs.reset());
  const client = () =>
    new CloudWatchDeviceLogEvents({
      logs: new CloudWatchLogsClient({
        region: "eu-west-1",
        credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }),
      }),
      logGroupName: GROUP,
    });

  it("filters the stage's group by the thingName the rule set, from `since`, following nextToken", async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event("e1", 1)], nextToken: "t1", $metadata: {} })
      .resolvesOnce({ events: [event("e2", 2)], $metadata: {} });

    const found = await client().find({ thingName: "sim-0001", since: SINCE, limit: 100 });

    expect(found).toEqual([
      { id: "e1", storedAt: new Date(1), text: '{"n":"e1"}' },
      { id: "e2", storedAt: new Date(2), text: '{"n":"e2"}' },
    ]);
    expect(logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input)).toEqual([
      {
        logGroupName: GROUP,
        startTime: SINCE.getTime(),
        filterPattern: '{ $.thingName = "sim-0001" }',
        limit: 100,
      },
      {
        logGroupName: GROUP,
        startTime: SINCE.getTime(),
        filterPattern: '{ $.thingName = "sim-0001" }',
        limit: 100,
        nextToken: "t1",
      },
    ]);
  });

  it("keeps the newest `limit` events, oldest first, and skips events without an id or a message", async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event("e1", 1), event("e2", 2)], nextToken: "t1", $metadata: {} })
      .resolvesOnce({ events: [event("e3", 3), { eventId: "e4" }], $metadata: {} });

    const found = await client().find({ thingName: "sim-0001", since: SINCE, limit: 2 });

    expect(found.map((stored) => stored.id)).toEqual(["e2", "e3"]);
  });
});
