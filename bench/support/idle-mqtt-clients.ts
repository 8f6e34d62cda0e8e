// Many idle MQTT 3.1.1 clients over mutual TLS, as cheap as a client can be (a TLS socket and
// two hand-built packets each), so one process can hold tens of thousands: each connects,
// subscribes to one filter of its own and then stays silent.
import { connect, type TLSSocket } from "node:tls";

export interface IdleClientsOptions {
  host: string;
  port: number;
  ca: string;
  key: string;
  cert: string;
  count: number;
  /** Client id of client `index`. */
  clientId(index: number): string;
  /** The one topic filter client `index` subscribes to. */
  topicFilter(index: number): string;
  /** Handshakes under way at once. Default 64. */
  concurrency?: number;
  /** CONNECT keep-alive in seconds. Default 1200, AWS IoT's largest: idle clients never ping. */
  keepAliveSeconds?: number;
}

/**
 * Opens `count` clients; resolves with their sockets once each has its CONNACK and SUBACK.
 * Each waits for its CONNACK before it subscribes, as MQTT.js does (MQTT 3.1.1, 3.1.4, would let
 * it subscribe at once; the broker then holds the SUBSCRIBE until the CONNECT is decided).
 */
export async function openIdleClients(options: IdleClientsOptions): Promise<TLSSocket[]> {
  const sockets: TLSSocket[] = [];
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const index = next++;
      sockets.push(await openIdleClient(options, index));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 64 }, worker));
  return sockets;
}

const REPLY_TIMEOUT_MS = 30_000;

/** CONNACK (4 bytes, return code 0) then SUBACK (5 bytes, granted QoS 0 or 1). */
const CONNACK_BYTES = 4;
const REPLY_BYTES = 9;

function openIdleClient(options: IdleClientsOptions, index: number): Promise<TLSSocket> {
  const clientId = options.clientId(index);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: options.host,
      port: options.port,
      ca: options.ca,
      key: options.key,
      cert: options.cert,
    });
    let replies = Buffer.alloc(0);
    let subscribed = false;
    const onData = (chunk: Buffer) => {
      replies = Buffer.concat([replies, chunk]);
      // SUBSCRIBE only once CONNACK came, as MQTT.js does (see `openIdleClients`).
      if (!subscribed && replies.length >= CONNACK_BYTES) {
        subscribed = true;
        socket.write(subscribePacket(options.topicFilter(index)));
      }
      if (replies.length < REPLY_BYTES) return;
      socket.off("data", onData);
      socket.setTimeout(0);
      if (replies[0] !== 0x20 || replies[3] !== 0 || replies[4] !== 0x90 || replies[8] === 0x80) {
        socket.destroy();
        reject(
          new Error(`${clientId} refused: ${replies.subarray(0, REPLY_BYTES).toString("hex")}`),
        );
        return;
      }
      resolve(socket);
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.setTimeout(REPLY_TIMEOUT_MS, () => {
      socket.destroy();
      reject(
        new Error(
          `${clientId}: no CONNACK and SUBACK within ${REPLY_TIMEOUT_MS} ms (got ${replies.length} bytes)`,
        ),
      );
    });
    socket.once("secureConnect", () => {
      socket.write(connectPacket(clientId, options.keepAliveSeconds ?? 1200));
    });
  });
}

/** MQTT 3.1.1 CONNECT with a clean session (section 3.1). */
function connectPacket(clientId: string, keepAliveSeconds: number): Buffer {
  const id = utf8String(clientId);
  const variableHeader = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 0]);
  variableHeader.writeUInt16BE(keepAliveSeconds, 8);
  return packet(0x10, Buffer.concat([variableHeader, id]));
}

/** MQTT 3.1.1 SUBSCRIBE of one filter at QoS 1, packet id 1 (section 3.8). */
function subscribePacket(topicFilter: string): Buffer {
  return packet(
    0x82,
    Buffer.concat([Buffer.from([0, 1]), utf8String(topicFilter), Buffer.from([1])]),
  );
}

function utf8String(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * Fixed header and body. These packets stay under 128 bytes, so their remaining length is the
 * one byte of MQTT's variable-length integer.
 */
function packet(typeAndFlags: number, body: Buffer): Buffer {
  if (body.length >= 128) throw new RangeError(`packet body of ${body.length} bytes: 127 at most`);
  return Buffer.concat([Buffer.from([typeAndFlags, body.length]), body]);
}
