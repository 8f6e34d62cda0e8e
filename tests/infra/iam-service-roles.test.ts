import { afterAll, describe, expect, it, vi } from "vitest";
import { runApp, stopStackHarness } from "./harness/index.ts";
import { OTHER_ACCOUNT_ID, STAGE_SCOPE } from "./iam/aws-scope.ts";
import { allowed, notAllowed, type SimulatedRole } from "./iam/evaluate-role.ts";
import {
  functionNamed,
  functionResourcePolicy,
  stageInvocations,
} from "./iam/function-invocations.ts";
import { inAnotherStage, mustBeDenied, sensitiveRequests } from "./iam/least-privilege.ts";
import { roleByArn, rolePolicies } from "./iam/role-policies.ts";
import { serviceRoleUses } from "./iam/service-role-uses.ts";
import { simulateInvocation, simulateTrust } from "./iam/simulate.ts";

// The roles AWS services assume (topic rule actions, fleet provisioning, Device Defender,
// IoT Jobs presigning), simulated against what each service does with them.
vi.stubEnv("FLEET_TELEMETRY_STORE", "timestream");
const app = await runApp({ stage: "dev" }).finally(() => vi.unstubAllEnvs());
afterAll(stopStackHarness);
const sensitive = sensitiveRequests(app, STAGE_SCOPE);

/**
 * AWSIoTThingsRegistration, the managed policy AWS IoT's fleet provisioning guide names for the
 * provisioning role, also grants detaching policies and principals (on "*"), which a template
 * run never does. Kept: no scoped policy has been proven against a real RegisterThing, and a
 * refused run would deny every device. These are the only sensitive requests it adds.
 */
const PROVISIONING_MANAGED_SURPLUS = new Set(["iot:DetachPolicy", "iot:DetachThingPrincipal"]);
const tolerated = (use: string) => (action: string) =>
  use.startsWith("provisioning template") && PROVISIONING_MANAGED_SURPLUS.has(action);

for (const use of serviceRoleUses(app, STAGE_SCOPE)) {
  describe(use.use, () => {
    const resource = roleByArn(app, use.roleArn);
    const role: SimulatedRole = { arn: use.roleArn, policies: rolePolicies(app, resource) };
    const trust = JSON.parse(resource.inputs.assumeRolePolicy as string);

    it(`is allowed what the service does: ${[...new Set(use.authorizations.map((a) => a.action))].join(", ")}`, async () => {
      expect(await notAllowed(role, use.authorizations, STAGE_SCOPE)).toEqual([]);
    });

    it("is denied the same requests aimed at another stage's resources", async () => {
      const elsewhere = use.authorizations.flatMap((a) => inAnotherStage(a, STAGE_SCOPE) ?? []);
      expect(await allowed(role, elsewhere, STAGE_SCOPE)).toEqual([]);
    });

    it("is denied the sensitive requests the service never makes, and any IAM change", async () => {
      const uses = serviceRoleUses(app, STAGE_SCOPE).filter((u) => u.roleArn === use.roleArn);
      const own = uses.flatMap((u) => u.authorizations);
      const denied = mustBeDenied(sensitive, own).filter((a) => !tolerated(use.use)(a.action));
      expect(await allowed(role, denied, STAGE_SCOPE)).toEqual([]);
    });

    it(`may be assumed by ${use.assumedBy.service} for this use, and not from another account`, async () => {
      const { service, context } = use.assumedBy;
      expect(await simulateTrust(use.roleArn, trust, service, context, STAGE_SCOPE)).toBe(
        "Allowed",
      );
      const foreign = { ...context, "aws:SourceAccount": OTHER_ACCOUNT_ID };
      expect(await simulateTrust(use.roleArn, trust, service, foreign, STAGE_SCOPE)).not.toBe(
        "Allowed",
      );
      expect(
        await simulateTrust(use.roleArn, trust, "lambda.amazonaws.com", context, STAGE_SCOPE),
      ).not.toBe("Allowed");
    });
  });
}

// Lambda invocations are authorized by each function's resource policy (its permissions).
describe.each(
  stageInvocations(app, STAGE_SCOPE).map((invocation) => [invocation.trigger, invocation]),
)("%s", (_, invocation) => {
  const policy = functionResourcePolicy(app, invocation.functionArn);
  const { functionArn, service, context } = invocation;

  it(`may invoke ${functionNamed(app, functionArn)}`, async () => {
    expect(await simulateInvocation(functionArn, policy, service, context, STAGE_SCOPE)).toBe(
      "Allowed",
    );
  });

  it("is the only source that may: another account or another resource is refused", async () => {
    const elsewhere = {
      "aws:SourceAccount": OTHER_ACCOUNT_ID,
      "aws:SourceArn":
        context["aws:SourceArn"]?.replace(`:${STAGE_SCOPE.accountId}:`, `:${OTHER_ACCOUNT_ID}:`) ??
        "",
    };
    expect(await simulateInvocation(functionArn, policy, service, elsewhere, STAGE_SCOPE)).not.toBe(
      "Allowed",
    );
    expect(
      await simulateInvocation(functionArn, policy, "lambda.amazonaws.com", context, STAGE_SCOPE),
    ).not.toBe("Allowed");
  });
});
