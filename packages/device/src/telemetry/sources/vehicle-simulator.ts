import type { VehicleSection } from "@fleet/core/contracts";

/**
 * A deterministic electric-vehicle drive cycle: stop, accelerate, cruise, brake, repeat, with
 * targets drawn from a seeded generator, so the same seed and the same time steps give the
 * same readings on every run. The physics is coarse but consistent: traction power drains the
 * battery, regenerative braking puts energy back (the state of charge rises while braking),
 * what regeneration cannot absorb goes to the friction brakes (ABS pressures), the wheels turn
 * at the vehicle's speed, and the cabin zones settle towards their setpoints.
 */
export interface VehicleSimulator {
  /** Moves the simulation on by `seconds` (in steps of at most one second). */
  advance(seconds: number): void;
  reading(): VehicleSection;
}

const MASS_KG = 1_900;
const GRAVITY = 9.81;
const ROLLING_RESISTANCE = 0.012;
/** ½·ρ·Cd·A of air drag, kg/m. */
const DRAG = 0.5 * 1.2 * 0.28 * 2.3;
const CAPACITY_KWH = 75;
const MOTOR_EFFICIENCY = 0.9;
const REGEN_EFFICIENCY = 0.7;
const REGEN_LIMIT_W = 60_000;
/** Lights, electronics and HVAC, always drawn. */
const AUXILIARY_W = 500;
const AMBIENT_C = 25;
const FRONT_BRAKE_BIAS = 0.6;
/** Caliper force per bar of line pressure, N. */
const NEWTONS_PER_BAR = 40;
const HOLD_PRESSURE_BAR = 5;
const CABIN_TIME_CONSTANT_S = 300;

type Phase =
  | { kind: "stop"; until: number }
  | { kind: "accelerate"; targetMps: number; rateMps2: number }
  | { kind: "cruise"; targetMps: number; until: number }
  | { kind: "brake"; targetMps: number; rateMps2: number };

const WHEELS = ["fl", "fr", "rl", "rr"] as const;
const ZONES = ["driver", "passenger", "rear"] as const;

export function createVehicleSimulator(seed: number): VehicleSimulator {
  const random = mulberry32(seed);
  const between = (low: number, high: number) => low + (high - low) * random();

  let time = 0;
  let speed = 0;
  let acceleration = 0;
  let soc = between(55, 95);
  let batteryTemperature = AMBIENT_C;
  let energyAddedKwh = 0;
  let frictionForce = 0;
  let phase: Phase = { kind: "stop", until: between(2, 8) };
  // Tyre radii differ slightly, so the four wheel speeds never match exactly.
  const tyreFactor = Object.fromEntries(WHEELS.map((w) => [w, between(0.997, 1.003)])) as Record<
    (typeof WHEELS)[number],
    number
  >;
  const cabinStart = between(8, 35);
  const zones = Object.fromEntries(
    ZONES.map((zone) => [
      zone,
      { setpointC: Math.round(between(19, 23)), temperatureC: cabinStart },
    ]),
  ) as Record<(typeof ZONES)[number], { setpointC: number; temperatureC: number }>;
  const occupied = {
    passenger: random() < 0.6,
    rearLeft: random() < 0.3,
    rearRight: random() < 0.3,
  };

  const nextPhase = () => {
    switch (phase.kind) {
      case "stop":
        phase = { kind: "accelerate", targetMps: between(30, 110) / 3.6, rateMps2: between(1, 3) };
        break;
      case "accelerate":
        phase = { kind: "cruise", targetMps: phase.targetMps, until: time + between(20, 60) };
        break;
      case "cruise": {
        // Mostly to a standstill, sometimes only down to a slower road.
        const slower = random() < 0.3 ? phase.targetMps * between(0.3, 0.7) : 0;
        phase = { kind: "brake", targetMps: slower, rateMps2: between(1, 4) };
        break;
      }
      case "brake":
        phase =
          phase.targetMps > 0
            ? { kind: "cruise", targetMps: phase.targetMps, until: time + between(10, 40) }
            : { kind: "stop", until: time + between(5, 20) };
        break;
    }
  };

  const step = (dt: number) => {
    switch (phase.kind) {
      case "stop":
        acceleration = 0;
        if (time >= phase.until) nextPhase();
        break;
      case "accelerate":
        acceleration = Math.min(phase.rateMps2, (phase.targetMps - speed) / dt);
        if (speed + acceleration * dt >= phase.targetMps - 0.01) nextPhase();
        break;
      case "cruise":
        acceleration = Math.max(
          -0.5,
          Math.min(0.5, (phase.targetMps - speed) / 5 + between(-0.2, 0.2)),
        );
        if (time >= phase.until) nextPhase();
        break;
      case "brake":
        acceleration = -Math.min(phase.rateMps2, (speed - phase.targetMps) / dt);
        if (speed + acceleration * dt <= phase.targetMps + 0.01) nextPhase();
        break;
    }
    const previous = speed;
    speed = Math.max(0, speed + acceleration * dt);
    const v = (previous + speed) / 2;
    const resistance = v > 0 ? ROLLING_RESISTANCE * MASS_KG * GRAVITY + DRAG * v * v : 0;
    const force = MASS_KG * acceleration + resistance;
    let batteryPowerW: number;
    if (force >= 0) {
      batteryPowerW = -(force * v) / MOTOR_EFFICIENCY - AUXILIARY_W;
      frictionForce = 0;
    } else {
      const regenForce = v > 0 ? Math.min(-force, REGEN_LIMIT_W / v) : 0;
      const regenW = regenForce * v * REGEN_EFFICIENCY;
      energyAddedKwh += (regenW * dt) / 3_600_000;
      batteryPowerW = regenW - AUXILIARY_W;
      frictionForce = -force - regenForce;
    }
    soc = clamp(soc + ((batteryPowerW * dt) / 3_600_000 / CAPACITY_KWH) * 100, 0, 100);
    // Joule heating grows with the square of the power; the pack cools towards ambient.
    const kw = batteryPowerW / 1000;
    batteryTemperature += (0.00001 * kw * kw - 0.002 * (batteryTemperature - AMBIENT_C)) * dt;
    for (const zone of ZONES) {
      const z = zones[zone];
      z.temperatureC +=
        (z.setpointC - z.temperatureC) * (1 - Math.exp(-dt / CABIN_TIME_CONSTANT_S));
    }
    time += dt;
  };

  return {
    advance(seconds) {
      let left = Math.max(0, seconds);
      while (left > 1e-9) {
        const dt = Math.min(1, left);
        step(dt);
        left -= dt;
      }
    },
    reading() {
      const kph = speed * 3.6;
      const holding = phase.kind === "stop" ? HOLD_PRESSURE_BAR : 0;
      const axleBar = (bias: number) =>
        round(Math.max(holding, (frictionForce * bias) / 2 / NEWTONS_PER_BAR), 1);
      const front = axleBar(FRONT_BRAKE_BIAS);
      const rear = axleBar(1 - FRONT_BRAKE_BIAS);
      // Hard friction braking: the ABS lets the front wheels slip a little.
      const slip = (wheel: (typeof WHEELS)[number]) =>
        wheel.startsWith("f") && front > 25 ? 0.98 : 1;
      const wheelSpeed = (wheel: (typeof WHEELS)[number]) =>
        round(kph * tyreFactor[wheel] * slip(wheel), 2);
      const zone = (name: (typeof ZONES)[number]) => {
        const z = zones[name];
        return {
          setpointC: z.setpointC,
          temperatureC: round(z.temperatureC, 2),
          fan: clamp(Math.round(Math.abs(z.setpointC - z.temperatureC)), 0, 7),
        };
      };
      return {
        speedKph: round(kph, 2),
        accelerationMps2: round(acceleration, 3),
        battery: {
          soc: round(soc, 4),
          temperatureC: round(batteryTemperature, 2),
          energyAddedKwh: round(energyAddedKwh, 4),
        },
        abs: {
          brakePressureBar: { fl: front, fr: front, rl: rear, rr: rear },
          wheelSpeedKph: {
            fl: wheelSpeed("fl"),
            fr: wheelSpeed("fr"),
            rl: wheelSpeed("rl"),
            rr: wheelSpeed("rr"),
          },
        },
        hvac: {
          zones: { driver: zone("driver"), passenger: zone("passenger"), rear: zone("rear") },
        },
        airbags: { driver: "ready", passenger: "ready", side: "ready" },
        seatBelts: {
          driver: true,
          passenger: occupied.passenger,
          rearLeft: occupied.rearLeft,
          rearRight: occupied.rearRight,
        },
      };
    },
  };
}

/** A small, well-known seeded generator (uniform in [0, 1)); Math.random cannot be seeded. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  // `+ 0` turns -0 into 0.
  return Math.round(value * factor) / factor + 0;
}
