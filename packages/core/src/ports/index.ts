export type * from "./fleet-inventory.ts";
