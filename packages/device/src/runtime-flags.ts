/**
 * How the device service starts Node on a board (the systemd unit; bench/device-footprint.bench.ts
 * measures the effect against a plain mqtt.js client).
 * A device client holds a few hundred KiB of live state and handles a message a second: these
 * trade the throughput Node's defaults are tuned for for resident memory on a small board.
 */
export const DEVICE_NODE_FLAGS: readonly string[] = [
  // New-space pages: 1 MiB instead of up to 16 MiB per semi-space.
  "--max-semi-space-size=1",
  // Old space: twice the client's live heap; a leak fails fast and visibly instead of growing.
  "--max-old-space-size=24",
  // One V8 worker thread instead of one per core, and garbage collection on the main thread:
  // a heap of a few MiB collects in well under a millisecond without helpers.
  "--v8-pool-size=1",
  "--single-threaded-gc",
  // V8's own memory-over-speed heuristics (smaller heap growth steps, earlier GC).
  "--optimize-for-size",
  // Interpreter only: at a message a second nothing is hot enough to repay compiling it, and
  // the optimizing compilers' code and zone memory stay out of memory. (Not --jitless: that
  // also turns WebAssembly off, which fetch needs for artifact downloads; with these flags
  // neither --jitless nor --lite-mode changed the client's RSS, measured.)
  "--no-opt",
  "--no-maglev",
  "--no-sparkplug",
  // Drops the bytecode of functions that did not run since the last GC (start-up code runs
  // once); a function needed again is recompiled from source on its next call.
  "--bytecode-old-age=1",
];

/**
 * Environment the device service starts Node with: glibc's allocator gives freed memory back
 * at once and keeps a single arena, instead of holding on to the start-up peak (compiling the
 * client) for the life of the process; and a smaller thread pool.
 */
export const DEVICE_ENVIRONMENT: Readonly<Record<string, string>> = {
  GLIBC_TUNABLES:
    "glibc.malloc.trim_threshold=0:glibc.malloc.mmap_threshold=32768:glibc.malloc.arena_max=1",
  // libuv's pool serves the client's few file and DNS operations: two threads instead of four.
  UV_THREADPOOL_SIZE: "2",
};
