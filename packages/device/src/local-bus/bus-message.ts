import { parseJsonWithinDepth } from "@fleet/core/contracts";
import * as z from "zod";

/**
 * One message on the local bus: a JSON object on its own line. Apps and the device client
 * speak only this; the topic names the conversation (`led/set`, `led/state`, `button/pressed`).
 */
export const BusMessageSchema = z.object({
  topic: z.string().min(1).max(256),
  payload: z.unknown(),
});
export interface BusMessage {
  topic: string;
  payload: unknown;
}

/** The longest line a party may send; a longer one is dropped up to its newline. */
export const MAX_BUS_LINE_BYTES = 64 * 1024;

export const BUS_TOPICS = {
  /** Device → LED app: `LedCommandParams` plus the `requestId` the answer carries back. */
  ledSet: "led/set",
  /** LED app → everyone: the `LedSection` now applied, with the `requestId` it answers if any. */
  ledState: "led/state",
  /** Button app → everyone: a local press (the LED app toggles blinking). */
  buttonPressed: "button/pressed",
} as const;

/** Parses one line, or says why it is not a bus message. */
export function parseBusLine(
  line: string,
): { ok: true; message: BusMessage } | { ok: false; reason: string } {
  const bytes = Buffer.byteLength(line);
  if (bytes > MAX_BUS_LINE_BYTES) {
    return { ok: false, reason: `line of ${bytes} bytes, more than ${MAX_BUS_LINE_BYTES}` };
  }
  let json: unknown;
  try {
    // Depth-checked: the payload is re-encoded for every app, and JSON.stringify recurses.
    json = parseJsonWithinDepth(line);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const parsed = BusMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `expected {topic, payload}: ${issue?.path.join(".") || "message"}: ${issue?.message}`,
    };
  }
  return { ok: true, message: { topic: parsed.data.topic, payload: parsed.data.payload } };
}

/** Encodes one message as a newline-terminated JSON line. */
export function encodeBusMessage(message: BusMessage): string {
  return `${JSON.stringify({ topic: message.topic, payload: message.payload })}\n`;
}
