/** `4m 05s`, `1h 02m`, `2d 3h` until a time; `expired 12s ago` after it. */
export function countdown(until: string, now = Date.now()): string {
  const ms = Date.parse(until) - now;
  const text = duration(Math.abs(ms));
  return ms >= 0 ? text : `expired ${text} ago`;
}

/** `45s`, `4m 05s`, `1h 02m`, `2d 3h`. */
export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor(s / 3600) % 24}h`;
}

/** A local wall-clock time, `14:03:27`. */
export function clock(time: string | Date): string {
  return new Date(time).toLocaleTimeString([], { hour12: false });
}
