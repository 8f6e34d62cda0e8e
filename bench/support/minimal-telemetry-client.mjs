// The baseline of bench/device-footprint.bench.ts: the least a device can do, one mqtt.js
// connection publishing a telemetry message every second, started with Node's default flags.
// Plain JavaScript, so that no type stripping adds to its footprint.
// Usage: node minimal-telemetry-client.mjs <credentials.json>  ({ host, port, ca, key, cert, clientId })
import { readFileSync } from "node:fs";
import mqtt from "mqtt";

const credentials = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8"));
const client = mqtt.connect({
  protocol: "mqtts",
  host: credentials.host,
  port: credentials.port,
  clientId: credentials.clientId,
  key: credentials.key,
  cert: credentials.cert,
  ca: credentials.ca,
  protocolVersion: 4,
});
let seq = 0;
client.on("connect", () => process.send?.("connected"));
setInterval(() => {
  seq += 1;
  client.publish(
    `dt/${credentials.clientId}/telemetry`,
    JSON.stringify({ seq, ts: new Date().toISOString(), heartbeat: { uptimeSeconds: seq } }),
    { qos: 1 },
  );
}, 1000);
process.on("SIGTERM", () => client.end(false, () => process.exit(0)));
