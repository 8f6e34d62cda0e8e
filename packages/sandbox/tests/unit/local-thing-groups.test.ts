import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeThingGroups } from "../../../core/tests/port-suites/index.ts";
import { LocalThingGroups } from "../../src/adapters/local-thing-groups.ts";
import { IotRegistry } from "../../src/iot-core/registry.ts";

describeThingGroups("LocalThingGroups (sandbox registry)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fleet-thing-groups-"));
  const registry = await IotRegistry.open(dir);
  return {
    groups: new LocalThingGroups(registry),
    async seed(state) {
      for (const thingName of state.things) await registry.createThing({ thingName });
      for (const [name, members] of Object.entries(state.groups)) {
        await registry.createThingGroup(name);
        for (const thing of members) await registry.addThingToThingGroup(name, thing);
      }
    },
    members: async (name) => registry.listThingsInThingGroup(name).sort(),
    close: () => rm(dir, { recursive: true, force: true }),
  };
});
