import {
  CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput as FilterLogEventsInput,
} from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { CloudWatchDeviceLogEvents } from "../../src/adapters/aws/index.ts";
import { describeDeviceLogEvents, oneLineBatch } from "../port-suites/index.ts";

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

const logs = mockClient(CloudWatchLogsClient);
const client = () =>
  new CloudWatchDeviceLogEvents({
    logs: new CloudWatchLogsClient({
      region: "eu-west-1",
      credentials: async () => ({ accessKeyId: "a", secretAccessKey: "b" }),
    }),
    logGroupName: GROUP,
  });

/**
 * A log group as FilterLogEvents reads it: events from `startTime`, matching the JSON filter
 * pattern on `thingName`, oldest first, `limit` a page with a `nextToken` to the next.
 */
function fakeLogGroup(events: FilteredLogEvent[]) {
  return (input: FilterLogEventsInput) => {
    const [, thing] = /^\{ \$\.thingName = "([^"]+)" \}$/.exec(input.filterPattern ?? "") ?? [];
    const matching = events.filter(
      (event) =>
        input.logGroupName === GROUP &&
        (event.timestamp ?? 0) >= (input.startTime ?? 0) &&
        JSON.parse(event.message ?? "{}").thingName === thing,
    );
    const from = Number(input.nextToken ?? 0);
    const to = from + (input.limit ?? 10_000);
    return {
      events: matching.slice(from, to),
      ...(to < matching.length && { nextToken: String(to) }),
      $metadata: {},
    };
  };
}

describeDeviceLogEvents("CloudWatchDeviceLogEvents", async () => {
  const group: FilteredLogEvent[] = [];
  logs.reset();
  logs.on(FilterLogEventsCommand).callsFake(fakeLogGroup(group));
  return {
    events: client(),
    async store(thingName, message, storedAt) {
      // What the rule writes: the device's batch plus `topic(2) AS thingName`.
      const batch = JSON.parse(oneLineBatch(message, storedAt));
      group.push({
        eventId: `e${group.length + 1}`,
        timestamp: storedAt.getTime(),
        ingestionTime: storedAt.getTime(),
        message: JSON.stringify({ ...batch, thingName }),
      });
    },
  };
});

describe("CloudWatchDeviceLogEvents", () => {
  beforeEach(() => logs.reset());

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

  it("turns access denied into an error naming the IAM action the operator needs", async () => {
    logs
      .on(FilterLogEventsCommand)
      .rejects(Object.assign(new Error("not authorized"), { name: "AccessDeniedException" }));
    await expect(
      client().find({ thingName: "sim-0001", since: SINCE, limit: 1 }),
    ).rejects.toMatchObject({
      name: "AwsAccessDeniedError",
      message: expect.stringMatching(/allows logs:FilterLogEvents/),
    });
  });
});
