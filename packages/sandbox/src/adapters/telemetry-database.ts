import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/**
 * The sandbox's telemetry database (`<stateDir>/telemetry.duckdb`): one long table of samples
 * and one of dead letters. DuckDB allows one writing process per file, so the sandbox holds it
 * and clients read through its API.
 *
 * A `telemetry` row is identified like a Timestream record (dimensions, measure name, time):
 * a record the stream delivers twice (Kinesis is at-least-once, a retried batch is written
 * again) is stored once, as Timestream ignores an identical record. The store enforces it when
 * it inserts (see `DuckDbTelemetryStore`), not with a PRIMARY KEY: that index (about 50 keys a
 * message) made every insert 50 times dearer and held every key in memory, so 1,000 devices
 * at a message a second outran the sandbox. Files created before keep their key; it only
 * repeats the store's check.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS telemetry (
    thing VARCHAR NOT NULL,
    time TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    seq BIGINT NOT NULL,
    measure VARCHAR NOT NULL,
    value_double DOUBLE,
    value_text VARCHAR,
    value_bool BOOLEAN
  );
  CREATE TABLE IF NOT EXISTS dead_letters (
    set_aside_at TIMESTAMP NOT NULL,
    reason VARCHAR NOT NULL,
    issues VARCHAR NOT NULL,
    thing VARCHAR,
    received_at VARCHAR,
    payload VARCHAR NOT NULL,
    partition_key VARCHAR NOT NULL,
    sequence_number VARCHAR NOT NULL
  );
`;

/**
 * DuckDB's buffer pool defaults to 80% of the machine's memory and keeps the table's blocks
 * cached up to it, so a sandbox taking 1,000 devices' telemetry grew by about 200 MB a minute.
 * Past this limit it evicts blocks already written to the file (and spills large queries to
 * disk); inserts and the API's queries (one thing, recent rows) run as fast within it.
 */
const MEMORY_LIMIT = "256MB";

export interface TelemetryDatabase {
  readonly connection: DuckDBConnection;
  /**
   * Runs `work` after every earlier call has settled: one connection runs one statement at a
   * time, and a write (staging table, then insert) must not interleave with another.
   */
  exclusive<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  /**
   * Runs a query on a connection of its own, one query at a time, beside the writes: DuckDB
   * gives it a snapshot of what was committed, so an operator's query never waits behind a
   * batch being written (nor holds one up).
   */
  read<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Opens (creating when missing) the database at `path`; `:memory:` for a throwaway one. */
export async function openTelemetryDatabase(path: string): Promise<TelemetryDatabase> {
  const instance = await DuckDBInstance.create(path, { memory_limit: MEMORY_LIMIT });
  const connection = await instance.connect();
  await connection.run(SCHEMA);
  const readConnection = await instance.connect();
  const exclusive = oneAtATime(connection);
  const read = oneAtATime(readConnection);
  let closed: Promise<void> | undefined;
  return {
    connection,
    exclusive,
    read,
    close() {
      closed ??= Promise.all([
        read(async () => readConnection.closeSync()),
        exclusive(async () => connection.closeSync()),
      ]).then(() => instance.closeSync());
      return closed;
    },
  };
}

/** Runs each `work` on `connection` once every earlier one has settled. */
function oneAtATime(connection: DuckDBConnection) {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
    const run = tail.then(() => work(connection));
    tail = run.catch(() => {});
    return run;
  };
}
