import { type TelemetryRecord, TelemetrySchema } from "@fleet/core/contracts";

/**
 * Telemetry of a small fleet for running dashboard queries: every section of the contract,
 * one message a minute per thing over `from`..`to`, checked by the contract's own schema.
 */
export function sampleTelemetry(options: {
  things: readonly { name: string; certificateNotAfter: Date }[];
  from: Date;
  to: Date;
}): TelemetryRecord[] {
  const records: TelemetryRecord[] = [];
  for (const [index, thing] of options.things.entries()) {
    let seq = 0;
    for (let t = options.from.getTime(); t < options.to.getTime(); t += 60_000) {
      seq += 1;
      const message = TelemetrySchema.parse(sampleMessage(seq, new Date(t), index, thing));
      records.push({ thing: thing.name, receivedAt: t + 150, message });
    }
  }
  return records;
}

function sampleMessage(
  seq: number,
  time: Date,
  index: number,
  thing: { certificateNotAfter: Date },
): unknown {
  const wave = Math.sin(seq / 5);
  return {
    schemaVersion: 1,
    seq,
    deviceTime: time.toISOString(),
    heartbeat: {
      uptimeSeconds: 3600 + seq * 60,
      clientVersion: "0.1.0",
      reconnects: index,
      buffer: { queued: seq % 7, droppedMessages: 0 },
      certificateNotAfter: Math.floor(thing.certificateNotAfter.getTime() / 1000),
    },
    system: {
      cpuTemperatureC: 48 + wave,
      load1: 0.4 + wave / 10,
      load5: 0.3,
      load15: 0.25,
      memory: { totalBytes: 3981893632, availableBytes: 3120001024 - seq * 4096 },
      disk: { totalBytes: 31268536320, freeBytes: 24911142912 },
      uptimeSeconds: 86400 + seq * 60,
      network: {
        eth0: { rxBytes: 1_000_000 + seq * 2048, txBytes: 700_000 + seq * 1024 },
        wlan0: { rxBytes: 0, txBytes: 0 },
      },
    },
    led: { on: seq % 2 === 0, blinking: seq % 3 === 0, blinkHz: 2 },
    vehicle: {
      speedKph: 50 + 10 * wave,
      accelerationMps2: wave,
      battery: { soc: 80 - seq / 10, temperatureC: 27.4, energyAddedKwh: 0.42 },
      abs: {
        brakePressureBar: { fl: 12.1, fr: 12.1, rl: 8.1, rr: 8.1 },
        wheelSpeedKph: { fl: 52.3, fr: 52.5, rl: 52.2, rr: 52.4 },
      },
      hvac: {
        zones: {
          driver: { setpointC: 21, temperatureC: 22.6, fan: 2 },
          passenger: { setpointC: 22, temperatureC: 23.1, fan: 1 },
          rear: { setpointC: 20, temperatureC: 24.8, fan: 4 },
        },
      },
      airbags: { driver: "ready", passenger: "ready", side: "ready" },
      seatBelts: { driver: true, passenger: seq % 4 === 0, rearLeft: false, rearRight: false },
    },
  };
}
