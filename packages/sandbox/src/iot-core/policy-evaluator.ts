import type { IotPolicyDocument, IotPolicyStatement } from "@fleet/core/contracts";

/**
 * AWS IoT Core policy evaluation for the sandbox broker: the same policy JSON the stacks deploy
 * decides here what a connection may do. What AWS documents, and what this follows
 * (AWS IoT Core developer guide pages unless noted):
 *
 * - iot-policy-variables: `*` in a policy matches any run of characters (including `/`), `?`
 *   one character, `+` and `#` are literal; `${*}`, `${?}` and `${$}` stand for the literal
 *   characters. Wildcards apply to the whole resource ARN, as in IAM.
 * - Variables: `iot:ClientId` (basic-policy-variables); `iot:Connection.Thing.ThingName`,
 *   `.IsAttached` and `.Attributes[name]` (thing-policy-variables); `iot:CertificateId`
 *   (certificate-policy-examples); `iot:Certificate.Subject.<Field>` (cert-policy-variables).
 *   Substituted values are matched literally: a client id `*` never widens a resource.
 * - Unresolved variables: "If the device certificate is not associated with the thing, this
 *   variable won't be resolved and will result in an access denied error"
 *   (thing-policy-examples); a certificate attribute holding wildcard characters or longer
 *   than 1024 characters is not substituted, "leaving the ${policy-variable} text in the
 *   policy document" (cert-policy-variables). So in a Deny statement the `${...}` text stays
 *   and is matched literally, as AWS does; in an Allow statement a resource or condition
 *   value with an unresolved variable grants nothing, so no one gains access by naming a
 *   topic that literally contains `${...}` (deny-safe).
 * - Conditions (IAM "condition operators"): operators AND together, a key's values OR (NOR
 *   for negated operators). A key absent from the connection makes the condition false,
 *   except negated operators (true), `...IfExists` (true) and `Null`. `ForAllValues:` is true
 *   and `ForAnyValue:` false on an absent key; every supported key is single-valued.
 * - Evaluation (IAM "policy evaluation logic"): an explicit Deny in any policy wins over every
 *   Allow; without a matching Allow the request is implicitly denied.
 *
 * Supported condition operators: `StringEquals`, `StringNotEquals`, `StringLike`,
 * `StringNotLike`, `Bool` (each with optional `ForAnyValue:`/`ForAllValues:` and `IfExists`),
 * and `Null`. Supported keys: the variables above. Anything else cannot be evaluated here, so
 * it is treated conservatively: an Allow statement with such a condition never applies, and a
 * Deny statement with one applies whenever its action and resource match.
 *
 * Documents are compiled once (WeakMap keyed by the document object; treat documents as
 * immutable) and evaluation allocates at most the returned decision.
 */

export type IotAction =
  | "iot:Connect"
  | "iot:Publish"
  | "iot:Subscribe"
  | "iot:Receive"
  | "iot:RetainPublish";

/** What the broker knows about the connection. */
export interface PolicyContext {
  clientId: string;
  certificateId: string;
  /** Thing attached to the certificate, if any. */
  thingName?: string;
  thingAttributes?: Record<string, string>;
  /** Subject of the client certificate by OpenSSL short name, e.g. `{ CN: "...", O: "..." }`. */
  certificateSubject?: Record<string, string>;
}

export interface AuthorizationRequest {
  action: IotAction;
  /** Full ARN, e.g. `arn:aws:iot:us-east-1:123456789012:topic/dt/thing-1/telemetry`. */
  resource: string;
  context: PolicyContext;
}

export interface PolicyDecision {
  allowed: boolean;
  reason: "allowed" | "explicit-deny" | "implicit-deny";
  /** Statement that decided (Sid of the matching Allow or Deny), when it has one. */
  sid?: string;
  policyName?: string;
}

export interface NamedPolicy {
  name: string;
  document: IotPolicyDocument;
}

export function evaluatePolicies(
  policies: readonly NamedPolicy[],
  request: AuthorizationRequest,
): PolicyDecision {
  const bit = ACTION_BITS.get(request.action) ?? 0;
  let allow: PolicyDecision | undefined;
  for (const policy of policies) {
    for (const statement of compiledStatements(policy.document)) {
      if ((statement.actions & bit) === 0) continue;
      // Once something allows, only a Deny can change the answer.
      if (!statement.deny && allow !== undefined) continue;
      if (!statementApplies(statement, request)) continue;
      if (statement.deny) {
        return {
          allowed: false,
          reason: "explicit-deny",
          sid: statement.sid,
          policyName: policy.name,
        };
      }
      allow = { allowed: true, reason: "allowed", sid: statement.sid, policyName: policy.name };
    }
  }
  return allow ?? IMPLICIT_DENY;
}

const IMPLICIT_DENY: PolicyDecision = Object.freeze({
  allowed: false,
  reason: "implicit-deny",
});

const ACTIONS: readonly IotAction[] = [
  "iot:Connect",
  "iot:Publish",
  "iot:Subscribe",
  "iot:Receive",
  "iot:RetainPublish",
];
const ACTION_BITS = new Map(ACTIONS.map((action, index) => [action, 1 << index]));

// ---- patterns ------------------------------------------------------------------------------

/** Part kinds of a compiled pattern; TEXT and VARIABLE parts both match as literal text. */
const TEXT = 0;
const STAR = 1;
const ONE = 2;
const VARIABLE = 3;

type Resolver = (context: PolicyContext) => string | undefined;

interface Pattern {
  kinds: Uint8Array;
  /** Literal text of TEXT parts; the raw `${...}` of VARIABLE parts. */
  texts: readonly (string | undefined)[];
  /** Resolver of each VARIABLE part. */
  resolvers: readonly (Resolver | undefined)[];
  hasVariables: boolean;
}

/**
 * Split a policy string into literal text, `*`/`?` wildcards (when `wildcards`) and
 * `${...}` variables. An unknown variable name never resolves.
 */
function compilePattern(source: string, wildcards: boolean): Pattern {
  const kinds: number[] = [];
  const texts: (string | undefined)[] = [];
  const resolvers: (Resolver | undefined)[] = [];
  let text = "";
  const flushText = () => {
    if (text === "") return;
    kinds.push(TEXT);
    texts.push(text);
    resolvers.push(undefined);
    text = "";
  };
  let i = 0;
  while (i < source.length) {
    const char = source.charAt(i);
    if (char === "$" && source.charAt(i + 1) === "{") {
      const end = source.indexOf("}", i + 2);
      if (end !== -1) {
        const name = source.slice(i + 2, end);
        if (name === "*" || name === "?" || name === "$") {
          text += name;
        } else {
          flushText();
          kinds.push(VARIABLE);
          texts.push(source.slice(i, end + 1));
          resolvers.push(resolverFor(name) ?? NEVER_RESOLVES);
        }
        i = end + 1;
        continue;
      }
    }
    if (wildcards && (char === "*" || char === "?")) {
      flushText();
      kinds.push(char === "*" ? STAR : ONE);
      texts.push(undefined);
      resolvers.push(undefined);
    } else {
      text += char;
    }
    i += 1;
  }
  flushText();
  return {
    kinds: Uint8Array.from(kinds),
    texts,
    resolvers,
    hasVariables: kinds.includes(VARIABLE),
  };
}

const NEVER_RESOLVES: Resolver = () => undefined;

// Reused by every evaluation (evaluation is synchronous), so substituting allocates nothing.
const substituted: (string | undefined)[] = [];

/**
 * The texts of `pattern` with its variables substituted from `context`. An unresolved variable
 * keeps its `${...}` text when `keepUnresolved` (Deny), else the pattern is void: undefined.
 */
function substitute(
  pattern: Pattern,
  context: PolicyContext,
  keepUnresolved: boolean,
): readonly (string | undefined)[] | undefined {
  if (!pattern.hasVariables) return pattern.texts;
  const { kinds, texts, resolvers } = pattern;
  for (let i = 0; i < kinds.length; i++) {
    if (kinds[i] !== VARIABLE) {
      substituted[i] = texts[i];
      continue;
    }
    const value = (resolvers[i] as Resolver)(context);
    if (value === undefined && !keepUnresolved) return undefined;
    substituted[i] = value ?? texts[i];
  }
  return substituted;
}

/**
 * Wildcard match of `value` against pattern parts, literal parts compared whole. Greedy with
 * backtracking to the last `*` only, which is exact for `*`/`?` globs and linear in practice.
 */
function globMatch(
  kinds: Uint8Array,
  texts: readonly (string | undefined)[],
  value: string,
  start: number,
): boolean {
  const parts = kinds.length;
  let pi = 0;
  let si = start;
  let starPi = -1;
  let starSi = 0;
  while (si < value.length) {
    if (pi < parts) {
      const kind = kinds[pi];
      if (kind === STAR) {
        if (pi === parts - 1) return true;
        starPi = pi++;
        starSi = si;
        continue;
      }
      if (kind === ONE) {
        pi++;
        si++;
        continue;
      }
      const text = texts[pi] as string;
      if (value.startsWith(text, si)) {
        pi++;
        si += text.length;
        continue;
      }
    }
    if (starPi < 0) return false;
    pi = starPi + 1;
    si = ++starSi;
  }
  while (pi < parts && (kinds[pi] === STAR || texts[pi] === "")) pi++;
  return pi === parts;
}

/** Match `value` from index `start`; undefined when an unresolved variable voids the pattern. */
function matchesPattern(
  pattern: Pattern,
  value: string,
  start: number,
  context: PolicyContext,
  keepUnresolved: boolean,
): boolean | undefined {
  const texts = substitute(pattern, context, keepUnresolved);
  return texts === undefined ? undefined : globMatch(pattern.kinds, texts, value, start);
}

// ---- variables and condition keys ----------------------------------------------------------

/** Certificate subject fields AWS names, mapped to the OpenSSL short names Node reports. */
const SUBJECT_FIELDS = new Map([
  ["commonname", "CN"],
  ["organization", "O"],
  ["organizationalunit", "OU"],
  ["country", "C"],
  ["state", "ST"],
  ["serialnumber", "serialNumber"],
  ["title", "title"],
  ["surname", "SN"],
  ["givenname", "GN"],
  ["initials", "initials"],
  ["pseudonym", "pseudonym"],
  ["generationqualifier", "generationQualifier"],
  ["distinguishednamequalifier", "dnQualifier"],
]);
const CERTIFICATE_ATTRIBUTE_MAX = 1024;

const FIXED_RESOLVERS = new Map<string, Resolver>([
  ["iot:clientid", (context) => context.clientId],
  ["iot:certificateid", (context) => context.certificateId],
  ["iot:connection.thing.thingname", (context) => context.thingName],
  [
    "iot:connection.thing.isattached",
    (context) => (context.thingName === undefined ? "false" : "true"),
  ],
]);

/** The value source of a variable or condition key (names are case-insensitive, as in IAM). */
function resolverFor(name: string): Resolver | undefined {
  const fixed = FIXED_RESOLVERS.get(name.toLowerCase());
  if (fixed !== undefined) return fixed;
  const attribute = /^iot:Connection\.Thing\.Attributes\[(.+)\]$/i.exec(name)?.[1];
  if (attribute !== undefined) {
    return ({ thingName, thingAttributes }) =>
      thingName !== undefined &&
      thingAttributes !== undefined &&
      Object.hasOwn(thingAttributes, attribute)
        ? thingAttributes[attribute]
        : undefined;
  }
  const field = /^iot:Certificate\.Subject\.([A-Za-z]+)$/i.exec(name)?.[1];
  const shortName = field === undefined ? undefined : SUBJECT_FIELDS.get(field.toLowerCase());
  if (shortName !== undefined) {
    return ({ certificateSubject }) => {
      if (certificateSubject === undefined || !Object.hasOwn(certificateSubject, shortName)) {
        return undefined;
      }
      const value = certificateSubject[shortName] as string;
      const substitutable =
        value.length <= CERTIFICATE_ATTRIBUTE_MAX && !value.includes("*") && !value.includes("?");
      return substitutable ? value : undefined;
    };
  }
  return undefined;
}

// ---- conditions ----------------------------------------------------------------------------

type Condition = (context: PolicyContext) => boolean;

const OPERATOR =
  /^(?:(ForAnyValue|ForAllValues):)?(StringEquals|StringNotEquals|StringLike|StringNotLike|Bool|Null)(IfExists)?$/;

/** One operator/key pair of a Condition block, or undefined when it cannot be evaluated here. */
function compileCondition(
  operator: string,
  key: string,
  values: readonly string[],
  keepUnresolved: boolean,
): Condition | undefined {
  const parsed = OPERATOR.exec(operator);
  const resolve = resolverFor(key);
  if (parsed === null || resolve === undefined) return undefined;
  const [, qualifier, base, ifExists] = parsed;

  if (base === "Null") {
    if (qualifier !== undefined || ifExists !== undefined) return undefined;
    const expected = values.map((value) => value.toLowerCase());
    if (!expected.every((value) => value === "true" || value === "false")) return undefined;
    // "true" asks for the key to be absent, "false" for it to be present.
    return (context) => expected.includes(resolve(context) === undefined ? "true" : "false");
  }

  const negated = base === "StringNotEquals" || base === "StringNotLike";
  const whenAbsent =
    ifExists !== undefined || qualifier === "ForAllValues" || (qualifier === undefined && negated);

  if (base === "Bool") {
    const expected = values.map((value) => value.toLowerCase());
    return (context) => {
      const actual = resolve(context);
      return actual === undefined ? whenAbsent : expected.includes(actual.toLowerCase());
    };
  }

  const wildcards = base === "StringLike" || base === "StringNotLike";
  const patterns = values.map((value) => compilePattern(value, wildcards));
  return (context) => {
    const actual = resolve(context);
    if (actual === undefined) return whenAbsent;
    let matched = false;
    for (const pattern of patterns) {
      const result = matchesPattern(pattern, actual, 0, context, keepUnresolved);
      if (result === undefined) return false; // Allow with an unresolved variable: deny-safe
      if (result) {
        matched = true;
        break;
      }
    }
    return negated ? !matched : matched;
  };
}

// ---- statements ----------------------------------------------------------------------------

interface CompiledStatement {
  deny: boolean;
  sid: string | undefined;
  /** Bit set of the IotActions the statement names (ACTION_BITS). */
  actions: number;
  /**
   * Literal text every resource pattern starts with (typically `arn:aws:iot:{region}:{account}:`
   * and the resource kind), compared once per evaluation rather than once per pattern;
   * `resources` match what follows it.
   */
  resourcePrefix: string;
  resources: readonly Pattern[];
  /** All must hold (AND). */
  conditions: readonly Condition[];
}

const compiledDocuments = new WeakMap<IotPolicyDocument, readonly CompiledStatement[]>();

function compiledStatements(document: IotPolicyDocument): readonly CompiledStatement[] {
  let compiled = compiledDocuments.get(document);
  if (compiled === undefined) {
    compiled = document.Statement.map(compileStatement);
    compiledDocuments.set(document, compiled);
  }
  return compiled;
}

const asList = (value: string | readonly string[]): readonly string[] =>
  typeof value === "string" ? [value] : value;

function compileStatement(statement: IotPolicyStatement): CompiledStatement {
  const deny = statement.Effect === "Deny";
  let actions = actionBits(asList(statement.Action));
  const conditions: Condition[] = [];
  let evaluable = true;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      const condition = compileCondition(operator, key, asList(values), deny);
      if (condition === undefined) evaluable = false;
      else conditions.push(condition);
    }
  }
  if (!evaluable) {
    // Conservative: an Allow we cannot check grants nothing; a Deny we cannot check applies.
    if (deny) conditions.length = 0;
    else actions = 0;
  }
  const resources = asList(statement.Resource).map((resource) => compilePattern(resource, true));
  const resourcePrefix = commonLiteralPrefix(resources);
  return {
    deny,
    sid: statement.Sid,
    actions,
    resourcePrefix,
    resources: resources.map((pattern) => withoutPrefix(pattern, resourcePrefix.length)),
    conditions,
  };
}

function literalHead(pattern: Pattern): string {
  return pattern.kinds[0] === TEXT ? (pattern.texts[0] as string) : "";
}

function commonLiteralPrefix(patterns: readonly Pattern[]): string {
  const [first, ...rest] = patterns.map(literalHead);
  let prefix = first ?? "";
  for (const head of rest) {
    let length = 0;
    while (length < prefix.length && prefix[length] === head[length]) length++;
    prefix = prefix.slice(0, length);
  }
  return prefix;
}

function withoutPrefix(pattern: Pattern, length: number): Pattern {
  if (length === 0) return pattern;
  const texts = [...pattern.texts];
  texts[0] = (texts[0] as string).slice(length);
  return { ...pattern, texts };
}

/** Action names are case-insensitive and may use `*`/`?` (`iot:*`, `iot:*Publish`). */
function actionBits(patterns: readonly string[]): number {
  let bits = 0;
  for (const pattern of patterns) {
    const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    const regex = new RegExp(`^${escaped.replaceAll("*", ".*").replaceAll("?", ".")}$`, "i");
    for (const [action, bit] of ACTION_BITS) if (regex.test(action)) bits |= bit;
  }
  return bits;
}

function statementApplies(statement: CompiledStatement, request: AuthorizationRequest): boolean {
  const { context, resource } = request;
  const { resourcePrefix } = statement;
  if (!resource.startsWith(resourcePrefix)) return false;
  let resourceMatches = false;
  for (const pattern of statement.resources) {
    if (
      matchesPattern(pattern, resource, resourcePrefix.length, context, statement.deny) === true
    ) {
      resourceMatches = true;
      break;
    }
  }
  if (!resourceMatches) return false;
  for (const condition of statement.conditions) if (!condition(context)) return false;
  return true;
}
