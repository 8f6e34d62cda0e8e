import { type ControlPlaneLimiter, type ProvisioningModule, provisioningModule } from "@fleet/core";
import { provisioningTemplateBody } from "@fleet/core/contracts";
import type { Logger } from "pino";
import { FleetProvisioning } from "../iot-core/fleet-provisioning.ts";
import type { IotRegistry } from "../iot-core/registry.ts";
import { SANDBOX_RESOURCE_NAMES } from "../iot-core/sandbox-scope.ts";
import type { DevicePorts } from "./device-ports.ts";

export interface SandboxProvisioning {
  module: ProvisioningModule;
  /** The fleet provisioning MQTT API, for the broker. */
  service: FleetProvisioning;
}

/**
 * Fleet provisioning through core's provisioning module: the pre-provisioning hook, the
 * certificate provider (the sandbox's CA, within the control-plane budget) and device resets;
 * the fleet provisioning MQTT API runs the template with them.
 */
export function wireProvisioning(
  ports: DevicePorts,
  options: {
    registry: IotRegistry;
    limiter: ControlPlaneLimiter;
    validityMs: number;
    clock: () => Date;
    logger: Logger;
  },
): SandboxProvisioning {
  const { registry, limiter, validityMs, clock, logger } = options;
  const names = SANDBOX_RESOURCE_NAMES;
  const module = provisioningModule({
    allowList: ports.allowList,
    ledger: ports.ledger,
    registry: ports.registry,
    issuer: ports.issuer,
    revoker: ports.revoker,
    // The sandbox's CA is the private CA of a stage in `private-ca` mode: it signs every CSR.
    certificateSigner: "private-ca",
    validityMs,
    limiter,
    clock,
    logger,
  });
  const service = new FleetProvisioning({
    registry,
    signCsr: module.signCsr,
    templateName: names.provisioningTemplateName,
    templateBody: provisioningTemplateBody(names),
    preProvisioningHook: module.decide,
    logger,
    clock,
  });
  return { module, service };
}
