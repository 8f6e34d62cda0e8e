import { MOCK_ACCOUNT_ID, type RegisteredResource, type StackRun } from "../harness/index.ts";
import { managedPolicyDocument } from "./managed-policies.ts";
import type { RolePolicy } from "./simulate.ts";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";

/** The name AWS knows a role by (the mocks answer a resource's `name` input, or its logical name). */
export const roleName = (role: RegisteredResource): string => role.inputs.name ?? role.name;
export const roleArn = (role: RegisteredResource) =>
  `arn:aws:iam::${MOCK_ACCOUNT_ID}:role/${roleName(role)}`;

const parsed = (policy: unknown) => (typeof policy === "string" ? JSON.parse(policy) : policy);

/** The role a resource names by ARN (a function's `role`, a rule action's `roleArn`). */
export function roleByArn(stack: StackRun<unknown>, arn: string): RegisteredResource {
  const role = stack.ofType(ROLE).find((candidate) => roleArn(candidate) === arn);
  if (role === undefined) throw new Error(`no role ${arn} in the stack`);
  return role;
}

/**
 * Every permission policy the stack gives a role: its inline policies, RolePolicy resources,
 * and the AWS managed policies attached to it (vendored documents).
 */
export function rolePolicies(stack: StackRun<unknown>, role: RegisteredResource): RolePolicy[] {
  const name = roleName(role);
  const inline = ((role.inputs.inlinePolicies ?? []) as { name?: string; policy: string }[]).map(
    (policy, index) => ({
      name: `${role.name} inline ${policy.name ?? index}`,
      document: parsed(policy.policy),
    }),
  );
  const rolePolicyResources = stack
    .ofType(ROLE_POLICY)
    .filter((policy) => policy.inputs.role === name)
    .map((policy) => ({ name: policy.name, document: parsed(policy.inputs.policy) }));
  const managedArns = [
    ...((role.inputs.managedPolicyArns ?? []) as string[]),
    ...stack
      .ofType(ROLE_POLICY_ATTACHMENT)
      .filter((attachment) => attachment.inputs.role === name)
      .map((attachment) => attachment.inputs.policyArn as string),
  ];
  const managed = managedArns.map((arn) => ({ name: arn, document: managedPolicyDocument(arn) }));
  return [...inline, ...rolePolicyResources, ...managed];
}
