import { defineConfig } from "vitest/config";

// `npm run test:board` only: the root config's include (`tests/**/*.test.ts`) never matches
// `*.board.ts`, so `npm test` does not boot the board.
export default defineConfig({
  test: {
    include: ["tests/board/**/*.board.ts"],
    // One board, one sandbox: the steps run in order in one file.
    fileParallelism: false,
    testTimeout: 10 * 60_000,
    // The first run builds the arm64 root filesystem under emulation (cached afterwards).
    hookTimeout: 60 * 60_000,
  },
});
