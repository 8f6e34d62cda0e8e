import type { ThingGroups } from "@fleet/core";
import type { ThingGroupSummary } from "@fleet/core/contracts";
import type { IotRegistry } from "../iot-core/registry.ts";

/** The `ThingGroups` port over the sandbox's registry (its changes reach continuous jobs). */
export class LocalThingGroups implements ThingGroups {
  readonly #registry: IotRegistry;

  constructor(registry: IotRegistry) {
    this.#registry = registry;
  }

  async list(): Promise<ThingGroupSummary[]> {
    return this.#registry
      .listThingGroups()
      .map((group) => group.thingGroupName)
      .sort()
      .map((name) => ({ name, thingCount: this.#registry.listThingsInThingGroup(name).length }));
  }

  async groupExists(name: string): Promise<boolean> {
    return this.#registry.findThingGroup(name) !== undefined;
  }

  async thingExists(name: string): Promise<boolean> {
    return this.#registry.findThing(name) !== undefined;
  }

  addThing(group: string, thing: string): Promise<void> {
    return this.#registry.addThingToThingGroup(group, thing);
  }

  removeThing(group: string, thing: string): Promise<void> {
    return this.#registry.removeThingFromThingGroup(group, thing);
  }
}
