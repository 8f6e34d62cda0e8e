import { afterEach, describe, expect, it } from "vitest";
import { GroupMemberNotFoundError } from "../../src/contracts/operator-api/operator-errors.ts";
import type { ThingGroups } from "../../src/ports/index.ts";
import { createThingGroupMembership } from "../../src/use-cases/thing-group-membership.ts";

/** One adapter under test plus its backing state (sandbox registry, or the AWS mock's). */
export interface ThingGroupsSubject {
  groups: ThingGroups;
  /** Creates the things, and the groups with their members, behind the adapter's back. */
  seed(state: { things: string[]; groups: Record<string, string[]> }): Promise<void>;
  /** The group's members as the backing state holds them, sorted. */
  members(group: string): Promise<string[]>;
  close?(): Promise<void>;
}

/** The `ThingGroups` contract, with the membership use case the operator calls on it. */
export function describeThingGroups(name: string, makeSubject: () => Promise<ThingGroupsSubject>) {
  describe(`ThingGroups contract: ${name}`, () => {
    let subject: ThingGroupsSubject | undefined;
    const open = async () => {
      subject = await makeSubject();
      await subject.seed({
        things: ["sim-0001", "sim-0002"],
        groups: { "fleet-devices": ["sim-0001", "sim-0002"], "fleet-canary": [] },
      });
      return subject;
    };
    afterEach(async () => {
      await subject?.close?.();
      subject = undefined;
    });

    it("lists every group by name with its device count", async () => {
      const { groups } = await open();
      expect(await groups.list()).toEqual([
        { name: "fleet-canary", thingCount: 0 },
        { name: "fleet-devices", thingCount: 2 },
      ]);
    });

    it("adds a device to a group and removes it again; doing either twice changes nothing", async () => {
      const { groups, members } = await open();
      const membership = createThingGroupMembership({ groups });
      const canary = { group: "fleet-canary", thing: "sim-0001" };

      expect(await membership.add(canary)).toEqual(canary);
      await membership.add(canary);
      expect(await members("fleet-canary")).toEqual(["sim-0001"]);
      await membership.remove(canary);
      await membership.remove(canary);
      expect(await members("fleet-canary")).toEqual([]);
    });

    it("names an unknown group, then an unknown device, and changes nothing", async () => {
      const { groups, members } = await open();
      const membership = createThingGroupMembership({ groups });

      const noGroup = await membership
        .add({ group: "fleet-nope", thing: "sim-0001" })
        .catch((e: unknown) => e);
      expect(noGroup).toBeInstanceOf(GroupMemberNotFoundError);
      expect((noGroup as Error).message).toBe("no thing group named fleet-nope");
      await expect(membership.remove({ group: "fleet-canary", thing: "sim-9999" })).rejects.toThrow(
        "no device named sim-9999",
      );
      expect(await members("fleet-canary")).toEqual([]);
    });
  });
}
