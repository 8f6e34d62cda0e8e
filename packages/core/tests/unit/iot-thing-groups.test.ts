import {
  AddThingToThingGroupCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  IoTClient,
  ListThingGroupsCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { IotThingGroups } from "../../src/adapters/aws/index.ts";
import { describeThingGroups } from "../port-suites/index.ts";

const notFound = () => new ResourceNotFoundException({ message: "not found", $metadata: {} });

/** AWS IoT's groups as aws-sdk-client-mock answers them, over a map the suite can read. */
function mockedGroups() {
  const iot = new IoTClient({ region: "eu-west-1" });
  const mock = mockClient(iot);
  const things = new Set<string>();
  const groups = new Map<string, Set<string>>();
  const group = (name: string | undefined) => {
    const members = groups.get(name ?? "");
    if (members === undefined) throw notFound();
    return members;
  };
  mock.on(ListThingGroupsCommand).callsFake(() => ({
    thingGroups: [...groups.keys()].map((groupName) => ({ groupName })),
  }));
  mock
    .on(ListThingsInThingGroupCommand)
    .callsFake((input) => ({ things: [...group(input.thingGroupName)] }));
  mock.on(DescribeThingGroupCommand).callsFake((input) => {
    group(input.thingGroupName);
    return { thingGroupName: input.thingGroupName };
  });
  mock.on(DescribeThingCommand).callsFake((input) => {
    if (!things.has(input.thingName ?? "")) throw notFound();
    return { thingName: input.thingName };
  });
  mock.on(AddThingToThingGroupCommand).callsFake((input) => {
    group(input.thingGroupName).add(input.thingName ?? "");
    return {};
  });
  mock.on(RemoveThingFromThingGroupCommand).callsFake((input) => {
    group(input.thingGroupName).delete(input.thingName ?? "");
    return {};
  });
  return { iot, mock, things, groups };
}

describeThingGroups("IotThingGroups (aws-sdk-client-mock)", async () => {
  const { iot, things, groups } = mockedGroups();
  return {
    groups: new IotThingGroups({ iot }),
    async seed(state) {
      for (const thing of state.things) things.add(thing);
      for (const [name, members] of Object.entries(state.groups))
        groups.set(name, new Set(members));
    },
    members: async (name) => [...(groups.get(name) ?? [])].sort(),
  };
});

describe("IotThingGroups", () => {
  it("sends exactly the calls AWS IoT takes: membership by names, lists paged by 250", async () => {
    const { iot, mock, things, groups } = mockedGroups();
    things.add("sim-0001");
    groups.set("fleet-canary", new Set());
    const adapter = new IotThingGroups({ iot });

    await adapter.addThing("fleet-canary", "sim-0001");
    await adapter.removeThing("fleet-canary", "sim-0001");
    await adapter.list();

    const inputs = (command: Parameters<typeof mock.commandCalls>[0]) =>
      mock.commandCalls(command).map((call) => call.args[0].input);
    expect(inputs(AddThingToThingGroupCommand)).toEqual([
      { thingGroupName: "fleet-canary", thingName: "sim-0001" },
    ]);
    expect(inputs(RemoveThingFromThingGroupCommand)).toEqual([
      { thingGroupName: "fleet-canary", thingName: "sim-0001" },
    ]);
    expect(inputs(ListThingGroupsCommand)).toEqual([{ maxResults: 250, nextToken: undefined }]);
    expect(inputs(ListThingsInThingGroupCommand)).toEqual([
      { thingGroupName: "fleet-canary", maxResults: 250, nextToken: undefined },
    ]);
  });
});
