import * as z from "zod";

/**
 * A device serial number as read from the board (device-tree serial on a Raspberry Pi,
 * DMI product serial on a UEFI board) or from configuration. It becomes the thing name and
 * the MQTT client id, so it must be a valid AWS IoT thing name and safe in a topic level.
 */
export const SerialSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{3,63}$/,
    "a serial is 4-64 characters: letters, digits, '-' or '_', starting with a letter or digit",
  );
export type Serial = z.infer<typeof SerialSchema>;

/** AWS IoT thing names: 1-128 characters of [a-zA-Z0-9:_-]. */
export const ThingNameSchema = z
  .string()
  .regex(/^[a-zA-Z0-9:_-]{1,128}$/, "a thing name is 1-128 characters of [a-zA-Z0-9:_-]");
export type ThingName = z.infer<typeof ThingNameSchema>;

/** The one place that decides how a serial maps to a thing name (and so to the client id). */
export function thingNameFromSerial(serial: Serial): ThingName {
  return SerialSchema.parse(serial);
}

/**
 * Client id a device uses while it holds only the claim certificate. A distinct prefix keeps a
 * claim session from ever taking over (and disconnecting) a provisioned thing's client id.
 */
export const CLAIM_CLIENT_ID_PREFIX = "claim-";
export function claimClientId(serial: Serial): string {
  return `${CLAIM_CLIENT_ID_PREFIX}${SerialSchema.parse(serial)}`;
}
