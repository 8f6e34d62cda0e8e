// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IoT policy variables are literal ${...} text, not template placeholders.
import {
  claimPolicyDocument,
  devicePolicyDocument,
  type IotPolicyStatement,
  iotResourceArn,
  type PolicyScope,
} from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import {
  evaluatePolicies,
  type IotAction,
  type NamedPolicy,
  type PolicyContext,
  type PolicyDecision,
} from "../../src/iot-core/policy-evaluator.ts";

const scope: PolicyScope = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };
const client = (id: string) => iotResourceArn(scope, "client", id);
const topic = (name: string) => iotResourceArn(scope, "topic", name);
const filter = (name: string) => iotResourceArn(scope, "topicfilter", name);

// The real documents the stacks deploy.
const devicePolicy: NamedPolicy = { name: "fleet-device", document: devicePolicyDocument(scope) };
const claimPolicy: NamedPolicy = {
  name: "fleet-claim",
  document: claimPolicyDocument({ ...scope, templateName: "fleet-template" }),
};

type Condition = IotPolicyStatement["Condition"];
function statementPolicy(
  Effect: "Allow" | "Deny",
  Action: string | string[],
  Resource: string | string[],
  Condition?: Condition,
): NamedPolicy {
  const statement: IotPolicyStatement = {
    Effect,
    Action,
    Resource,
    ...(Condition && { Condition }),
  };
  return {
    name: Effect.toLowerCase(),
    document: { Version: "2012-10-17", Statement: [statement] },
  };
}
const allow = (action: string | string[], resource: string | string[], condition?: Condition) =>
  statementPolicy("Allow", action, resource, condition);
const deny = (action: string | string[], resource: string | string[], condition?: Condition) =>
  statementPolicy("Deny", action, resource, condition);
const allowAll = allow("iot:*", "*");

const device: PolicyContext = {
  clientId: "rpi-0001",
  certificateId: "a".repeat(64),
  thingName: "rpi-0001",
  thingAttributes: { site: "lyon" },
  certificateSubject: { CN: "rpi-0001", O: "Example Corp" },
};
/** A device certificate that is registered but not attached to any thing. */
const unattached: PolicyContext = { clientId: "rpi-0001", certificateId: "b".repeat(64) };
const claim: PolicyContext = { clientId: "claim-rpi-0001", certificateId: "c".repeat(64) };

type Case = [string, NamedPolicy[], IotAction, string, PolicyContext, PolicyDecision["reason"]];

// biome-ignore format: one case per line reads as a table
const cases: Case[] = [
  // Device policy.
  ["device connects as its own thing", [devicePolicy], "iot:Connect", client("rpi-0001"), device, "allowed"],
  ["device connects under another thing's client id", [devicePolicy], "iot:Connect", client("rpi-0002"), device, "implicit-deny"],
  ["certificate without a thing cannot connect", [devicePolicy], "iot:Connect", client("rpi-0001"), unattached, "implicit-deny"],
  ["device publishes its own telemetry", [devicePolicy], "iot:Publish", topic("dt/rpi-0001/telemetry"), device, "allowed"],
  ["device publishes another thing's telemetry", [devicePolicy], "iot:Publish", topic("dt/rpi-0002/telemetry"), device, "implicit-deny"],
  ["certificate without a thing cannot publish (variable unresolved)", [devicePolicy], "iot:Publish", topic("dt/rpi-0001/telemetry"), unattached, "implicit-deny"],
  ["unresolved variable grants nothing even to its literal text", [devicePolicy], "iot:Publish", topic("dt/${iot:Connection.Thing.ThingName}/telemetry"), unattached, "implicit-deny"],
  ["device replies to its own command", [devicePolicy], "iot:Publish", topic("cmd/rpi-0001/reboot/accepted"), device, "allowed"],
  ["device cannot publish a command to itself", [devicePolicy], "iot:Publish", topic("cmd/rpi-0001/reboot"), device, "implicit-deny"],
  ["device uses its own jobs API", [devicePolicy], "iot:Publish", topic("$aws/things/rpi-0001/jobs/start-next"), device, "allowed"],
  ["device cannot touch another thing's jobs", [devicePolicy], "iot:Publish", topic("$aws/things/rpi-0002/jobs/start-next"), device, "implicit-deny"],
  ["device subscribes to its own commands with +", [devicePolicy], "iot:Subscribe", filter("cmd/rpi-0001/+"), device, "allowed"],
  ["device cannot subscribe to every thing's commands", [devicePolicy], "iot:Subscribe", filter("cmd/+/reboot"), device, "implicit-deny"],
  ["device cannot subscribe to #", [devicePolicy], "iot:Subscribe", filter("#"), device, "implicit-deny"],
  ["device receives its own commands", [devicePolicy], "iot:Receive", topic("cmd/rpi-0001/reboot"), device, "allowed"],
  ["device does not receive another thing's job notifications", [devicePolicy], "iot:Receive", topic("$aws/things/rpi-0002/jobs/notify-next"), device, "implicit-deny"],
  ["device policy grants no retained publish", [devicePolicy], "iot:RetainPublish", topic("dt/rpi-0001/telemetry"), device, "implicit-deny"],
  // Device logs: a device ships only its own, and reads nobody's (not even its own).
  ["device ships its own logs", [devicePolicy], "iot:Publish", topic("dt/rpi-0001/logs"), device, "allowed"],
  ["device cannot publish another thing's logs", [devicePolicy], "iot:Publish", topic("dt/rpi-0002/logs"), device, "implicit-deny"],
  ["device cannot subscribe to another thing's logs", [devicePolicy], "iot:Subscribe", filter("dt/rpi-0002/logs"), device, "implicit-deny"],
  ["device cannot subscribe to every thing's logs", [devicePolicy], "iot:Subscribe", filter("dt/+/logs"), device, "implicit-deny"],
  ["device cannot receive another thing's logs", [devicePolicy], "iot:Receive", topic("dt/rpi-0002/logs"), device, "implicit-deny"],
  ["device publishes under dt/ only its telemetry and logs", [devicePolicy], "iot:Publish", topic("dt/rpi-0001/other"), device, "implicit-deny"],
  ["claim cannot ship logs", [claimPolicy], "iot:Publish", topic("dt/rpi-0001/logs"), claim, "implicit-deny"],
  // Claim policy.
  ["claim connects with a claim- client id", [claimPolicy], "iot:Connect", client("claim-rpi-0001"), claim, "allowed"],
  ["claim cannot connect as a thing", [claimPolicy], "iot:Connect", client("rpi-0001"), claim, "implicit-deny"],
  ["claim requests a certificate from a CSR", [claimPolicy], "iot:Publish", topic("$aws/certificates/create-from-csr/json"), claim, "allowed"],
  ["claim registers a thing with its template", [claimPolicy], "iot:Publish", topic("$aws/provisioning-templates/fleet-template/provision/json"), claim, "allowed"],
  ["claim cannot use another template", [claimPolicy], "iot:Publish", topic("$aws/provisioning-templates/other-template/provision/json"), claim, "implicit-deny"],
  ["claim cannot use CreateKeysAndCertificate", [claimPolicy], "iot:Publish", topic("$aws/certificates/create/json"), claim, "implicit-deny"],
  ["claim subscribes to provisioning replies", [claimPolicy], "iot:Subscribe", filter("$aws/certificates/create-from-csr/json/accepted"), claim, "allowed"],
  ["claim receives provisioning replies", [claimPolicy], "iot:Receive", topic("$aws/provisioning-templates/fleet-template/provision/json/rejected"), claim, "allowed"],
  ["claim cannot publish telemetry", [claimPolicy], "iot:Publish", topic("dt/rpi-0001/telemetry"), claim, "implicit-deny"],
  ["claim cannot read a thing's jobs", [claimPolicy], "iot:Subscribe", filter("$aws/things/rpi-0001/jobs/notify-next"), claim, "implicit-deny"],
  // Precedence.
  ["Deny in one policy beats Allow in another", [allowAll, deny("iot:Publish", topic("secret/*"))], "iot:Publish", topic("secret/plans"), device, "explicit-deny"],
  ["Deny wins whatever the policy order", [deny("iot:Publish", topic("secret/*")), allowAll], "iot:Publish", topic("secret/plans"), device, "explicit-deny"],
  ["a Deny elsewhere leaves other resources allowed", [allowAll, deny("iot:Publish", topic("secret/*"))], "iot:Publish", topic("public/news"), device, "allowed"],
  ["no policy at all denies", [], "iot:Connect", client("rpi-0001"), device, "implicit-deny"],
  // Wildcards.
  ["? matches exactly one character", [allow("iot:Publish", topic("sensor/?"))], "iot:Publish", topic("sensor/1"), device, "allowed"],
  ["? does not match two characters", [allow("iot:Publish", topic("sensor/?"))], "iot:Publish", topic("sensor/12"), device, "implicit-deny"],
  ["* matches across topic levels", [allow("iot:Publish", topic("sensor/*"))], "iot:Publish", topic("sensor/1/2/3"), device, "allowed"],
  ["* matches anywhere in the ARN", [allow("iot:Publish", "arn:aws:iot:*:123456789012:topic/a/*/c")], "iot:Publish", topic("a/b/x/c"), device, "allowed"],
  ["+ in a policy is literal, not a topic wildcard", [allow("iot:Subscribe", filter("cmd/+/x"))], "iot:Subscribe", filter("cmd/a/x"), device, "implicit-deny"],
  ["+ in a policy matches the literal + filter", [allow("iot:Subscribe", filter("cmd/+/x"))], "iot:Subscribe", filter("cmd/+/x"), device, "allowed"],
  ["# in a policy is literal", [allow("iot:Subscribe", filter("logs/#"))], "iot:Subscribe", filter("logs/app"), device, "implicit-deny"],
  ["${*} is a literal asterisk", [allow("iot:Publish", topic("star/${*}"))], "iot:Publish", topic("star/*"), device, "allowed"],
  ["${*} is not a wildcard", [allow("iot:Publish", topic("star/${*}"))], "iot:Publish", topic("star/x"), device, "implicit-deny"],
  ["${?} and ${$} are literal", [allow("iot:Publish", topic("${$}q${?}"))], "iot:Publish", topic("$q?"), device, "allowed"],
  // Actions.
  ["iot:* covers Receive", [allowAll], "iot:Receive", topic("any/topic"), device, "allowed"],
  ["an Action list grants what it names", [allow(["iot:Publish", "iot:Receive"], "*")], "iot:Receive", topic("a"), device, "allowed"],
  ["an Action list grants nothing else", [allow(["iot:Publish", "iot:Receive"], "*")], "iot:Subscribe", filter("a"), device, "implicit-deny"],
  ["an Action wildcard can name a family", [allow("iot:*Publish", "*")], "iot:RetainPublish", topic("a"), device, "allowed"],
  // Variables.
  ["a client id + only grants that literal filter", [allow("iot:Subscribe", filter("my/${iot:ClientId}/topic"))], "iot:Subscribe", filter("my/+/topic"), { ...device, clientId: "+" }, "allowed"],
  ["a client id * is substituted literally", [allow("iot:Publish", topic("my/${iot:ClientId}"))], "iot:Publish", topic("my/anything"), { ...device, clientId: "*" }, "implicit-deny"],
  ["certificate id variable", [allow("iot:Publish", topic("${iot:CertificateId}"))], "iot:Publish", topic("a".repeat(64)), device, "allowed"],
  ["thing attribute variable", [allow("iot:Publish", topic("site/${iot:Connection.Thing.Attributes[site]}/*"))], "iot:Publish", topic("site/lyon/door"), device, "allowed"],
  ["a missing thing attribute grants nothing", [allow("iot:Publish", topic("site/${iot:Connection.Thing.Attributes[room]}/*"))], "iot:Publish", topic("site//door"), device, "implicit-deny"],
  ["an unresolved variable in a Deny does not deny everything", [allowAll, deny("iot:Publish", topic("site/${iot:Connection.Thing.Attributes[room]}"))], "iot:Publish", topic("site/lyon"), device, "allowed"],
  ["an unresolved variable in a Deny still denies its literal text", [allowAll, deny("iot:Publish", topic("site/${iot:Connection.Thing.Attributes[room]}"))], "iot:Publish", topic("site/${iot:Connection.Thing.Attributes[room]}"), device, "explicit-deny"],
  ["subject common name variable", [allow("iot:Publish", topic("cn/${iot:Certificate.Subject.CommonName}"))], "iot:Publish", topic("cn/rpi-0001"), device, "allowed"],
  ["a subject holding a wildcard is not substituted", [allow("iot:Publish", topic("cn/${iot:Certificate.Subject.CommonName}"))], "iot:Publish", topic("cn/rpi-*"), { ...device, certificateSubject: { CN: "rpi-*" } }, "implicit-deny"],
  ["an unknown variable never resolves", [allow("iot:Publish", topic("t/${iot:Connection.Thing.ThingTypeName}"))], "iot:Publish", topic("t/"), device, "implicit-deny"],
  // Conditions.
  ["IsAttached holds for an attached certificate", [allow("iot:Connect", "*", { Bool: { "iot:Connection.Thing.IsAttached": "true" } })], "iot:Connect", client("x"), device, "allowed"],
  ["IsAttached fails without a thing", [allow("iot:Connect", "*", { Bool: { "iot:Connection.Thing.IsAttached": ["true"] } })], "iot:Connect", client("x"), unattached, "implicit-deny"],
  ["StringLike on the client id", [allow("iot:Connect", "*", { StringLike: { "iot:ClientId": "rpi-*" } })], "iot:Connect", client("rpi-0001"), device, "allowed"],
  ["StringEquals treats * literally", [allow("iot:Connect", "*", { StringEquals: { "iot:ClientId": "rpi-*" } })], "iot:Connect", client("rpi-0001"), device, "implicit-deny"],
  ["a condition value may hold a variable", [allow("iot:Connect", "*", { StringEquals: { "iot:ClientId": "${iot:Connection.Thing.ThingName}" } })], "iot:Connect", client("other"), { ...device, clientId: "other" }, "implicit-deny"],
  ["a negated operator with an unresolved variable grants nothing", [allow("iot:Connect", "*", { StringNotEquals: { "iot:ClientId": "${iot:Connection.Thing.ThingName}" } })], "iot:Connect", client("rpi-0001"), unattached, "implicit-deny"],
  ["a negated operator holds when the key is absent (IAM)", [allow("iot:Connect", "*", { StringNotEquals: { "iot:Connection.Thing.ThingName": "blocked" } })], "iot:Connect", client("rpi-0001"), unattached, "allowed"],
  ["IfExists holds when the key is absent", [allow("iot:Connect", "*", { StringEqualsIfExists: { "iot:Connection.Thing.ThingName": "rpi-0001" } })], "iot:Connect", client("rpi-0001"), unattached, "allowed"],
  ["Null true requires the key to be absent", [allow("iot:Connect", "*", { Null: { "iot:Connection.Thing.ThingName": "true" } })], "iot:Connect", client("rpi-0001"), device, "implicit-deny"],
  ["ForAllValues holds on an absent key", [allow("iot:Connect", "*", { "ForAllValues:StringEquals": { "iot:Connection.Thing.ThingName": "x" } })], "iot:Connect", client("c"), unattached, "allowed"],
  ["ForAnyValue fails on an absent key", [allow("iot:Connect", "*", { "ForAnyValue:StringEquals": { "iot:Connection.Thing.ThingName": "x" } })], "iot:Connect", client("c"), unattached, "implicit-deny"],
  ["an unsupported operator makes an Allow not apply", [allow("iot:Connect", "*", { NumericLessThan: { "iot:ClientId": "5" } })], "iot:Connect", client("rpi-0001"), device, "implicit-deny"],
  ["an unsupported key makes an Allow not apply", [allow("iot:Connect", "*", { StringEquals: { "iot:Connection.Thing.ThingTypeName": "pi" } })], "iot:Connect", client("rpi-0001"), device, "implicit-deny"],
  ["an unsupported condition makes a Deny apply", [allowAll, deny("iot:Connect", "*", { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } })], "iot:Connect", client("rpi-0001"), device, "explicit-deny"],
];

describe("evaluatePolicies", () => {
  it.each(cases)("%s", (_name, policies, action, resource, context, expected) => {
    const decision = evaluatePolicies(policies, { action, resource, context });
    expect(decision.reason).toBe(expected);
    expect(decision.allowed).toBe(expected === "allowed");
  });

  it("names the policy and statement that allowed", () => {
    const resource = topic("dt/rpi-0001/telemetry");
    expect(
      evaluatePolicies([claimPolicy, devicePolicy], {
        action: "iot:Publish",
        resource,
        context: device,
      }),
    ).toEqual({
      allowed: true,
      reason: "allowed",
      sid: "PublishOwnTopics",
      policyName: "fleet-device",
    });
  });

  it("names the policy that denied", () => {
    const denySecrets = deny("iot:Publish", topic("secret/*"));
    const decision = evaluatePolicies([allowAll, denySecrets], {
      action: "iot:Publish",
      resource: topic("secret/plans"),
      context: device,
    });
    expect(decision).toMatchObject({ allowed: false, reason: "explicit-deny", policyName: "deny" });
  });

  it("evaluates one compiled document for different connections independently", () => {
    const resource = topic("dt/rpi-0002/telemetry");
    const other: PolicyContext = { ...device, clientId: "rpi-0002", thingName: "rpi-0002" };
    const publish = (context: PolicyContext) =>
      evaluatePolicies([devicePolicy], { action: "iot:Publish", resource, context }).allowed;
    expect([publish(device), publish(other), publish(device)]).toEqual([false, true, false]);
  });
});
