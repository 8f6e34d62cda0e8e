import { ProvisioningTemplateError } from "../errors.ts";
import type { IotRegistry } from "./registry.ts";

/** A template value: a literal or `{ "Ref": "<parameter>" }`. */
type TemplateValue = string | { readonly Ref: string };

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly OverrideSettings?: Readonly<Record<string, string>>;
}

/** The part of a fleet provisioning template body the sandbox interprets. */
export interface ProvisioningTemplate {
  readonly Parameters?: Readonly<
    Record<string, { readonly Type: string; readonly Default?: string }>
  >;
  readonly Resources: Readonly<Record<string, TemplateResource>>;
  readonly DeviceConfiguration?: Readonly<Record<string, string>>;
}

/** The parameter AWS IoT sets to the id of the certificate being registered. */
const CERTIFICATE_ID_PARAMETER = "AWS::IoT::Certificate::Id";

/**
 * Applies a provisioning template as AWS IoT's RegisterThing does, for the resource types the
 * product's template uses (developer guide, "Provisioning templates"):
 * - AWS::IoT::Thing: ThingName, AttributePayload, ThingGroups; an existing thing is kept and
 *   its attributes and groups follow OverrideSettings (REPLACE, MERGE, DO_NOTHING or FAIL).
 * - AWS::IoT::Certificate: CertificateId and Status (PENDING_ACTIVATION becomes ACTIVE).
 * - AWS::IoT::Policy: PolicyName of an existing policy, attached to the certificate.
 * The certificate is attached to the thing. Returns the thing name.
 */
export async function applyProvisioningTemplate(
  registry: IotRegistry,
  template: ProvisioningTemplate,
  input: { certificateId: string; parameters: Readonly<Record<string, string>> },
): Promise<{ thingName: string | undefined }> {
  const parameters: Record<string, string> = {};
  for (const [name, declaration] of Object.entries(template.Parameters ?? {})) {
    if (declaration.Default !== undefined) parameters[name] = declaration.Default;
  }
  Object.assign(parameters, input.parameters, { [CERTIFICATE_ID_PARAMETER]: input.certificateId });

  const resolve = (resource: string, value: unknown): string => {
    if (typeof value === "string") return value;
    const ref = (value as { Ref?: unknown } | null)?.Ref;
    if (typeof ref !== "string") {
      throw new ProvisioningTemplateError(resource, `unsupported value ${JSON.stringify(value)}`);
    }
    const resolved = parameters[ref];
    if (resolved === undefined) {
      throw new ProvisioningTemplateError(resource, `parameter ${ref} was not provided`);
    }
    return resolved;
  };

  const resources = Object.entries(template.Resources);
  const ofType = (type: string) => resources.filter(([, resource]) => resource.Type === type);
  const unsupported = resources.find(
    ([, resource]) =>
      !["AWS::IoT::Thing", "AWS::IoT::Certificate", "AWS::IoT::Policy"].includes(resource.Type),
  );
  if (unsupported !== undefined) {
    throw new ProvisioningTemplateError(
      unsupported[0],
      `type ${unsupported[1].Type} is not supported`,
    );
  }

  let thingName: string | undefined;
  for (const [name, resource] of ofType("AWS::IoT::Thing")) {
    thingName = await applyThing(registry, name, resource, resolve);
  }

  let certificateId: string | undefined;
  for (const [name, resource] of ofType("AWS::IoT::Certificate")) {
    const properties = resource.Properties ?? {};
    certificateId = resolve(name, properties.CertificateId);
    const status = resolve(name, properties.Status ?? "ACTIVE").toUpperCase();
    if (status !== "ACTIVE" && status !== "INACTIVE") {
      throw new ProvisioningTemplateError(name, `status ${status} is not ACTIVE or INACTIVE`);
    }
    await registry.updateCertificate(certificateId, status);
  }

  for (const [name, resource] of ofType("AWS::IoT::Policy")) {
    if (certificateId === undefined) {
      throw new ProvisioningTemplateError(
        name,
        "a policy needs a certificate resource to attach to",
      );
    }
    await registry.attachPolicy(resolve(name, resource.Properties?.PolicyName), certificateId);
  }

  if (thingName !== undefined && certificateId !== undefined) {
    await registry.attachThingPrincipal(thingName, certificateId);
  }
  return { thingName };
}

async function applyThing(
  registry: IotRegistry,
  name: string,
  resource: TemplateResource,
  resolve: (resource: string, value: unknown) => string,
): Promise<string> {
  const properties = resource.Properties ?? {};
  const thingName = resolve(name, properties.ThingName);
  const attributes = Object.fromEntries(
    Object.entries((properties.AttributePayload ?? {}) as Record<string, TemplateValue>).map(
      ([key, value]) => [key, resolve(name, value)],
    ),
  );
  const groups = ((properties.ThingGroups ?? []) as TemplateValue[]).map((group) =>
    resolve(name, group),
  );
  const overrides = resource.OverrideSettings ?? {};
  const existing = registry.findThing(thingName);

  if (existing === undefined) {
    await registry.createThing({ thingName, attributes });
    for (const group of groups) await registry.addThingToThingGroup(group, thingName);
    return thingName;
  }
  const attributeOverride = overrides.AttributePayload ?? "DO_NOTHING";
  if (attributeOverride === "FAIL") {
    throw new ProvisioningTemplateError(name, `thing ${thingName} exists and overrides are FAIL`);
  }
  if (attributeOverride === "REPLACE" || attributeOverride === "MERGE") {
    const merged =
      attributeOverride === "MERGE" ? { ...existing.attributes, ...attributes } : attributes;
    await registry.updateThing({ thingName, attributes: merged });
  }
  const groupOverride = overrides.ThingGroups ?? "DO_NOTHING";
  if (groupOverride === "FAIL") {
    throw new ProvisioningTemplateError(name, `thing ${thingName} exists and overrides are FAIL`);
  }
  // REPLACE would also remove the thing from other groups; the sandbox only ever adds.
  if (groupOverride !== "DO_NOTHING") {
    for (const group of groups) await registry.addThingToThingGroup(group, thingName);
  }
  return thingName;
}
