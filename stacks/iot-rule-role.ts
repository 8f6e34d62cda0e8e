export interface IotRuleRoleArgs {
  /** ARN of the one topic rule allowed to assume the role (built from its name: no cycle). */
  ruleArn: $util.Input<string>;
  accountId: $util.Input<string>;
  /** The role's only permissions: one statement, scoped to the action's target. */
  actions: string[];
  resources: $util.Input<string>[];
}

/**
 * A role for one action of one IoT topic rule: only that rule, in this account, may assume it
 * (confused-deputy protection), and it may do exactly `actions` on `resources`.
 */
export function iotRuleRole(name: string, args: IotRuleRoleArgs): aws.iam.Role {
  const role = new aws.iam.Role(`${name}Role`, {
    assumeRolePolicy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "iot.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": args.accountId },
            ArnLike: { "aws:SourceArn": args.ruleArn },
          },
        },
      ],
    }),
  });
  new aws.iam.RolePolicy(`${name}Policy`, {
    role: role.name,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: args.actions, Resource: args.resources }],
    }),
  });
  return role;
}

/**
 * A role AWS IoT assumes for this account only, for a service rather than one rule (audits,
 * their notifications, fleet provisioning).
 */
export function iotServiceRole(
  name: string,
  accountId: $util.Input<string>,
  /** A fixed role name, for roles found by name (e.g. from `stageResourceNames`). */
  roleName?: string,
): aws.iam.Role {
  return new aws.iam.Role(`${name}Role`, {
    ...(roleName ? { name: roleName } : {}),
    assumeRolePolicy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "iot.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": accountId } },
        },
      ],
    }),
  });
}
