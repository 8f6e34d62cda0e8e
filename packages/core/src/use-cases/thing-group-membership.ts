import { GroupMemberNotFoundError } from "../contracts/operator-api/operator-errors.ts";
import type { GroupMembership } from "../contracts/operator-api/operator-schemas.ts";
import type { ThingGroups } from "../ports/thing-groups.ts";

/**
 * `fleet devices add-to-group|remove-from-group`. AWS answers a missing group or thing with a
 * bare ResourceNotFoundException (and removing one that is not there succeeds), so both are
 * checked first and the one missing is named: the group, then the device.
 * A device joining a group a continuous release job targets gets that release.
 */
export function createThingGroupMembership(deps: { groups: ThingGroups }) {
  const { groups } = deps;
  const check = async ({ group, thing }: GroupMembership) => {
    if (!(await groups.groupExists(group)))
      throw new GroupMemberNotFoundError("thing group", group);
    if (!(await groups.thingExists(thing))) throw new GroupMemberNotFoundError("device", thing);
  };
  return {
    async add(membership: GroupMembership): Promise<GroupMembership> {
      await check(membership);
      await groups.addThing(membership.group, membership.thing);
      return membership;
    },
    async remove(membership: GroupMembership): Promise<GroupMembership> {
      await check(membership);
      await groups.removeThing(membership.group, membership.thing);
      return membership;
    },
  };
}
