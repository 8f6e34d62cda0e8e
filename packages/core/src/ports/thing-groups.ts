import type { ThingGroupSummary } from "../contracts/operator-api/operator-schemas.ts";

/** AWS IoT thing groups (the stage's registry, or the sandbox's). */
export interface ThingGroups {
  /** Every thing group, by name, with its direct members counted (AWS lists are not recursive). */
  list(): Promise<ThingGroupSummary[]>;
  groupExists(name: string): Promise<boolean>;
  thingExists(name: string): Promise<boolean>;
  /** AddThingToThingGroup: adding a member again changes nothing. */
  addThing(group: string, thing: string): Promise<void>;
  /** RemoveThingFromThingGroup: removing a thing that is not a member changes nothing. */
  removeThing(group: string, thing: string): Promise<void>;
}
