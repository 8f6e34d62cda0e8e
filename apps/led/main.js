import { connectBus } from "#lib/bus-client.js";
import { createLog, requireEnv } from "#lib/log.js";
import { createLedOutput } from "./led-output.js";
import { applyChange, loadState, saveState } from "./led-state.js";

// The LED app: applies `led/set` from the device client, toggles blinking on `button/pressed`,
// and announces every change (and its state on each bus connection) as `led/state`.
const log = createLog("led");
const socketPath = requireEnv("FLEET_BUS_SOCKET", log);
const dataDir = requireEnv("FLEET_APP_DATA_DIR", log);

let state = await loadState(dataDir, log);
const output = await createLedOutput({
  dataDir,
  chip: process.env.FLEET_GPIO_CHIP,
  line: process.env.FLEET_LED_LINE,
  log,
}).catch((error) => {
  log.error("led.output-unavailable", { error: error.message });
  process.exit(1);
});
let blinkTimer;
let lit = false;

function drive() {
  clearInterval(blinkTimer);
  blinkTimer = undefined;
  if (state.on && state.blinking) {
    blinkTimer = setInterval(
      () => {
        lit = !lit;
        output.set(lit ? 1 : 0);
      },
      1000 / (2 * state.blinkHz),
    );
  }
  lit = state.on;
  return output.set(lit ? 1 : 0);
}

const bus = connectBus({ socketPath, log, onConnect: () => bus.publish("led/state", state) });

let changes = Promise.resolve();

/** Applies changes one at a time, in arrival order: persist, drive the output, announce. */
function change(update, requestId) {
  changes = changes
    .then(async () => {
      state = update(state);
      await saveState(dataDir, state);
      await drive();
      log.info("led.state", { ...state, requestId });
      bus.publish("led/state", requestId === undefined ? state : { ...state, requestId });
    })
    .catch((error) => log.error("led.change-failed", { error: error.message }));
}

bus.on("led/set", (payload) => {
  const requestId = typeof payload?.requestId === "string" ? payload.requestId : undefined;
  change((current) => applyChange(current, payload, log), requestId);
});
bus.on("button/pressed", () => change((current) => ({ ...current, blinking: !current.blinking })));

await drive();
log.info("led.started", state);

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, async () => {
    clearInterval(blinkTimer);
    bus.close();
    await output.set(0);
    await output.close();
    process.exit(0);
  });
}
