import { join } from "node:path";
import { ThingGroupSummarySchema } from "@fleet/core/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import {
  CANARY_THING_GROUP,
  SANDBOX_RESOURCE_NAMES,
  type SandboxApi,
  sandboxFleetOperations,
  startSandboxApi,
} from "../../src/index.ts";
import { cliStateDirFor, fleet, fleetFails } from "./ota-fixture.ts";
import { startTestSandbox } from "./sandbox-fixture.ts";

describe("thing groups from the fleet CLI: groups, devices add-to-group/remove-from-group", () => {
  let env: Awaited<ReturnType<typeof startTestSandbox>>;
  let api: SandboxApi;
  let cliStateDir: string;
  let thingName: string;

  beforeAll(async () => {
    env = await startTestSandbox("groups-cli");
    api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
    cliStateDir = await cliStateDirFor(env.sandbox, api, env.dir);
    ({ thingName } = await env.sandbox.enrollDevice("SN-GRP-0001", join(env.dir, "device")));
  });
  afterAll(async () => {
    await api.close();
    await env.stop();
  });

  const cli = (...args: string[]) => fleet(...args, "--state-dir", cliStateDir);
  const groups = async () =>
    z.array(ThingGroupSummarySchema).parse(JSON.parse(await cli("groups", "--json")));

  it("lists the groups with their device counts, and moves a device in and out of the canary group", async () => {
    const before = await groups();
    expect(before.map((group) => group.name)).toEqual(
      [CANARY_THING_GROUP, SANDBOX_RESOURCE_NAMES.thingGroupName].sort(),
    );
    expect(before.find((group) => group.name === CANARY_THING_GROUP)?.thingCount).toBe(0);

    expect(await cli("devices", "add-to-group", thingName, CANARY_THING_GROUP)).toBe(
      `${thingName}: added to ${CANARY_THING_GROUP}\n`,
    );
    expect(env.sandbox.listThingsInThingGroup(CANARY_THING_GROUP)).toEqual([thingName]);
    expect((await groups()).find((g) => g.name === CANARY_THING_GROUP)?.thingCount).toBe(1);

    await cli("devices", "remove-from-group", thingName, CANARY_THING_GROUP);
    expect(env.sandbox.listThingsInThingGroup(CANARY_THING_GROUP)).toEqual([]);
  });

  it("names an unknown group or device in the error, exit 1", async () => {
    const fails = (...args: string[]) => fleetFails(...args, "--state-dir", cliStateDir);

    expect(await fails("devices", "add-to-group", thingName, "no-such-group")).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("no thing group named no-such-group"),
    });
    expect(
      await fails("devices", "remove-from-group", "SN-GHOST-0001", CANARY_THING_GROUP),
    ).toMatchObject({ code: 1, stderr: expect.stringContaining("no device named SN-GHOST-0001") });
  });
});
