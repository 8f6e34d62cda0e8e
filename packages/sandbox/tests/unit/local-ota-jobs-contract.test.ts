import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { describeOtaJobs } from "../../../core/tests/port-suites/index.ts";
import { LocalOtaJobs } from "../../src/adapters/local-ota-jobs.ts";
import { IotRegistry } from "../../src/iot-core/registry.ts";
import { openSandboxJobs } from "../../src/wiring/jobs.ts";

describeOtaJobs("LocalOtaJobs (sandbox job store and registry)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fleet-ota-jobs-"));
  const registry = await IotRegistry.open(dir);
  const jobs = await openSandboxJobs({
    stateDir: dir,
    registry,
    minuteMs: 60_000,
    logger: pino({ level: "silent" }),
  });
  return {
    jobs: new LocalOtaJobs({ jobs, registry }),
    async seed(state) {
      for (const thingName of state.things) await registry.createThing({ thingName });
      for (const [name, members] of Object.entries(state.groups)) {
        await registry.createThingGroup(name);
        for (const thing of members) await registry.addThingToThingGroup(name, thing);
      }
    },
    async close() {
      await jobs.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
