import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordHandlerCalls } from "../../packages/functions/tests/sdk-calls/record-handler-calls.ts";
import { runApp, stopStackHarness } from "./harness/index.ts";
import type { Authorization } from "./iam/authorization.ts";
import { STAGE_SCOPE } from "./iam/aws-scope.ts";
import { distinct, notAllowed, type SimulatedRole } from "./iam/evaluate-role.ts";
import { roleArn, rolePolicies } from "./iam/role-policies.ts";
import { sdkAuthorizations } from "./iam/sdk-authorizations.ts";
import type { RolePolicy } from "./iam/simulate.ts";
import { stageFunctions } from "./iam/stage-functions.ts";

// The grants the stack had before the Service Authorization Reference was checked: attaching
// and detaching a thing's certificate granted on the thing, listing a certificate's policies
// on the certificate. The simulation must refuse exactly the calls they were meant for.
const iot = (resource: string) =>
  `arn:aws:iot:${STAGE_SCOPE.region}:${STAGE_SCOPE.accountId}:${resource}`;
const OLD_GRANTS = [
  {
    Effect: "Allow",
    Action: ["iot:AttachThingPrincipal", "iot:DetachThingPrincipal"],
    Resource: [iot("thing/*")],
  },
  { Effect: "Allow", Action: ["iot:ListAttachedPolicies"], Resource: [iot("cert/*")] },
];
const REGRANTED = new Set(OLD_GRANTS.flatMap((statement) => statement.Action));

interface Statement {
  Action: string | string[];
}

/** The role's policies with the three actions granted as they used to be. */
function withOldGrants(policies: RolePolicy[]): RolePolicy[] {
  const withoutThem = policies.map((policy) => {
    const document = policy.document as { Statement: Statement[] };
    return {
      ...policy,
      document: {
        ...document,
        Statement: document.Statement.flatMap((statement) => {
          const actions = [statement.Action].flat().filter((a) => !REGRANTED.has(a));
          return actions.length === 0 ? [] : [{ ...statement, Action: actions }];
        }),
      },
    };
  });
  return [
    ...withoutThem,
    { name: "old grants", document: { Version: "2012-10-17", Statement: OLD_GRANTS } },
  ];
}

vi.stubEnv("FLEET_TELEMETRY_STORE", "timestream");
const app = await runApp({ stage: "dev" }).finally(() => vi.unstubAllEnvs());
afterAll(stopStackHarness);

describe.each([
  [
    "rotation-csr",
    ["iot:AttachThingPrincipal", "iot:DetachThingPrincipal", "iot:ListAttachedPolicies"],
  ],
  ["rotation-commit", ["iot:DetachThingPrincipal", "iot:ListAttachedPolicies"]],
  ["rotation-sweeper", ["iot:DetachThingPrincipal", "iot:ListAttachedPolicies"]],
  ["reconcile-allow-list", ["iot:DetachThingPrincipal", "iot:ListAttachedPolicies"]],
])("%s under the old grants", (handler, refusedActions) => {
  const fn = stageFunctions(app).find((candidate) => candidate.handler === handler);
  if (fn === undefined) throw new Error(`no function runs ${handler}`);
  let sent: Authorization[];

  beforeAll(async () => {
    const scenarios = await recordHandlerCalls(handler, fn.environment, STAGE_SCOPE);
    const calls = scenarios.flatMap((scenario) => scenario.calls);
    sent = distinct(
      (await Promise.all(calls.map((c) => sdkAuthorizations(c, STAGE_SCOPE)))).flat(),
    );
  }, 60_000);

  it(`is refused every ${refusedActions.join(", ")} call, and only those`, async () => {
    const role: SimulatedRole = {
      arn: roleArn(fn.role),
      policies: withOldGrants(rolePolicies(app, fn.role)),
    };

    const refused = await notAllowed(role, sent, STAGE_SCOPE);

    const expected = sent.filter((a) => refusedActions.includes(a.action));
    expect(expected.length).toBeGreaterThan(0);
    expect(refused).toHaveLength(expected.length);
    for (const action of refusedActions) {
      expect(refused.some((line) => line.startsWith(`${action} on `))).toBe(true);
    }
    for (const line of refused) expect(line).toMatch(/: ImplicitlyDenied$/);
  });
});
