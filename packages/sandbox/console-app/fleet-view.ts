import type { DeviceView } from "@fleet/core/contracts";
import { type ConsoleApi, failure } from "./console-api.ts";
import { el, fill } from "./dom.ts";
import { countdown } from "./format.ts";
import type { LiveView } from "./live.ts";

type Rotation = Awaited<ReturnType<ConsoleApi["listRotations"]>>[number];

const ROTATION_STEPS = ["requested", "issued", "committed"] as const;

/**
 * The fleet: one row per device with its state, connection, certificate expiry (a countdown
 * that ticks every second between refreshes), its latest rotation's progress, its apps and the
 * reason the API gives. A provisioned device can be rotated from its row.
 */
export function fleetView(root: HTMLElement, api: ConsoleApi): LiveView {
  const body = el("tbody");
  const note = el("p", { class: "note", role: "status" });
  root.append(
    el(
      "table",
      { class: "fleet" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...[
            "Device",
            "State",
            "Connection",
            "Certificate expires",
            "Rotation",
            "Apps",
            "Reason",
          ].map((title) => el("th", { scope: "col" }, title)),
          el("th", { scope: "col" }, ""),
        ),
      ),
      body,
    ),
    note,
  );
  setInterval(() => {
    for (const cell of body.querySelectorAll<HTMLElement>("[data-not-after]")) {
      cell.textContent = countdown(cell.dataset.notAfter ?? "");
    }
  }, 1000);

  const rotate = async (thingName: string) => {
    note.textContent = `starting a rotation of ${thingName}…`;
    try {
      await api.startRotations({ device: thingName });
      note.textContent = `rotation of ${thingName} started`;
    } catch (error) {
      note.textContent = failure(error);
    }
  };

  return {
    async refresh() {
      const [devices, rotations] = await Promise.all([api.listDevices(), api.listRotations()]);
      const latest = new Map<string, Rotation>();
      // Newest first: the first record of a thing is its latest rotation.
      for (const rotation of rotations) {
        if (!latest.has(rotation.thingName)) latest.set(rotation.thingName, rotation);
      }
      fill(body, ...devices.map((device) => row(device, latest, rotate)));
    },
  };
}

function row(
  device: DeviceView,
  rotations: ReadonlyMap<string, Rotation>,
  rotate: (thingName: string) => void,
): HTMLTableRowElement {
  const { thingName } = device;
  const rotation = thingName === null ? undefined : rotations.get(thingName);
  return el(
    "tr",
    { "data-serial": device.serial, "data-state": device.state },
    el("th", { scope: "row" }, device.serial),
    el("td", { class: `state ${device.state}` }, device.state),
    el(
      "td",
      { class: device.connected ? "connected" : "disconnected" },
      device.connected ? "connected" : "offline",
    ),
    device.notAfter === null
      ? el("td", {}, "—")
      : el(
          "td",
          { "data-not-after": device.notAfter, title: device.notAfter },
          countdown(device.notAfter),
        ),
    el("td", { class: "rotation" }, rotation ? rotationProgress(rotation) : "—"),
    el("td", { class: "apps" }, appList(device.apps)),
    el("td", { class: "reason" }, device.reason ?? ""),
    el(
      "td",
      {},
      device.state === "provisioned" && thingName !== null
        ? el("button", { type: "button", onclick: () => rotate(thingName) }, "Rotate")
        : null,
    ),
  );
}

/** requested → issued → committed, the steps reached marked; a failure with its reason. */
function rotationProgress(rotation: Rotation): HTMLElement {
  const reached = ROTATION_STEPS.indexOf(rotation.step as (typeof ROTATION_STEPS)[number]);
  const steps = ROTATION_STEPS.map((step, i) =>
    el("li", { class: i <= reached ? "done" : "todo" }, step),
  );
  return el(
    "div",
    { "data-rotation-step": rotation.step, title: rotation.rotationId },
    reached >= 0
      ? el("ol", { class: "steps" }, ...steps)
      : el("span", { class: "bad" }, rotation.step),
    rotation.reason ? el("span", { class: "reason" }, ` ${rotation.reason}`) : null,
  );
}

function appList(apps: Readonly<Record<string, string>>): string {
  const names = Object.keys(apps).sort();
  return names.length === 0 ? "—" : names.map((name) => `${name} ${apps[name]}`).join(", ");
}
