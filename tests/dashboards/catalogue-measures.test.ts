import { fileURLToPath } from "node:url";
import { telemetryPoints } from "@fleet/core";
import { measureName } from "@fleet/core/contracts";
import { PANELS } from "@fleet/core/panel-catalogue";
import { createLedSource, createSystemSource, createVehicleSource } from "@fleet/device";
import { describe, expect, it } from "vitest";
import { heartbeatSection } from "../../packages/device/src/telemetry/heartbeat.ts";
import { buildTelemetryMessage } from "../../packages/device/src/telemetry/telemetry-message.ts";

/** The board a simulated device reads /proc and /sys of: a Raspberry Pi's, as fixtures. */
const BOARD = fileURLToPath(
  new URL("../../packages/device/tests/fixtures/system/raspberry-pi/", import.meta.url),
);

/**
 * The columns the ingest writes for one message of a simulated device: the sections `npm start`
 * configures (`system`, `led`, `vehicle`, see run-sandbox.ts) beside the client's heartbeat with
 * its offline buffer and certificate, flattened by the ingest's own `telemetryPoints`.
 */
async function simulatedDeviceColumns(): Promise<Set<string>> {
  const now = Date.parse("2026-12-06T05:00:00Z");
  const sources = [
    createSystemSource({ root: BOARD }),
    createLedSource({ on: true, blinking: false, blinkHz: 1 }),
    createVehicleSource({ seed: 7, startedAt: now - 60_000 }),
  ];
  const sections = Object.fromEntries(
    await Promise.all(sources.map(async (source) => [source.section, await source.read(now)])),
  );
  const heartbeat = heartbeatSection({
    now,
    startedAt: now - 3_600_000,
    clientVersion: "0.1.0",
    reconnects: 0,
    buffer: { queued: 0, droppedMessages: 0 },
    certificateNotAfter: Math.floor(now / 1000) + 86_400,
  });
  const { message, invalid } = buildTelemetryMessage({
    seq: 1,
    now,
    sections: { heartbeat, ...sections },
  });
  expect(invalid).toEqual([]);
  const points = telemetryPoints({ thing: "thing-1", receivedAt: now, message });
  return new Set(
    points.flatMap((point) =>
      Object.keys(point.measures).map((path) => measureName(point.section, path)),
    ),
  );
}

describe("the panel catalogue's measures", () => {
  it("are columns the ingest writes for the simulated devices", async () => {
    const columns = await simulatedDeviceColumns();
    const missing = PANELS.flatMap((panel) =>
      panel.measures
        .filter(({ measure }) => !columns.has(measure))
        .map(({ measure }) => `${panel.id}: ${measure}`),
    );
    expect(missing).toEqual([]);
  });
});
