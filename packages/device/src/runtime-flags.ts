/**
 * Node flags the device service starts with (the systemd unit, the sandbox's simulated devices,
 * `npm run bench`): a small V8 heap suits a client that holds a few KiB of state, and keeps its
 * resident memory well under what Node's defaults take on a board with 1 GiB or more.
 * bench/device-footprint.bench.ts measures the effect against a plain mqtt.js client.
 */
export const DEVICE_NODE_FLAGS: readonly string[] = [
  // New-space pages: 1 MiB instead of up to 16 MiB per semi-space.
  "--max-semi-space-size=1",
  // Old space: a ceiling far above the client's live data, so a leak fails fast and visibly.
  "--max-old-space-size=48",
  // Fewer V8 worker threads (each reserves a stack and arenas).
  "--v8-pool-size=1",
];
