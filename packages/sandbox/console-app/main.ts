import "./console.css";
import { allowListView } from "./allow-list-view.ts";
import { consoleApi } from "./console-api.ts";
import { section } from "./dom.ts";
import { fleetView } from "./fleet-view.ts";
import { clock } from "./format.ts";
import { live } from "./live.ts";
import { releasesView } from "./releases-view.ts";
import { telemetryView } from "./telemetry-view.ts";

/** Between rounds of polling: the simulated devices report every few seconds. */
const REFRESH_MS = 2000;

const api = consoleApi();
const status = section("status");
live(
  [
    fleetView(section("fleet"), api),
    telemetryView(section("telemetry"), api),
    releasesView(section("releases"), api),
    allowListView(section("allow-list"), api),
  ],
  {
    intervalMs: REFRESH_MS,
    onRound(error) {
      status.textContent = error ?? `live, updated ${clock(new Date())}`;
      status.classList.toggle("bad", error !== null);
    },
  },
);
