import { AIRBAG_STATES, SEAT_BELT_STATES } from "./states.ts";
import type { PanelDefinition, PanelMeasure } from "./types.ts";

const CHART = {
  dashboard: "vehicle-simulator",
  scope: "device",
  kind: "timeseries",
  aggregation: "avg",
  layout: { width: 12, height: 8 },
} as const;

const STATES = {
  dashboard: "vehicle-simulator",
  row: "Safety",
  scope: "device",
  kind: "state-timeline",
  aggregation: "last",
  unit: "none",
  layout: { width: 12, height: 7 },
} as const;

const WHEELS = [
  { key: "fl", label: "Front left", field: "front_left" },
  { key: "fr", label: "Front right", field: "front_right" },
  { key: "rl", label: "Rear left", field: "rear_left" },
  { key: "rr", label: "Rear right", field: "rear_right" },
] as const;

const ZONES = [
  { key: "driver", label: "Driver" },
  { key: "passenger", label: "Passenger" },
  { key: "rear", label: "Rear" },
] as const;

const perWheel = (path: string): PanelMeasure[] =>
  WHEELS.map(({ key, label, field }) => ({ measure: `vehicle.${path}.${key}`, label, field }));

export const VEHICLE_SIMULATOR_PANELS: readonly PanelDefinition[] = [
  {
    ...CHART,
    id: "vehicle-simulator.speed",
    title: "Speed",
    row: "Drive",
    measures: [{ measure: "vehicle.speedKph", label: "Speed", field: "speed" }],
    unit: "velocitykmh",
  },
  {
    ...CHART,
    id: "vehicle-simulator.acceleration",
    title: "Acceleration",
    description: "Negative while braking",
    row: "Drive",
    measures: [
      { measure: "vehicle.accelerationMps2", label: "Acceleration", field: "acceleration" },
    ],
    unit: "accMS2",
  },
  {
    ...CHART,
    id: "vehicle-simulator.state-of-charge",
    title: "State of charge",
    description: "Rises while regenerative braking puts energy back",
    row: "Battery",
    measures: [{ measure: "vehicle.battery.soc", label: "State of charge", field: "soc" }],
    unit: "percent",
    layout: { width: 8, height: 8 },
  },
  {
    ...CHART,
    id: "vehicle-simulator.battery-temperature",
    title: "Battery temperature",
    row: "Battery",
    measures: [
      {
        measure: "vehicle.battery.temperatureC",
        label: "Battery temperature",
        field: "battery_temperature",
      },
    ],
    unit: "celsius",
    layout: { width: 8, height: 8 },
  },
  {
    ...CHART,
    id: "vehicle-simulator.energy-added",
    title: "Energy added (regenerative braking)",
    row: "Battery",
    measures: [
      { measure: "vehicle.battery.energyAddedKwh", label: "Energy added", field: "energy_added" },
    ],
    unit: "kwatth",
    layout: { width: 8, height: 8 },
  },
  {
    ...CHART,
    id: "vehicle-simulator.brake-pressure",
    title: "Brake pressure",
    row: "ABS",
    measures: perWheel("abs.brakePressureBar"),
    unit: "pressurebar",
  },
  {
    ...CHART,
    id: "vehicle-simulator.wheel-speed",
    title: "Wheel speed",
    row: "ABS",
    measures: perWheel("abs.wheelSpeedKph"),
    unit: "velocitykmh",
  },
  {
    ...CHART,
    id: "vehicle-simulator.cabin-temperature",
    title: "Cabin temperature vs setpoint",
    row: "HVAC",
    measures: ZONES.flatMap(({ key, label }) => [
      {
        measure: `vehicle.hvac.zones.${key}.temperatureC`,
        label: `${label} temperature`,
        field: `${key}_temperature`,
      },
      {
        measure: `vehicle.hvac.zones.${key}.setpointC`,
        label: `${label} setpoint`,
        field: `${key}_setpoint`,
      },
    ]),
    unit: "celsius",
  },
  {
    ...CHART,
    id: "vehicle-simulator.fan-level",
    title: "Fan level",
    row: "HVAC",
    measures: ZONES.map(({ key, label }) => ({
      measure: `vehicle.hvac.zones.${key}.fan`,
      label,
      field: `${key}_fan`,
    })),
    unit: "none",
    decimals: 0,
    range: { min: 0, max: 7 },
  },
  {
    ...STATES,
    id: "vehicle-simulator.airbags",
    title: "Airbags",
    measures: [
      { measure: "vehicle.airbags.driver", label: "Driver", field: "driver" },
      { measure: "vehicle.airbags.passenger", label: "Passenger", field: "passenger" },
      { measure: "vehicle.airbags.side", label: "Side", field: "side" },
    ],
    states: AIRBAG_STATES,
  },
  {
    ...STATES,
    id: "vehicle-simulator.seat-belts",
    title: "Seat belts",
    measures: [
      { measure: "vehicle.seatBelts.driver", label: "Driver", field: "driver" },
      { measure: "vehicle.seatBelts.passenger", label: "Passenger", field: "passenger" },
      { measure: "vehicle.seatBelts.rearLeft", label: "Rear left", field: "rear_left" },
      { measure: "vehicle.seatBelts.rearRight", label: "Rear right", field: "rear_right" },
    ],
    states: SEAT_BELT_STATES,
  },
];
