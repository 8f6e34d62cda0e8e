import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OfflineBufferError } from "../../src/errors.ts";
import {
  OFFLINE_BUFFER_FILE,
  type OfflineBuffer,
  openOfflineBuffer,
} from "../../src/telemetry/offline-buffer.ts";

describe("offline buffer", () => {
  let dir: string;
  let stateDir: string;
  const open: OfflineBuffer[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "fleet-buffer-"));
    stateDir = join(dir, "state");
  });
  afterEach(async () => {
    for (const buffer of open.splice(0)) buffer.close();
    await rm(dir, { recursive: true, force: true });
  });
  const openBuffer = (maxMessages = 100) => {
    const buffer = openOfflineBuffer({ stateDir, maxMessages });
    open.push(buffer);
    return buffer;
  };
  /** The buffer as a power cut would leave it on disk now: its files, opened by a new client. */
  const openCrashCopy = () => {
    const copy = join(dir, `crash-${open.length}`);
    mkdirSync(copy, { mode: 0o700 });
    for (const name of readdirSync(stateDir)) copyFileSync(join(stateDir, name), join(copy, name));
    const buffer = openOfflineBuffer({ stateDir: copy, maxMessages: 100 });
    open.push(buffer);
    return buffer;
  };
  const appendN = (buffer: OfflineBuffer, n: number) => {
    for (let i = 0; i < n; i++) buffer.append((seq) => JSON.stringify({ seq }));
  };

  it("numbers messages from 0 and hands them back oldest first", () => {
    const buffer = openBuffer();
    appendN(buffer, 3);
    expect(buffer.peek(10).map((m) => [m.seq, m.payload])).toEqual([
      [0, '{"seq":0}'],
      [1, '{"seq":1}'],
      [2, '{"seq":2}'],
    ]);
    expect(buffer.peek(2).map((m) => m.seq)).toEqual([0, 1]);
  });

  it("keeps unsent messages and continues the seq after a restart", () => {
    const first = openBuffer();
    appendN(first, 3);
    first.remove(first.peek(1)[0]?.id ?? -1);
    first.close();
    const second = openBuffer();
    expect(second.peek(10).map((m) => m.seq)).toEqual([1, 2]);
    expect(second.append((seq) => String(seq)).seq).toBe(3);
  });

  it("forgets an acknowledged message at once, on disk with the next append", () => {
    const buffer = openBuffer();
    appendN(buffer, 2);
    buffer.remove(buffer.peek(1)[0]?.id ?? -1);
    expect(buffer.peek(10).map((m) => m.seq)).toEqual([1]);
    expect(buffer.stats().queued).toBe(1);
    // A restart after a crash at this point still finds it in the file...
    expect(
      openCrashCopy()
        .peek(10)
        .map((m) => m.seq),
    ).toEqual([0, 1]);
    // ...and no longer once the next message is appended.
    appendN(buffer, 1);
    expect(
      openCrashCopy()
        .peek(10)
        .map((m) => m.seq),
    ).toEqual([1, 2]);
  });

  it("refuses a second client on the same state directory, naming the file", () => {
    const first = openBuffer();
    appendN(first, 1);
    expect(() => openBuffer()).toThrow(
      expect.objectContaining({
        name: OfflineBufferError.name,
        message: expect.stringMatching(/telemetry\.db: database is locked/),
      }),
    );
    expect(first.append((seq) => String(seq)).seq).toBe(1);
  });

  it("hands out messages oldest first through a long offline spell and after it drains", () => {
    const buffer = openBuffer(1_000);
    appendN(buffer, 150);
    expect(buffer.peek(3).map((m) => m.seq)).toEqual([0, 1, 2]);
    for (let batch = buffer.peek(10); batch.length > 0; batch = buffer.peek(10)) {
      for (const message of batch) buffer.remove(message.id);
      appendN(buffer, batch[0]?.seq === 0 ? 1 : 0);
    }
    expect(buffer.stats().queued).toBe(0);
    appendN(buffer, 3);
    expect(buffer.peek(10).map((m) => [m.seq, m.payload])).toEqual([
      [151, '{"seq":151}'],
      [152, '{"seq":152}'],
      [153, '{"seq":153}'],
    ]);
    buffer.remove(buffer.peek(1)[0]?.id ?? -1);
    appendN(buffer, 1);
    buffer.close();
    expect(
      openBuffer()
        .peek(10)
        .map((m) => m.seq),
    ).toEqual([152, 153, 154]);
  });

  it("never reuses a seq, even after every message was sent", () => {
    const first = openBuffer();
    appendN(first, 2);
    for (const message of first.peek(10)) first.remove(message.id);
    first.close();
    expect(openBuffer().append((seq) => String(seq)).seq).toBe(2);
  });

  it("drops the oldest past its capacity and counts them across restarts", () => {
    const first = openBuffer(3);
    appendN(first, 4);
    expect(first.append((seq) => String(seq))).toEqual({ seq: 4, dropped: 1 });
    expect(first.peek(10).map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(first.stats()).toEqual({ queued: 3, droppedMessages: 2 });
    first.close();
    expect(openBuffer(3).stats()).toEqual({ queued: 3, droppedMessages: 2 });
  });

  it("hands the status before the append to the message it composes", () => {
    const buffer = openBuffer(2);
    const statuses: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      buffer.append((seq, status) => {
        statuses.push(status);
        return String(seq);
      });
    }
    expect(statuses).toEqual([
      { queued: 0, droppedMessages: 0 },
      { queued: 1, droppedMessages: 0 },
      { queued: 2, droppedMessages: 0 },
      { queued: 2, droppedMessages: 1 },
    ]);
  });

  it("changes nothing when the message cannot be composed", () => {
    const buffer = openBuffer();
    expect(() =>
      buffer.append(() => {
        throw new Error("invalid section");
      }),
    ).toThrow("invalid section");
    expect(buffer.stats()).toEqual({ queued: 0, droppedMessages: 0 });
    expect(buffer.append((seq) => String(seq)).seq).toBe(0);
  });

  it("ignores the acknowledgement of a message already dropped", () => {
    const buffer = openBuffer(1);
    appendN(buffer, 1);
    const [oldest] = buffer.peek(1);
    appendN(buffer, 1);
    buffer.remove(oldest?.id ?? -1);
    expect(buffer.peek(10).map((m) => m.seq)).toEqual([1]);
  });

  it("keeps its file private: 0600 in a 0700 directory", async () => {
    openBuffer();
    expect((await stat(stateDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(stateDir, OFFLINE_BUFFER_FILE))).mode & 0o777).toBe(0o600);
  });

  it("names the file when it cannot be opened", async () => {
    await writeFile(join(dir, "not-a-dir"), "");
    stateDir = join(dir, "not-a-dir", "state");
    expect(() => openBuffer()).toThrow(OfflineBufferError);
    expect(() => openBuffer()).toThrow(
      `cannot open the offline buffer ${join(stateDir, OFFLINE_BUFFER_FILE)}: ENOTDIR`,
    );
  });
});
