import type { PanelDefinition } from "./types.ts";

type States = NonNullable<PanelDefinition["states"]>;

/** A boolean as a state timeline shows it. */
export const YES_NO: States = {
  true: { text: "yes", color: "green" },
  false: { text: "no", color: "text" },
};

/** `AirbagStateSchema`'s values. */
export const AIRBAG_STATES: States = {
  ready: { text: "ready", color: "green" },
  deployed: { text: "deployed", color: "red" },
  fault: { text: "fault", color: "orange" },
};

export const SEAT_BELT_STATES: States = {
  true: { text: "fastened", color: "green" },
  false: { text: "unfastened", color: "orange" },
};
