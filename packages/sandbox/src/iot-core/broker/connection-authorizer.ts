import { iotResourceArn } from "@fleet/core/contracts";
import {
  evaluatePolicies,
  type IotAction,
  type NamedPolicy,
  type PolicyContext,
  type PolicyDecision,
} from "../policy-evaluator.ts";
import { SANDBOX_SCOPE } from "../sandbox-scope.ts";

/** Decisions kept per action and connection; past this, the oldest decision is forgotten. */
const MAX_CACHED_DECISIONS = 512;

type CachedAction = Exclude<IotAction, "iot:Connect">;

const RESOURCE_KIND = {
  "iot:Connect": "client",
  "iot:Publish": "topic",
  "iot:RetainPublish": "topic",
  "iot:Receive": "topic",
  "iot:Subscribe": "topicfilter",
} as const satisfies Record<IotAction, "client" | "topic" | "topicfilter">;

/** The resource ARN an action is authorized against: `client/`, `topic/` or `topicfilter/`. */
export function resourceArnFor(action: IotAction, name: string): string {
  return iotResourceArn(SANDBOX_SCOPE, RESOURCE_KIND[action], name);
}

/**
 * The policy decisions of one MQTT connection. Publishing and receiving are per message, so
 * each topic's decision is evaluated once and then served from a bounded cache; `reset` drops
 * the cache when the certificate's policies or thing change.
 */
export class ConnectionAuthorizer {
  #policies: readonly NamedPolicy[];
  #context: PolicyContext;
  readonly #caches = new Map<CachedAction, Map<string, PolicyDecision>>();

  constructor(policies: readonly NamedPolicy[], context: PolicyContext) {
    this.#policies = policies;
    this.#context = context;
  }

  get context(): PolicyContext {
    return this.#context;
  }

  /** `name` is the topic (or topic filter for iot:Subscribe) without the ARN prefix. */
  authorize(action: CachedAction, name: string): PolicyDecision {
    let cache = this.#caches.get(action);
    if (cache === undefined) {
      cache = new Map();
      this.#caches.set(action, cache);
    }
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    const decision = evaluatePolicies(this.#policies, {
      action,
      resource: resourceArnFor(action, name),
      context: this.#context,
    });
    if (cache.size >= MAX_CACHED_DECISIONS) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(name, decision);
    return decision;
  }

  reset(policies: readonly NamedPolicy[], context: PolicyContext): void {
    this.#policies = policies;
    this.#context = context;
    this.#caches.clear();
  }
}

/** "iot:Publish on arn:... denied (explicit-deny by policy/sid)": the reason events carry. */
export function describeDenial(action: IotAction, name: string, decision: PolicyDecision): string {
  const by =
    decision.policyName === undefined
      ? ""
      : ` by ${decision.policyName}${decision.sid === undefined ? "" : `/${decision.sid}`}`;
  return `${action} on ${resourceArnFor(action, name)} denied (${decision.reason}${by})`;
}
