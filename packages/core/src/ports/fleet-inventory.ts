import type { DeviceView } from "../contracts/device-view.ts";

/** Where operators read the fleet from: a deployed stage's AWS account, or the sandbox. */
export interface FleetInventory {
  /** Every device of the fleet, one row of `fleet devices` each. */
  listDevices(): Promise<DeviceView[]>;
}
