import { createResetDevice } from "@fleet/core";
import { createIotClient, IotDeviceRegistry } from "@fleet/core/adapters/aws";
import type { Target } from "../commands/target-options.ts";
import type { DeviceResetter } from "./device-resetter.ts";
import { SandboxClient } from "./sandbox-client.ts";
import { stageClientConfig } from "./stage-client-config.ts";

/**
 * The sandbox's API (registry and its CA), or the stage's AWS IoT registry. On a stage the
 * certificates are revoked in AWS IoT only (UpdateCertificate INACTIVE, then REVOKED), which
 * refuses them at once; the CLI does not know the stage's private CA, so they stay off the
 * CA's revocation list.
 */
export async function deviceResetterFor(target: Target): Promise<DeviceResetter> {
  if (target.kind === "sandbox") return SandboxClient.connect(target.stateDir);
  const registry = new IotDeviceRegistry({ iot: createIotClient(stageClientConfig(target.stage)) });
  return { resetDevice: createResetDevice({ registry }) };
}
