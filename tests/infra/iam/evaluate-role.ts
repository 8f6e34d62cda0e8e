import type { Authorization } from "./authorization.ts";
import { describeAuthorization } from "./authorization.ts";
import type { AwsScope } from "./aws-scope.ts";
import { type RolePolicy, simulate } from "./simulate.ts";

/** A role as the simulation sees it: its ARN and every policy the stack gives it. */
export interface SimulatedRole {
  arn: string;
  policies: RolePolicy[];
}

/** The requests of `authorizations` the role is NOT allowed, described (empty: all allowed). */
export async function notAllowed(
  role: SimulatedRole,
  authorizations: Authorization[],
  scope: AwsScope,
): Promise<string[]> {
  const refused: string[] = [];
  for (const authorization of authorizations) {
    const decision = await simulate(role.arn, role.policies, authorization, scope);
    if (decision !== "Allowed")
      refused.push(`${describeAuthorization(authorization)}: ${decision}`);
  }
  return refused;
}

/** The requests of `authorizations` the role IS allowed, described (empty: all denied). */
export async function allowed(
  role: SimulatedRole,
  authorizations: Authorization[],
  scope: AwsScope,
): Promise<string[]> {
  const granted: string[] = [];
  for (const authorization of authorizations) {
    const decision = await simulate(role.arn, role.policies, authorization, scope);
    if (decision === "Allowed") granted.push(describeAuthorization(authorization));
  }
  return granted;
}

/** Each distinct request once, in first-seen order. */
export function distinct(authorizations: Authorization[]): Authorization[] {
  const seen = new Map<string, Authorization>();
  for (const authorization of authorizations) {
    const key = `${authorization.action} ${authorization.resource} ${JSON.stringify(authorization.context)}`;
    if (!seen.has(key)) seen.set(key, authorization);
  }
  return [...seen.values()];
}
