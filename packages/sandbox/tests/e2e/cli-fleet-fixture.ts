// A sandbox operated through the `fleet` CLI, with real devices in its fleet group, the first
// one in the canary group too: the setting of the release-control end-to-end tests.
import {
  CANARY_THING_GROUP,
  SANDBOX_RESOURCE_NAMES,
  type SandboxApi,
  sandboxFleetOperations,
  startSandboxApi,
} from "../../src/index.ts";
import { cliStateDirFor, type DeviceProcess, startDeviceProcess } from "./ota-fixture.ts";
import { startTestSandbox } from "./sandbox-fixture.ts";

export const FLEET_THING_GROUP = SANDBOX_RESOURCE_NAMES.thingGroupName;

export interface CliFleet {
  env: Awaited<ReturnType<typeof startTestSandbox>>;
  api: SandboxApi;
  /** What the CLI gets as `--state-dir`. */
  cliStateDir: string;
  /** `devices[0]` is the canary. */
  devices: DeviceProcess[];
  stop(): Promise<void>;
}

export async function startCliFleet(name: string, serials: readonly string[]): Promise<CliFleet> {
  const env = await startTestSandbox(name);
  const api = await startSandboxApi(sandboxFleetOperations(env.sandbox));
  const cliStateDir = await cliStateDirFor(env.sandbox, api, env.dir);
  const devices: DeviceProcess[] = [];
  for (const serial of serials) {
    const device = await startDeviceProcess(env.sandbox, env.dir, serial);
    devices.push(device);
    await env.sandbox.addThingToThingGroup(FLEET_THING_GROUP, device.thingName);
  }
  await env.sandbox.addThingToThingGroup(CANARY_THING_GROUP, devices[0]?.thingName ?? "");
  return {
    env,
    api,
    cliStateDir,
    devices,
    async stop() {
      await Promise.all(devices.splice(0).map((device) => device.stop()));
      await api.close();
      await env.stop();
    },
  };
}
