import type { EventEmitter } from "node:events";

/** The next emission of `event` whose first argument matches. */
export function nextEvent<T extends Record<keyof T, unknown[]>, K extends keyof T & string>(
  emitter: EventEmitter<T>,
  event: K,
  match: (value: T[K][0]) => boolean = () => true,
): Promise<T[K][0]> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]) => {
      const value = args[0] as T[K][0];
      if (!match(value)) return;
      (emitter as EventEmitter).off(event, listener);
      resolve(value);
    };
    (emitter as EventEmitter).on(event, listener);
  });
}
