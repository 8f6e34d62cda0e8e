/**
 * The shape of the Timestream table's rows, shared by the store that writes them, the reader,
 * the stack (partition key) and the dashboards: one MULTI record per telemetry message, with
 * the thing as its dimension, every measure as a column named `section.path` (see
 * `measureName`), and the columns below beside them.
 */

/** Dimension holding the thing name; also the table's partition key. */
export const TIMESTREAM_THING_DIMENSION = "thing";
/**
 * The measure_name of a message's record. A message too big for one record goes into several,
 * `telemetry`, `telemetry.2`, ...: the records of one message differ only by measure_name, since
 * Timestream keys a record by dimensions, time and measure_name.
 */
export const TIMESTREAM_MEASURE_NAME = "telemetry";
/** Columns the store adds to every record, next to the message's measures. */
export const TIMESTREAM_SEQ_MEASURE = "seq";
export const TIMESTREAM_RECEIVED_AT_MEASURE = "received_at_ms";
