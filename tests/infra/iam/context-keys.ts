import type { AwsScope } from "./aws-scope.ts";

type Input = Record<string, unknown>;

/**
 * Condition keys AWS fills in from a request's parameters, where the stack's grants use them
 * (Service Authorization Reference, "Condition keys" of each service). A key is set only for
 * actions the catalogue lists it for.
 */
const CONTEXT_KEYS: Record<string, (input: Input, scope: AwsScope) => string | undefined> = {
  // AttachThingPrincipal / DetachThingPrincipal: authorized on the certificate, scoped by thing.
  "iot:thingArn": (input, scope) =>
    typeof input.thingName === "string"
      ? `arn:${scope.partition}:iot:${scope.region}:${scope.accountId}:thing/${input.thingName}`
      : undefined,
  "acm-pca:TemplateArn": (input) =>
    typeof input.TemplateArn === "string" ? input.TemplateArn : undefined,
};

/** The request context of an action given its condition keys in the catalogue. */
export function requestContext(
  conditionKeys: string[],
  input: Input,
  scope: AwsScope,
): Record<string, string> {
  const context: Record<string, string> = {};
  for (const key of conditionKeys) {
    const value = CONTEXT_KEYS[key]?.(input, scope);
    if (value !== undefined) context[key] = value;
  }
  return context;
}
