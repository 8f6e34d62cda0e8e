import { createHash } from "node:crypto";

export interface JobTemplateArgs {
  /** The id's stable part (`stageResourceNames`), e.g. `fleet-prod-rotate-certificate`. */
  baseId: string;
  /** Every `AWS::IoT::JobTemplate` property but `JobTemplateId`. */
  properties: $util.Input<Record<string, unknown>>;
  /** The template's ARN from its id (built from the id, as Cloud Control returns no ARN). */
  arn: (id: string) => $util.Output<string>;
}

export interface JobTemplate {
  resource: aws.cloudcontrol.Resource;
  /** `<baseId>-<hash of the properties>`: what jobs are created from. */
  id: $util.Output<string>;
  arn: $util.Output<string>;
}

/** Hex digits of the content hash: 32 bits tell apart the few versions a template ever has. */
const CONTENT_HASH_LENGTH = 8;

/**
 * The id of a job template with these properties: the base id, then a short hash of the
 * properties (sorted keys, so only the content counts).
 */
export function jobTemplateId(baseId: string, properties: Record<string, unknown>): string {
  const digest = createHash("sha256").update(canonicalJson(properties)).digest("hex");
  return `${baseId}-${digest.slice(0, CONTENT_HASH_LENGTH)}`;
}

/**
 * An IoT job template through Cloud Control (pulumi-aws 7 has no job template resource),
 * replacement-safe. Every property of `AWS::IoT::JobTemplate` is create-only (CloudFormation
 * template reference, "Update requires: Replacement" on each), so any change replaces the
 * template, and Pulumi creates the replacement before deleting the old one: with a fixed
 * `JobTemplateId` the create fails with "already exists". The id is derived from the content
 * instead: a change gives a new id (the old template is deleted after the functions have moved
 * to the new one), the same content keeps it. Whoever creates jobs takes the id from here.
 */
export function jobTemplate(name: string, args: JobTemplateArgs): JobTemplate {
  const desired = $output(args.properties).apply((properties) => {
    const id = jobTemplateId(args.baseId, properties as Record<string, unknown>);
    return { id, state: JSON.stringify({ JobTemplateId: id, ...properties }) };
  });
  const resource = new aws.cloudcontrol.Resource(name, {
    typeName: "AWS::IoT::JobTemplate",
    desiredState: desired.state,
  });
  // Read through the resource, so that whoever uses the id waits until the template exists.
  const templateId = desired.apply((value) => value.id);
  const id = resource.id.apply(() => templateId);
  return { resource, id, arn: id.apply(args.arn) };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
