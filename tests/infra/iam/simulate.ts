import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { Authorization } from "./authorization.ts";
import type { AwsScope } from "./aws-scope.ts";

/** An IAM policy attached to a role: inline, RolePolicy or managed. */
export interface RolePolicy {
  name: string;
  document: unknown;
}

export type Decision = "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied";

export class InvalidSimulationError extends Error {
  constructor(authorization: Authorization, errors: unknown) {
    super(
      `iam-simulate refused ${authorization.action} on ${authorization.resource}: ${JSON.stringify(errors)}`,
    );
    this.name = "InvalidSimulationError";
  }
}

/** The account a resource lives in: its ARN's, or the stage's (S3 ARNs and `*` carry none). */
const accountOf = (resource: string, scope: AwsScope) => resource.split(":")[4] || scope.accountId;

/**
 * What AWS decides when `principal` (a role ARN) with `policies` makes the request, by
 * @cloud-copilot/iam-simulate (the Service Authorization Reference's catalogue and IAM's
 * evaluation logic). A request the catalogue rejects (unknown action, resource of a wrong type,
 * a resource for a `*`-only action) throws: it is a bug of the harness or of the mapping.
 */
export async function simulate(
  principal: string,
  policies: RolePolicy[],
  authorization: Authorization,
  scope: AwsScope,
): Promise<Decision> {
  const result = await runSimulation(
    {
      identityPolicies: policies.map((policy) => ({ name: policy.name, policy: policy.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal,
        action: authorization.action,
        resource: {
          resource: authorization.resource,
          accountId: accountOf(authorization.resource, scope),
        },
        contextVariables: authorization.context,
      },
    },
    {},
  );
  if (result.resultType === "error") throw new InvalidSimulationError(authorization, result.errors);
  return result.overallResult as Decision;
}

/**
 * What a resource policy (a role's trust policy, a function's invoke policy) lets `service` do
 * with `action` on the resource, in `context`; no identity policy takes part.
 */
async function simulateResourcePolicy(
  action: string,
  resource: string,
  policy: unknown,
  service: string,
  context: Record<string, string>,
  scope: AwsScope,
): Promise<Decision> {
  const authorization = { action, resource, context, source: service };
  const result = await runSimulation(
    {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy,
      request: {
        principal: service,
        action,
        resource: { resource, accountId: accountOf(resource, scope) },
        contextVariables: context,
      },
    },
    {},
  );
  if (result.resultType === "error") throw new InvalidSimulationError(authorization, result.errors);
  return result.overallResult as Decision;
}

/** Whether `service` may assume a role whose trust policy is `trust`, in `context`. */
export function simulateTrust(
  roleArn: string,
  trust: unknown,
  service: string,
  context: Record<string, string>,
  scope: AwsScope,
): Promise<Decision> {
  return simulateResourcePolicy("sts:AssumeRole", roleArn, trust, service, context, scope);
}

/** Whether `service` may invoke a function whose resource policy is `policy`, in `context`. */
export function simulateInvocation(
  functionArn: string,
  policy: unknown,
  service: string,
  context: Record<string, string>,
  scope: AwsScope,
): Promise<Decision> {
  const action = "lambda:InvokeFunction";
  return simulateResourcePolicy(action, functionArn, policy, service, context, scope);
}
