import type { RotationRecord } from "@fleet/core";
import type { DeviceView } from "@fleet/core/contracts";

/** What `fleet rotation start` asks for: one device, or every device expiring soon. */
export type RotationRequest = { device: string } | { expiringWithinMs: number };

export interface RotationStartResult {
  /** Rotations started, or the device's rotation already in progress (starting is idempotent). */
  started: RotationRecord[];
  /** Devices whose rotation could not start, with the reason. */
  failures: { device: string; message: string }[];
}

/** Certificate rotations of a target: the sandbox's API or a stage's AWS account. */
export interface RotationService {
  /** Newest first. */
  listRotations(): Promise<RotationRecord[]>;
  startRotations(request: RotationRequest): Promise<RotationStartResult>;
}

/** Provisioned devices whose active certificate ends within `withinMs` of `now`. */
export function devicesExpiringWithin(
  devices: readonly DeviceView[],
  withinMs: number,
  now: Date,
): DeviceView[] {
  const limit = now.getTime() + withinMs;
  return devices.filter(
    (d) =>
      d.state === "provisioned" &&
      d.thingName !== null &&
      d.notAfter !== null &&
      Date.parse(d.notAfter) <= limit,
  );
}
