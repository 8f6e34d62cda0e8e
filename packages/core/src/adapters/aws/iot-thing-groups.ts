import {
  AddThingToThingGroupCommand,
  DescribeThingCommand,
  DescribeThingGroupCommand,
  type IoTClient,
  ListThingGroupsCommand,
  ListThingsInThingGroupCommand,
  RemoveThingFromThingGroupCommand,
} from "@aws-sdk/client-iot";
import type { ThingGroupSummary } from "../../contracts/operator-api/operator-schemas.ts";
import type { ThingGroups } from "../../ports/thing-groups.ts";
import { callAws, errorName, IOT_SERVICE, mapAwsError } from "./aws-errors.ts";
import { nextTokenPages } from "./next-token-pages.ts";

/** ListThingGroups and ListThingsInThingGroup return at most 250 per page. */
const PAGE_SIZE = 250;

/** The stage's thing groups in AWS IoT, as the operator manages them from the CLI. */
export class IotThingGroups implements ThingGroups {
  readonly #iot: IoTClient;

  constructor(options: { iot: IoTClient }) {
    this.#iot = options.iot;
  }

  /** ListThingGroups, then each group's members counted page by page. */
  async list(): Promise<ThingGroupSummary[]> {
    const names: string[] = [];
    const pages = nextTokenPages((nextToken) =>
      callAws(IOT_SERVICE, "ListThingGroups", () =>
        this.#iot.send(new ListThingGroupsCommand({ maxResults: PAGE_SIZE, nextToken })),
      ),
    );
    for await (const page of pages) {
      for (const group of page.thingGroups ?? []) {
        if (group.groupName !== undefined) names.push(group.groupName);
      }
    }
    const groups: ThingGroupSummary[] = [];
    for (const name of names.sort()) groups.push({ name, thingCount: await this.#count(name) });
    return groups;
  }

  groupExists(name: string): Promise<boolean> {
    return this.#exists("DescribeThingGroup", () =>
      this.#iot.send(new DescribeThingGroupCommand({ thingGroupName: name })),
    );
  }

  thingExists(name: string): Promise<boolean> {
    return this.#exists("DescribeThing", () =>
      this.#iot.send(new DescribeThingCommand({ thingName: name })),
    );
  }

  async addThing(group: string, thing: string): Promise<void> {
    await callAws(IOT_SERVICE, "AddThingToThingGroup", () =>
      this.#iot.send(new AddThingToThingGroupCommand({ thingGroupName: group, thingName: thing })),
    );
  }

  async removeThing(group: string, thing: string): Promise<void> {
    await callAws(IOT_SERVICE, "RemoveThingFromThingGroup", () =>
      this.#iot.send(
        new RemoveThingFromThingGroupCommand({ thingGroupName: group, thingName: thing }),
      ),
    );
  }

  async #count(thingGroupName: string): Promise<number> {
    let count = 0;
    const pages = nextTokenPages((nextToken) =>
      callAws(IOT_SERVICE, "ListThingsInThingGroup", () =>
        this.#iot.send(
          new ListThingsInThingGroupCommand({ thingGroupName, maxResults: PAGE_SIZE, nextToken }),
        ),
      ),
    );
    for await (const page of pages) count += page.things?.length ?? 0;
    return count;
  }

  async #exists(operation: string, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (errorName(error) === "ResourceNotFoundException") return false;
      throw mapAwsError(IOT_SERVICE, operation, error);
    }
  }
}
