import { randomUUID } from "node:crypto";
import { type LedCommandParams, type LedSection, LedSectionSchema } from "@fleet/core/contracts";
import type { Logger } from "pino";
import { LedAppUnavailableError } from "../errors.ts";
import type { LedSource } from "../telemetry/sources/led.ts";
import { BUS_TOPICS } from "./bus-message.ts";
import type { BusClient, LocalBus } from "./local-bus.ts";

/** How long `set` waits for the LED app's answer by default. */
export const DEFAULT_LED_SET_TIMEOUT_MS = 3_000;

export interface LedBridge {
  /**
   * Asks the LED app to apply `params`; resolves with the state it answers, or rejects with
   * `LedAppUnavailableError` when no answer arrives within `timeoutMs` (default 3 s).
   */
  set(params: LedCommandParams, timeoutMs?: number): Promise<LedSection>;
  /** Stops listening; pending `set` calls reject. */
  stop(): void;
}

export interface LedBridgeOptions {
  bus: LocalBus & BusClient;
  /** Updated on every `led/state` (answers and local changes such as a button press). */
  led: LedSource;
  logger: Logger;
}

interface Pending {
  resolve(state: LedSection): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Connects the device client to the LED app over the local bus. */
export function createLedBridge(options: LedBridgeOptions): LedBridge {
  const { bus, led, logger } = options;
  const pending = new Map<string, Pending>();

  const unsubscribe = bus.on(BUS_TOPICS.ledState, (payload) => {
    const { requestId, ...section } = (payload ?? {}) as { requestId?: unknown };
    const parsed = LedSectionSchema.safeParse(section);
    if (!parsed.success) {
      logger.warn({ issues: parsed.error.issues.length }, "led.invalid-state-dropped");
      return;
    }
    led.update(parsed.data);
    if (typeof requestId !== "string") return;
    const waiting = pending.get(requestId);
    if (waiting === undefined) return;
    pending.delete(requestId);
    clearTimeout(waiting.timer);
    waiting.resolve(parsed.data);
  });

  return {
    set(params, timeoutMs = DEFAULT_LED_SET_TIMEOUT_MS) {
      const requestId = randomUUID();
      return new Promise<LedSection>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(requestId);
          logger.warn({ requestId, timeoutMs }, "led.set-timeout");
          reject(new LedAppUnavailableError({ timeoutMs }));
        }, timeoutMs);
        pending.set(requestId, { resolve, reject, timer });
        bus.publish(BUS_TOPICS.ledSet, { ...params, requestId });
      });
    },
    stop() {
      unsubscribe();
      for (const [requestId, waiting] of pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new LedAppUnavailableError({ timeoutMs: 0, stopped: true }));
        pending.delete(requestId);
      }
    },
  };
}
