import type { PublishPacket } from "aedes";

/** A PUBLISH the broker itself sends (lifecycle events, service replies): JSON, not retained. */
export function jsonPublishPacket(topic: string, payload: unknown, qos: 0 | 1): PublishPacket {
  return {
    cmd: "publish",
    topic,
    payload: Buffer.from(JSON.stringify(payload)),
    qos,
    retain: false,
    dup: false,
  };
}
