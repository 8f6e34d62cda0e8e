import { duration } from "./format.ts";

/**
 * Values as Grafana shows the catalogue's unit ids (its `unit` field: `celsius`, `bytes`,
 * `velocitykmh`, ...), so a panel reads the same in the console and on a stage's dashboard.
 * An id the console does not know is shown as a plain number.
 */
const SUFFIX: Readonly<Record<string, string>> = {
  celsius: " °C",
  percent: " %",
  velocitykmh: " km/h",
  accMS2: " m/s²",
  kwatth: " kWh",
  pressurebar: " bar",
  hertz: " Hz",
};

const BINARY_PREFIXES = ["", "Ki", "Mi", "Gi", "Ti"];

export function formatValue(value: number, unit: string, decimals?: number): string {
  if (unit === "bytes") return binary(value, "B", decimals);
  if (unit === "Bps") return binary(value, "B/s", decimals);
  if (unit === "s") return duration(value * 1000);
  return `${round(value, decimals)}${SUFFIX[unit] ?? ""}`;
}

function binary(value: number, symbol: string, decimals?: number): string {
  let scaled = value;
  let prefix = 0;
  while (Math.abs(scaled) >= 1024 && prefix < BINARY_PREFIXES.length - 1) {
    scaled /= 1024;
    prefix += 1;
  }
  return `${round(scaled, decimals)} ${BINARY_PREFIXES[prefix]}${symbol}`;
}

function round(value: number, decimals?: number): string {
  if (decimals !== undefined) return value.toFixed(decimals);
  return Number.isInteger(value) ? String(value) : value.toFixed(Math.abs(value) < 10 ? 2 : 1);
}
