/** What an operator command acts on: a deployed stage (`--stage`) or a local sandbox. */
export type Target = { kind: "sandbox"; stateDir: string } | { kind: "stage"; stage: string };
