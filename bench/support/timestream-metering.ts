// How Timestream for LiveAnalytics meters a WriteRecords request, after the developer guide's
// "Writes" page (docs.aws.amazon.com/timestream/latest/developerguide/
// metering-and-pricing.writes.html, read 2026-12-06): an event's size is its timestamp (8
// bytes), dimension names and values, measure names and measure values (BIGINT and DOUBLE 8
// bytes, BOOLEAN 1, strings their UTF-8 bytes); a request is billed in units of 1 KiB of its
// events, common attributes counted once. The pricing page adds that repeated dimensions in a
// batch are charged once ("Automatic detection of repeated data", aws.amazon.com/timestream/
// pricing, read 2026-12-06).

/** The parts of a WriteRecords input the metering reads (the SDK's JSON, as sent). */
export interface MeteredRecord {
  Dimensions?: { Name?: string; Value?: string }[];
  MeasureName?: string;
  MeasureValue?: string;
  MeasureValueType?: string;
  MeasureValues?: { Name?: string; Value?: string; Type?: string }[];
}

export interface MeteredWrite {
  CommonAttributes?: MeteredRecord;
  Records?: MeteredRecord[];
}

/** One write unit: 1 KiB. */
export const WRITE_UNIT_BYTES = 1024;
const TIME_BYTES = 8;

const bytes = (text: string | undefined) => Buffer.byteLength(text ?? "");

function valueBytes(value: string | undefined, type: string | undefined): number {
  if (type === "BIGINT" || type === "DOUBLE" || type === undefined) return 8;
  if (type === "BOOLEAN") return 1;
  return bytes(value);
}

/** The metered size of a request's events, in bytes. */
export function writeRequestBytes(input: MeteredWrite): number {
  const common = input.CommonAttributes ?? {};
  const dimensions = new Set<string>();
  let total = 0;
  for (const dimension of common.Dimensions ?? []) {
    dimensions.add(`${dimension.Name}\u0000${dimension.Value}`);
  }
  if (input.Records?.some((record) => record.MeasureName === undefined)) {
    total += bytes(common.MeasureName);
  }
  for (const record of input.Records ?? []) {
    total += TIME_BYTES;
    for (const dimension of record.Dimensions ?? []) {
      dimensions.add(`${dimension.Name}\u0000${dimension.Value}`);
    }
    if (record.MeasureName !== undefined) total += bytes(record.MeasureName);
    const type = record.MeasureValueType ?? common.MeasureValueType;
    if (type === "MULTI") {
      for (const measure of record.MeasureValues ?? []) {
        total += bytes(measure.Name) + valueBytes(measure.Value, measure.Type);
      }
    } else {
      total += valueBytes(record.MeasureValue ?? common.MeasureValue, type);
    }
  }
  for (const dimension of dimensions) total += bytes(dimension.replace("\u0000", ""));
  return total;
}

/** Billed write units of a request: its size rounded up to whole KiB. */
export function writeRequestUnits(input: MeteredWrite): number {
  return Math.ceil(writeRequestBytes(input) / WRITE_UNIT_BYTES);
}
