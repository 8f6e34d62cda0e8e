import { EventEmitter } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DeviceReportedState } from "@fleet/core/contracts";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { reportedAppsFile } from "../../src/shadow/reported-apps.ts";
import { createShadowReporter } from "../../src/shadow/shadow-reporter.ts";
import { createCaptureLogger } from "../support/capture-logger.ts";

describe("shadow reporter", () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "fleet-shadow-"));
  });
  afterEach(() => rm(stateDir, { recursive: true, force: true }));

  /** One run of the reporter over a connected fake connection; returns each update's apps. */
  function boot(state: { current: DeviceReportedState }) {
    const updates: unknown[] = [];
    const connection = {
      state: "connected" as const,
      events: new EventEmitter(),
      publish: async (_topic: string, payload: string) => {
        updates.push((JSON.parse(payload) as { state: { reported: { apps: unknown } } }).state);
      },
    };
    const reporter = createShadowReporter({
      thingName: "sim-0001",
      // The reporter only reads the state and listens for `connected`.
      connection: connection as never,
      state: async () => state.current,
      reportedAppsFile: reportedAppsFile(stateDir),
      logger: createCaptureLogger().logger,
    });
    return { reporter, updates };
  }

  it("sets a removed app to null so the shadow drops it, also after a restart", async () => {
    const state: { current: DeviceReportedState } = {
      current: { apps: { led: "1.0.0", fan: "2.0.0" }, osVersion: null },
    };
    const first = boot(state);
    first.reporter.report();
    await vi.waitFor(() => expect(first.updates).toHaveLength(1));

    state.current = { apps: { led: "1.1.0" }, osVersion: null };
    first.reporter.report();
    await vi.waitFor(() => expect(first.updates).toHaveLength(2));
    expect(first.updates[1]).toEqual({
      reported: { apps: { led: "1.1.0", fan: null }, osVersion: null },
    });
    first.reporter.stop();

    // Restarted without apps: the one reported last is nulled; after that, nothing is.
    state.current = { apps: {}, osVersion: null };
    const second = boot(state);
    second.reporter.report();
    await vi.waitFor(() => expect(second.updates).toHaveLength(1));
    expect(second.updates[0]).toEqual({ reported: { apps: { led: null }, osVersion: null } });
    second.reporter.report();
    await vi.waitFor(() => expect(second.updates).toHaveLength(2));
    expect(second.updates[1]).toEqual({ reported: { apps: {}, osVersion: null } });
  });
});
