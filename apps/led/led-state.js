import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const DEFAULT_STATE = { on: true, blinking: false, blinkHz: 1 };
const MAX_HZ = 50;

/** The state persisted in `<FLEET_APP_DATA_DIR>/led.json`, so it survives restarts and updates. */
export async function loadState(dataDir, log) {
  const file = join(dataDir, "led.json");
  try {
    return applyChange(DEFAULT_STATE, JSON.parse(await readFile(file, "utf8")), log);
  } catch (error) {
    if (error.code !== "ENOENT") log.warn("led.state-unreadable", { file, error: error.message });
    return { ...DEFAULT_STATE };
  }
}

export async function saveState(dataDir, state) {
  const file = join(dataDir, "led.json");
  await writeFile(`${file}.tmp`, `${JSON.stringify(state)}\n`);
  await rename(`${file}.tmp`, file);
}

/** Applies the valid fields of `change` (an `led/set` payload); invalid ones are logged and kept. */
export function applyChange(state, change, log) {
  const next = { ...state };
  for (const key of ["on", "blinking"]) {
    if (change?.[key] === undefined) continue;
    if (typeof change[key] === "boolean") next[key] = change[key];
    else log.warn("led.invalid-field", { field: key });
  }
  const hz = change?.blinkHz;
  if (hz !== undefined) {
    if (typeof hz === "number" && hz > 0 && hz <= MAX_HZ) next.blinkHz = hz;
    else log.warn("led.invalid-field", { field: "blinkHz", expected: `0 < blinkHz <= ${MAX_HZ}` });
  }
  return next;
}
