import type { DeviceReset } from "@fleet/core";

/** `fleet devices reset`: the target revokes a device's certificates so it may provision again. */
export interface DeviceResetter {
  resetDevice(serial: string): Promise<DeviceReset>;
}
