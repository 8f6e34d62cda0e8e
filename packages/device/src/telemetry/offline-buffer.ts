import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { errorText } from "../error-text.ts";
import { OfflineBufferError } from "../errors.ts";

/** One message waiting to be sent: `id` orders the buffer, `payload` is the JSON sent. */
export interface BufferedMessage {
  id: number;
  seq: number;
  payload: string;
}

export interface BufferStats {
  /** Messages on disk waiting for their PUBACK. */
  queued: number;
  /** Oldest messages dropped because the buffer was full, since the file was created. */
  droppedMessages: number;
}

export interface Appended {
  seq: number;
  /** Oldest messages this append pushed out of a full buffer (0 almost always). */
  dropped: number;
}

/**
 * The device's telemetry outbox on disk: every message goes in before it is sent and leaves
 * only once the broker acknowledged it (PUBACK), so a message survives a lost connection, a
 * crash or a power cut. It also owns the message `seq`, incremented in the same transaction as
 * the append, so the counter never repeats across restarts and every gap the backend sees is
 * a message dropped here (counted in `droppedMessages`) or lost after the broker took it.
 *
 * node:sqlite (SQLite built into Node >= 22.13): no native module to build for armv7.
 * Synchronous API on purpose: a few small statements per interval, and a transaction that
 * cannot interleave with another append.
 */
export interface OfflineBuffer {
  /**
   * Assigns the next seq, stores `compose(seq, status)` (status as before this append) and
   * drops the oldest past `maxMessages`. A `compose` that throws leaves nothing changed.
   */
  append(compose: (seq: number, status: BufferStats) => string): Appended;
  /** The oldest `limit` messages, oldest first. */
  peek(limit: number): BufferedMessage[];
  /**
   * Forgets an acknowledged message; a message already dropped is ignored. It leaves `peek`
   * and `stats` at once, and the file with the next append (or `close`): one durable write per
   * message instead of two. A crash in between sends it again, which the cloud de-duplicates.
   */
  remove(id: number): void;
  stats(): BufferStats;
  close(): void;
}

export interface OfflineBufferOptions {
  /** Directory (created 0700) holding `telemetry.db` (0600). */
  stateDir: string;
  maxMessages: number;
}

export const OFFLINE_BUFFER_FILE = "telemetry.db";
/** Messages the buffer also keeps in memory while it holds no more than this many. */
const MIRRORED_MESSAGES = 64;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT OR IGNORE INTO counters (name, value) VALUES ('nextSeq', 0), ('dropped', 0);
`;

export function openOfflineBuffer(options: OfflineBufferOptions): OfflineBuffer {
  const file = join(options.stateDir, OFFLINE_BUFFER_FILE);
  let db: DatabaseSync;
  try {
    mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
    // mkdir leaves an existing directory's mode alone.
    chmodSync(options.stateDir, 0o700);
    // Created 0600 before SQLite opens it; SQLite gives its journal files the same mode.
    closeSync(openSync(file, "a", 0o600));
    chmodSync(file, 0o600);
    db = new DatabaseSync(file);
    // EXCLUSIVE, set before WAL: the client is the file's only user, so SQLite keeps its lock
    // and needs no shared-memory index, instead of locking and unlocking around every
    // statement (a second client started on the same state directory fails here).
    // FULL: a committed seq must survive a power cut, or the next boot would reuse it.
    db.exec(
      "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
    );
    db.exec(SCHEMA);
  } catch (cause) {
    throw new OfflineBufferError(
      `cannot open the offline buffer ${file}: ${errorText(cause)}`,
      { file },
      { cause },
    );
  }

  const counter = db.prepare("SELECT value FROM counters WHERE name = ?");
  const setCounter = db.prepare("UPDATE counters SET value = ? WHERE name = ?");
  const insert = db.prepare("INSERT INTO outbox (seq, payload) VALUES (?, ?)");
  const dropOldest = db.prepare(
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)",
  );
  const oldest = db.prepare("SELECT id, seq, payload FROM outbox ORDER BY id LIMIT ?");
  const deleteId = db.prepare("DELETE FROM outbox WHERE id = ?");
  const [begin, commit, rollback] = ["BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"].map((sql) =>
    db.prepare(sql),
  ) as [StatementSync, StatementSync, StatementSync];
  const read = (name: string) => Number((counter.get(name) as { value: number }).value);
  // Nothing else writes the file: the counters and the row count are read once and then kept
  // here, in step with every commit (and put back on a rollback).
  const onDisk = {
    nextSeq: read("nextSeq"),
    dropped: read("dropped"),
    rows: Number((db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number }).n),
  };
  /** Acknowledged messages still in the file, deleted with the next write. */
  const acknowledged = new Set<number>();
  // While the outbox is short (connected, a message leaves within a second of its append),
  // every row is also kept here, so handing out the next messages needs no query. Undefined
  // once it outgrows MIRRORED_MESSAGES (offline); set up again when the outbox next empties.
  // Arrays are replaced, never changed, so a rolled-back append restores the one before.
  let mirror: readonly BufferedMessage[] | undefined = onDisk.rows === 0 ? [] : undefined;
  const deleteAcknowledged = () => {
    for (const id of acknowledged) onDisk.rows -= Number(deleteId.run(id).changes);
    mirror = mirror?.filter((message) => !acknowledged.has(message.id));
    acknowledged.clear();
    if (onDisk.rows === 0) mirror ??= [];
  };
  const count = () => onDisk.rows - acknowledged.size;

  return {
    append(compose) {
      begin.run();
      const deleting = [...acknowledged];
      const before = { onDisk: { ...onDisk }, mirror };
      try {
        deleteAcknowledged();
        const seq = onDisk.nextSeq;
        const status = { queued: count(), droppedMessages: onDisk.dropped };
        const payload = compose(seq, status);
        const id = Number(insert.run(seq, payload).lastInsertRowid);
        onDisk.rows += 1;
        mirror =
          mirror && mirror.length < MIRRORED_MESSAGES
            ? [...mirror, { id, seq, payload }]
            : undefined;
        setCounter.run(seq + 1, "nextSeq");
        onDisk.nextSeq = seq + 1;
        const excess = count() - options.maxMessages;
        const dropped = excess > 0 ? Number(dropOldest.run(excess).changes) : 0;
        if (dropped > 0) {
          onDisk.rows -= dropped;
          onDisk.dropped += dropped;
          mirror = mirror?.slice(dropped);
          setCounter.run(onDisk.dropped, "dropped");
        }
        commit.run();
        return { seq, dropped };
      } catch (error) {
        rollback.run();
        Object.assign(onDisk, before.onDisk);
        mirror = before.mirror;
        for (const id of deleting) acknowledged.add(id);
        throw error;
      }
    },
    peek(limit) {
      const rows =
        mirror ??
        oldest.all(limit + acknowledged.size).map((row) => ({
          id: Number(row.id),
          seq: Number(row.seq),
          payload: String(row.payload),
        }));
      return rows.filter((message) => !acknowledged.has(message.id)).slice(0, limit);
    },
    remove(id) {
      acknowledged.add(id);
    },
    stats() {
      return { queued: count(), droppedMessages: onDisk.dropped };
    },
    close() {
      if (!db.isOpen) return;
      deleteAcknowledged();
      db.close();
    },
  };
}
