/** One request AWS authorizes against a role: what a simulation evaluates. */
export interface Authorization {
  /** `iot:AttachThingPrincipal`. */
  action: string;
  /** The resource's ARN, or `*` for an action without resource types. */
  resource: string;
  /** Condition keys AWS sets for the request (`iot:thingArn`, `iam:PassedToService`...). */
  context: Record<string, string>;
  /** Who asks: `IoT AttachThingPrincipalCommand`, `Lambda event source mapping`... */
  source: string;
}

export const describeAuthorization = (authorization: Authorization) =>
  `${authorization.action} on ${authorization.resource}${
    Object.keys(authorization.context).length > 0
      ? ` with ${JSON.stringify(authorization.context)}`
      : ""
  } (${authorization.source})`;
