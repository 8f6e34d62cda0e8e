import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordHandlerCalls } from "../../../packages/functions/tests/sdk-calls/record-handler-calls.ts";
import { runApp, stopStackHarness } from "../harness/index.ts";
import type { Authorization } from "./authorization.ts";
import { STAGE_SCOPE } from "./aws-scope.ts";
import { allowed, distinct, notAllowed, type SimulatedRole } from "./evaluate-role.ts";
import { lambdaServiceAuthorizations } from "./lambda-service-authorizations.ts";
import { inAnotherStage, mustBeDenied, sensitiveRequests } from "./least-privilege.ts";
import { roleArn, rolePolicies } from "./role-policies.ts";
import { sdkAuthorizations } from "./sdk-authorizations.ts";
import { stageFunctions } from "./stage-functions.ts";

const RECORDING_TIMEOUT_MS = 60_000;

/** Every action a role's policies allow, each once. */
const grantedActions = (role: SimulatedRole): string[] => [
  ...new Set(
    role.policies.flatMap((policy) =>
      (
        policy.document as { Statement: { Effect: string; Action: string | string[] }[] }
      ).Statement.filter((statement) => statement.Effect === "Allow").flatMap((statement) =>
        [statement.Action].flat(),
      ),
    ),
  ),
];

/**
 * Every Lambda function of the stage `run` deploys (the whole app under the infra mocks, with
 * `env` as the deploy's environment), simulated against the role the stack gives it:
 * - each AWS SDK call its handler sends on the paths of its scenarios
 *   (packages/functions/tests/sdk-calls/scenarios/<handler>.ts) is allowed, as is what Lambda
 *   itself does with the role;
 * - it is granted no action that neither its calls nor Lambda need (so its scenarios drive every
 *   path its grants are for);
 * - the same calls aimed at another stage, the sensitive requests it never sends, and IAM
 *   changes are denied.
 * A function without scenarios fails (MissingScenariosError): new functions are covered as they
 * are added.
 */
export async function describeFunctionRoles(run: {
  stage: string;
  env: Record<string, string>;
}): Promise<void> {
  for (const [key, value] of Object.entries(run.env)) vi.stubEnv(key, value);
  const app = await runApp({ stage: run.stage }).finally(() => vi.unstubAllEnvs());
  afterAll(stopStackHarness);
  const sensitive = sensitiveRequests(app, STAGE_SCOPE);

  for (const fn of stageFunctions(app)) {
    describe(`${fn.name} (${fn.handler})`, () => {
      const role: SimulatedRole = { arn: roleArn(fn.role), policies: rolePolicies(app, fn.role) };
      let sent: Authorization[];

      beforeAll(async () => {
        const scenarios = await recordHandlerCalls(fn.handler, fn.environment, STAGE_SCOPE);
        const perCall = await Promise.all(
          scenarios.flatMap(({ calls }) =>
            calls.map((call) => sdkAuthorizations(call, STAGE_SCOPE)),
          ),
        );
        sent = distinct(perCall.flat());
      }, RECORDING_TIMEOUT_MS);

      it("is allowed every AWS call its handler sends", async () => {
        expect(await notAllowed(role, sent, STAGE_SCOPE)).toEqual([]);
      });

      it("is allowed what Lambda does with its role (logs, event sources, destinations, VPC)", async () => {
        const service = lambdaServiceAuthorizations(app, fn, STAGE_SCOPE);
        expect(await notAllowed(role, service, STAGE_SCOPE)).toEqual([]);
      });

      it("is granted no action its handler and Lambda never need", () => {
        const needed = new Set(
          [...sent, ...lambdaServiceAuthorizations(app, fn, STAGE_SCOPE)].map((a) => a.action),
        );
        expect(grantedActions(role).filter((action) => !needed.has(action))).toEqual([]);
      });

      it("is denied its own calls aimed at another stage's resources", async () => {
        const elsewhere = sent.flatMap((a) => inAnotherStage(a, STAGE_SCOPE) ?? []);
        expect(await allowed(role, elsewhere, STAGE_SCOPE)).toEqual([]);
      });

      it("is denied the sensitive requests it never sends, and any IAM change", async () => {
        const own = [...sent, ...lambdaServiceAuthorizations(app, fn, STAGE_SCOPE)];
        expect(await allowed(role, mustBeDenied(sensitive, own), STAGE_SCOPE)).toEqual([]);
      });
    });
  }
}
