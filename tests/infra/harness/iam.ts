import type { RegisteredResource } from "./mocks.ts";

/** One IAM policy statement, normalised to lists, with the resource that carries it. */
export interface IamStatement {
  /** Logical name of the role or policy resource. */
  owner: string;
  effect: string;
  actions: string[];
  resources: string[];
  principals: Record<string, string[]>;
  conditions: Record<string, Record<string, unknown>>;
}

interface PolicyJson {
  Statement: {
    Effect: string;
    Action?: string | string[];
    Resource?: string | string[];
    Principal?: Record<string, string | string[]>;
    Condition?: Record<string, Record<string, unknown>>;
  }[];
}

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function parse(owner: string, policy: unknown): IamStatement[] {
  const document = (typeof policy === "string" ? JSON.parse(policy) : policy) as PolicyJson;
  return document.Statement.map((statement) => ({
    owner,
    effect: statement.Effect,
    actions: list(statement.Action),
    resources: list(statement.Resource),
    principals: Object.fromEntries(
      Object.entries(statement.Principal ?? {}).map(([type, ids]) => [type, list(ids)]),
    ),
    conditions: statement.Condition ?? {},
  }));
}

/**
 * Permission statements granted to IAM roles: role inline policies and `aws.iam.RolePolicy`
 * documents (plus any `aws.iam.Policy`). Trust policies are in `trustStatements`.
 */
export function permissionStatements(resources: RegisteredResource[]): IamStatement[] {
  return resources.flatMap((resource) => {
    switch (resource.type) {
      case "aws:iam/role:Role":
        return (resource.inputs.inlinePolicies ?? []).flatMap((inline: { policy: string }) =>
          parse(resource.name, inline.policy),
        );
      case "aws:iam/rolePolicy:RolePolicy":
      case "aws:iam/policy:Policy":
        return parse(resource.name, resource.inputs.policy);
      default:
        return [];
    }
  });
}

/** Who may assume a role: its trust policy statements. */
export function trustStatements(role: RegisteredResource): IamStatement[] {
  return parse(role.name, role.inputs.assumeRolePolicy);
}
