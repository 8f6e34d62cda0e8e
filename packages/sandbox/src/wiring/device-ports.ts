import { join } from "node:path";
import { AllowListCache } from "@fleet/core";
import { FileDeviceLedger } from "../adapters/file-device-ledger.ts";
import { LocalAllowListStore } from "../adapters/local-allow-list-store.ts";
import { LocalCaIssuer } from "../adapters/local-ca-issuer.ts";
import { LocalCaRevoker } from "../adapters/local-ca-revoker.ts";
import { LocalDeviceRegistry } from "../adapters/local-device-registry.ts";
import type { IotRegistry } from "../iot-core/registry.ts";
import { SANDBOX_RESOURCE_NAMES } from "../iot-core/sandbox-scope.ts";
import type { LocalCa } from "../local-ca/local-ca.ts";

/**
 * The local adapters provisioning, the allow-list and rotation share, in place of a stage's
 * S3 allow-list, DynamoDB ledger, AWS IoT registry and ACM Private CA.
 */
export interface DevicePorts {
  /** The fleet thing group's devices in the registry. */
  registry: LocalDeviceRegistry;
  /** The sandbox's CA: it signs every CSR, as a stage's private CA in `private-ca` mode. */
  issuer: LocalCaIssuer;
  revoker: LocalCaRevoker;
  ledger: FileDeviceLedger;
  /** The allow-list's versions (`<stateDir>/allow-list`). */
  allowListStore: LocalAllowListStore;
  /** The current allow-list as the pre-provisioning hook sees it. */
  allowList: AllowListCache;
}

export function localDevicePorts(options: {
  stateDir: string;
  ca: LocalCa;
  registry: IotRegistry;
  clock: () => Date;
}): DevicePorts {
  const { stateDir, ca, registry, clock } = options;
  const allowListStore = new LocalAllowListStore(join(stateDir, "allow-list"));
  return {
    registry: new LocalDeviceRegistry(registry, SANDBOX_RESOURCE_NAMES.thingGroupName),
    issuer: new LocalCaIssuer(ca, { now: () => clock().getTime() }),
    revoker: new LocalCaRevoker(ca),
    ledger: new FileDeviceLedger(join(stateDir, "device-ledger.json")),
    allowListStore,
    // No TTL: an upload takes effect for the next device at once (a version check is one small read).
    allowList: new AllowListCache({ store: allowListStore, ttlMs: 0 }),
  };
}
