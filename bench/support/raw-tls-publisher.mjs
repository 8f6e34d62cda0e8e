// The least any telemetry client can cost on the device's runtime, for
// bench/device-footprint.bench.ts: one mutual TLS connection, an MQTT 3.1.1 CONNECT, and a QoS 1
// PUBLISH of the minimal client's message every second, encoded here in a few lines instead of
// by a library, so that no client code but this is loaded. Started with the device's flags.
// Usage: node raw-tls-publisher.mjs <credentials.json>  ({ host, port, ca, key, cert, clientId })
import { readFileSync } from "node:fs";
import { connect } from "node:tls";

const credentials = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8"));
const KEEP_ALIVE_SECONDS = 60;

/** A string or byte field: 2-byte big-endian length, then the bytes. */
const field = (value) => {
  const bytes = Buffer.from(value);
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};
/** Fixed header (type and flags, variable-length remaining length), then the body. */
const packet = (typeAndFlags, body) => {
  const length = [];
  let rest = body.length;
  do {
    length.push((rest % 128) | (rest >= 128 ? 128 : 0));
    rest = Math.floor(rest / 128);
  } while (rest > 0);
  return Buffer.concat([Buffer.from([typeAndFlags, ...length]), body]);
};

const socket = connect({
  host: credentials.host,
  port: credentials.port,
  ca: credentials.ca,
  key: credentials.key,
  cert: credentials.cert,
});
socket.once("secureConnect", () => {
  // CONNECT: protocol "MQTT" level 4, clean session, keep-alive, client id.
  socket.write(
    packet(
      0x10,
      Buffer.concat([
        field("MQTT"),
        Buffer.from([4, 0x02, 0, KEEP_ALIVE_SECONDS]),
        field(credentials.clientId),
      ]),
    ),
  );
});
let connected = false;
socket.on("data", (data) => {
  // The first bytes back are CONNACK (0x20); return code 0 accepts.
  if (!connected && data[0] === 0x20 && data[3] === 0) {
    connected = true;
    process.send?.("connected");
  }
});
socket.on("error", (error) => {
  console.error(`raw TLS publisher: ${error.message}`);
  process.exit(1);
});
let seq = 0;
setInterval(() => {
  if (!connected) return;
  seq += 1;
  const packetId = (seq % 0xffff) + 1;
  const message = JSON.stringify({
    seq,
    ts: new Date().toISOString(),
    heartbeat: { uptimeSeconds: seq },
  });
  socket.write(
    packet(
      0x32,
      Buffer.concat([
        field(`dt/${credentials.clientId}/telemetry`),
        Buffer.from([packetId >> 8, packetId & 0xff]),
        Buffer.from(message),
      ]),
    ),
  );
}, 1000);
// PINGREQ within the keep-alive.
setInterval(() => socket.write(Buffer.from([0xc0, 0])), (KEEP_ALIVE_SECONDS * 1000) / 2);
process.on("SIGTERM", () => socket.end(Buffer.from([0xe0, 0]), () => process.exit(0)));
