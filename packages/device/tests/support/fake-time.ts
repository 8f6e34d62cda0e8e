import type { Clock, TimerHandle, Timers } from "../../src/clock.ts";

interface Scheduled {
  id: number;
  at: number;
  callback: () => void;
}

/** A manual clock and timer queue: time moves only when a test calls `advance`. */
export function createFakeTime(start = Date.parse("2026-11-21T12:00:00.000Z")) {
  let now = start;
  let nextId = 1;
  const queue: Scheduled[] = [];

  const clock: Clock = { now: () => now };
  const timers: Timers = {
    setTimeout(callback, delayMs) {
      const entry = { id: nextId++, at: now + delayMs, callback };
      queue.push(entry);
      return entry.id;
    },
    clearTimeout(handle: TimerHandle) {
      const index = queue.findIndex((entry) => entry.id === handle);
      if (index >= 0) queue.splice(index, 1);
    },
  };

  /** Runs every timer due within `ms`, in time order, then settles pending promises. */
  async function advance(ms: number): Promise<void> {
    const until = now + ms;
    for (;;) {
      queue.sort((a, b) => a.at - b.at || a.id - b.id);
      const due = queue[0];
      if (due === undefined || due.at > until) break;
      queue.shift();
      now = due.at;
      due.callback();
      await flushPromises();
    }
    now = until;
    await flushPromises();
  }

  return {
    clock,
    timers,
    advance,
    /** Delays of the timers still pending, soonest first. */
    pendingDelays: () => queue.map((entry) => entry.at - now).sort((a, b) => a - b),
  };
}

export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
