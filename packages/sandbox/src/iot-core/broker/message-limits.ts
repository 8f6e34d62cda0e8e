/**
 * AWS IoT Core's message broker size limits (AWS General Reference, "AWS IoT Core endpoints and
 * quotas", message broker limits: https://docs.aws.amazon.com/general/latest/gr/iot-core.html)
 * and MQTT 3.1.1's rules for UTF-8 strings (section 1.5.3) and topic names (4.7). None of the
 * AWS limits is adjustable. The broker checks them before any policy or service sees a packet.
 */
export const AWS_MESSAGE_LIMITS = {
  /**
   * "Message size: The payload for every publish request can be no larger than 128 KB";
   * a larger one ends the connection: "CLIENT_ERROR with reason PAYLOAD_LIMIT_EXCEEDED"
   * (developer guide, "MQTT message payload"; "Lifecycle events": CLIENT_ERROR when "the client
   * attempts to publish with a payload that exceeds the payload limit").
   */
  payloadBytes: 128 * 1024,
  /** "Topic size": a topic or topic filter "can be no larger than 256 bytes" of UTF-8. */
  topicBytes: 256,
  /**
   * "Maximum number of slashes in topic and topic filter": 7, not counting the three of a
   * Basic Ingest topic's `$aws/rules/<rule>/` prefix.
   */
  topicSlashes: 7,
  /** "Client ID size": 128 bytes of UTF-8. */
  clientIdBytes: 128,
} as const;

/**
 * The largest MQTT packet (its remaining length) the broker reads at all: a PUBLISH with the
 * largest topic (2 length bytes), a packet id and the largest payload. Anything longer is
 * refused from its fixed header, before its body is buffered.
 */
export const MAX_PACKET_BYTES =
  AWS_MESSAGE_LIMITS.payloadBytes + 2 + AWS_MESSAGE_LIMITS.topicBytes + 2;

const BASIC_INGEST_PREFIX = /^\$aws\/rules\/[^/]+\//;

/** Why `payload` breaks the message size limit, or undefined. */
export function payloadProblem(payload: Buffer | string): string | undefined {
  const bytes = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
  if (bytes <= AWS_MESSAGE_LIMITS.payloadBytes) return undefined;
  return `PAYLOAD_LIMIT_EXCEEDED: payload of ${bytes} bytes exceeds ${AWS_MESSAGE_LIMITS.payloadBytes} (AWS IoT Core quota "Message size")`;
}

/**
 * Why a PUBLISH topic name is refused, or undefined: MQTT 3.1.1 forbids wildcards in topic
 * names (4.7.1), and in every string U+0000 and ill-formed UTF-8 (1.5.3, the receiver "MUST
 * close the Network Connection"); then AWS's size and slash limits.
 */
export function topicNameProblem(topic: string): string | undefined {
  return topicProblem(topic, true);
}

/** Why a topic filter (SUBSCRIBE) breaks MQTT 3.1.1's string rules or AWS's limits, or undefined. */
export function topicFilterProblem(topicFilter: string): string | undefined {
  return topicProblem(topicFilter, false);
}

/** One pass over the characters: the broker runs this on every PUBLISH. */
function topicProblem(topic: string, isName: boolean): string | undefined {
  let slashes = 0;
  for (let index = 0; index < topic.length; index++) {
    const code = topic.charCodeAt(index);
    if (code === 47) slashes++;
    else if (code === 0 || code === 0xfffd) {
      return `topic ${JSON.stringify(topic)} ${stringProblem(topic)}`;
    } else if (isName && (code === 43 || code === 35)) {
      return `topic ${JSON.stringify(topic)} contains a wildcard (MQTT 3.1.1 4.7.1: not allowed in a PUBLISH)`;
    }
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes: short topics need no byte count.
  const bytes =
    topic.length * 3 <= AWS_MESSAGE_LIMITS.topicBytes ? topic.length : Buffer.byteLength(topic);
  if (bytes > AWS_MESSAGE_LIMITS.topicBytes) {
    return `topic of ${bytes} bytes exceeds ${AWS_MESSAGE_LIMITS.topicBytes} (AWS IoT Core quota "Topic size")`;
  }
  if (slashes > AWS_MESSAGE_LIMITS.topicSlashes && BASIC_INGEST_PREFIX.test(topic)) slashes -= 3;
  if (slashes > AWS_MESSAGE_LIMITS.topicSlashes) {
    return `topic ${JSON.stringify(topic)} has ${slashes} slashes, over ${AWS_MESSAGE_LIMITS.topicSlashes} (AWS IoT Core quota "Maximum number of slashes in topic and topic filter")`;
  }
  return undefined;
}

/** Why a CONNECT's client id is refused, or undefined. */
export function clientIdProblem(clientId: string): string | undefined {
  const text = stringProblem(clientId);
  if (text !== undefined) return `client id ${JSON.stringify(clientId)} ${text}`;
  const bytes = Buffer.byteLength(clientId);
  if (bytes > AWS_MESSAGE_LIMITS.clientIdBytes) {
    return `client id of ${bytes} bytes exceeds ${AWS_MESSAGE_LIMITS.clientIdBytes} (AWS IoT Core quota "Client ID size")`;
  }
  return undefined;
}

/**
 * MQTT 3.1.1 1.5.3 for a string the parser already decoded: U+0000 is forbidden, and the
 * decoder turned every ill-formed sequence (surrogates included) into U+FFFD, so a U+FFFD is
 * taken as ill-formed input (a client has no reason to send the replacement character itself).
 */
function stringProblem(text: string): string | undefined {
  if (text.includes("\u0000")) return "contains U+0000 (MQTT 3.1.1 1.5.3)";
  if (text.includes("\uFFFD")) return "is not well-formed UTF-8 (MQTT 3.1.1 1.5.3)";
  return undefined;
}
