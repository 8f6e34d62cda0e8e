import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/**
 * The sandbox's telemetry database (`<stateDir>/telemetry.duckdb`): one long table of samples
 * and one of dead letters. DuckDB allows one writing process per file, so the sandbox holds it
 * and clients read through its API.
 *
 * `telemetry` is keyed like a Timestream record (dimensions, measure name, time): a record the
 * stream delivers twice (Kinesis is at-least-once, a retried batch is written again) is stored
 * once, as Timestream ignores an identical record.
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
    value_bool BOOLEAN,
    PRIMARY KEY (thing, measure, time)
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

export interface TelemetryDatabase {
  readonly connection: DuckDBConnection;
  /**
   * Runs `work` after every earlier call has settled: one connection runs one statement at a
   * time, and a write (staging table, then insert) must not interleave with another.
   */
  exclusive<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Opens (creating when missing) the database at `path`; `:memory:` for a throwaway one. */
export async function openTelemetryDatabase(path: string): Promise<TelemetryDatabase> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run(SCHEMA);
  let tail: Promise<unknown> = Promise.resolve();
  let closed: Promise<void> | undefined;
  const exclusive = <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
    const run = tail.then(() => work(connection));
    tail = run.catch(() => {});
    return run;
  };
  return {
    connection,
    exclusive,
    close() {
      closed ??= exclusive(async () => {
        connection.closeSync();
        instance.closeSync();
      });
      return closed;
    },
  };
}
