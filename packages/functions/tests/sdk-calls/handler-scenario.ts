import type { Context } from "aws-lambda";
import type { SdkRecorder } from "./sdk-recorder.ts";

/** A handler module's export, as Lambda calls it. */
export type Handler = (event: unknown, context: Context) => Promise<unknown>;

/** The account and region the function runs in: ARNs in the SDK answers use them. */
export interface AwsScope {
  partition: string;
  region: string;
  accountId: string;
}

export interface ScenarioContext {
  sdk: SdkRecorder;
  /** The function's environment as the stack sets it (plus the scenario's `env`). */
  env: Record<string, string>;
  aws: AwsScope;
  /** A cold start of the handler with `env`. */
  load(): Promise<Handler>;
}

/**
 * One path through a handler that sends AWS calls: the SDK answers it needs (`sdk.on(...)`)
 * and the events it gets. The calls it records are what the function's role must allow.
 */
export interface HandlerScenario {
  /** The path, as behaviour: `retires the old certificate when the device commits`. */
  name: string;
  /** Variables in place of the stack's, where a mock placeholder would not parse. */
  env?: Record<string, string>;
  run(context: ScenarioContext): Promise<void>;
}

/**
 * The rotation functions pace their control-plane calls (a few per second in a stage); pacing
 * decides when calls are sent, not which, so scenarios run unpaced.
 */
export const UNPACED = { CONTROL_PLANE_CALLS_PER_SECOND: "1000" } as const;
