/**
 * A measure's full name, as stores keep it and operators query it: the telemetry section, a
 * dot, then the measure's path inside the section (`vehicle` + `battery.soc`).
 */
export function measureName(section: string, path: string): string {
  return `${section}.${path}`;
}

/**
 * `vehicle.battery.soc` -> section `vehicle`, path `battery.soc`. Undefined when the name has
 * no section or no path (`vehicle`, `.soc`, `vehicle.`): it names no measure a store holds.
 */
export function splitMeasure(measure: string): { section: string; path: string } | undefined {
  const dot = measure.indexOf(".");
  if (dot <= 0 || dot === measure.length - 1) return undefined;
  return { section: measure.slice(0, dot), path: measure.slice(dot + 1) };
}
