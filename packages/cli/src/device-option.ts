import { SerialSchema, thingNameFromSerial } from "@fleet/core/contracts";
import { UsageError } from "./errors.ts";

/** `--device <serial>`: a device serial, as the thing name the fleet knows it by. */
export function parseDeviceOption(value: string): string {
  const serial = SerialSchema.safeParse(value);
  if (!serial.success) {
    throw new UsageError(
      `--device ${value}: not a device serial (${serial.error.issues[0]?.message})`,
    );
  }
  return thingNameFromSerial(serial.data);
}
