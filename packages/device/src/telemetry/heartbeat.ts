import type { BufferStatus, HeartbeatSection } from "@fleet/core/contracts";

export interface HeartbeatReading {
  /** Epoch milliseconds of the reading. */
  now: number;
  /** Epoch milliseconds when the client process started. */
  startedAt: number;
  clientVersion: string;
  reconnects: number;
  /** The offline buffer as the message is added to it. */
  buffer?: BufferStatus;
  /** Expiry (epoch seconds) of the device's own certificate, once it has one. */
  certificateNotAfter?: number;
}

/** The device client's own section, sent in every message. */
export function heartbeatSection(reading: HeartbeatReading): HeartbeatSection {
  return {
    uptimeSeconds: Math.floor((reading.now - reading.startedAt) / 1000),
    clientVersion: reading.clientVersion,
    reconnects: reading.reconnects,
    ...(reading.buffer && { buffer: reading.buffer }),
    ...(reading.certificateNotAfter !== undefined && {
      certificateNotAfter: reading.certificateNotAfter,
    }),
  };
}
