import type { MeasureValue, TelemetryPoint } from "../../ports/telemetry-store.ts";

/** Tag holding the thing name; the section is the measurement. */
export const INFLUXDB_THING_TAG = "thing";
/** Integer fields the store adds to every point, next to the point's own. */
export const INFLUXDB_SEQ_FIELD = "seq";
export const INFLUXDB_RECEIVED_AT_FIELD = "received_at_ms";

// InfluxDB reserves `time` and names starting with `_` (`_measurement`, `_field`, `_value`...).
const RESERVED_KEYS = new Set([
  INFLUXDB_THING_TAG,
  INFLUXDB_SEQ_FIELD,
  INFLUXDB_RECEIVED_AT_FIELD,
  "time",
]);

// Line protocol escapes with a backslash, so a literal backslash is doubled everywhere.
const escapeMeasurement = (text: string) => text.replace(/[\\, ]/g, "\\$&");
const escapeKey = (text: string) => text.replace(/[\\,= ]/g, "\\$&");
const escapeString = (text: string) => text.replace(/[\\"]/g, "\\$&");

/**
 * One point as a line of InfluxDB line protocol, timestamp in milliseconds (write with
 * `precision=ms`): `section,thing=T measure=1.5,label="x",on=true,seq=12i,received_at_ms=...i ms`.
 * Every number is a float: a measure whose readings are sometimes whole would otherwise flip
 * between integer and float, and InfluxDB refuses a field type conflict.
 */
export function lineProtocol(point: TelemetryPoint): string {
  const fields = Object.entries(point.measures).map(
    ([name, value]) => `${escapeKey(name)}=${fieldValue(value)}`,
  );
  fields.push(`${INFLUXDB_SEQ_FIELD}=${point.seq}i`);
  fields.push(`${INFLUXDB_RECEIVED_AT_FIELD}=${point.receivedAt.getTime()}i`);
  return `${escapeMeasurement(point.section)},${INFLUXDB_THING_TAG}=${escapeKey(point.thing)} ${fields.join(",")} ${point.time.getTime()}`;
}

function fieldValue(value: MeasureValue): string {
  if (typeof value === "string") return `"${escapeString(value)}"`;
  return String(value);
}

/** Why the point cannot be written as line protocol (no escape exists for it); else null. */
export function lineProtocolProblem(point: TelemetryPoint): string | null {
  const names = [
    { what: "measurement (section)", text: point.section },
    ...Object.keys(point.measures).map((name) => ({
      what: `field ${point.section}.${name}`,
      text: name,
    })),
  ];
  for (const { what, text } of names) {
    if (text === "" || text.startsWith("_")) {
      return `${what} ${JSON.stringify(text)}: InfluxDB names must not be empty or start with "_"`;
    }
    if (/[\n\r]/.test(text))
      return `${what} ${JSON.stringify(text)}: line protocol cannot carry a line break in a name`;
  }
  if (point.thing === "" || /[\n\r]/.test(point.thing)) {
    return `thing ${JSON.stringify(point.thing)}: an InfluxDB tag value must be non-empty and on one line`;
  }
  if (!Number.isSafeInteger(point.seq) || point.seq < 0) {
    return `seq ${point.seq} is not a non-negative integer`;
  }
  for (const [name, value] of Object.entries(point.measures)) {
    const where = `field ${point.section}.${name}`;
    if (RESERVED_KEYS.has(name)) {
      return `${where}: the name is reserved in the bucket (${[...RESERVED_KEYS].join(", ")})`;
    }
    if (typeof value === "number" && !Number.isFinite(value))
      return `${where}: ${value} is not a finite number`;
    if (typeof value === "string" && /[\n\r]/.test(value)) {
      return `${where}: line protocol cannot carry a line break in a string value`;
    }
  }
  return null;
}
