import { existsSync } from "node:fs";
import { vi } from "vitest";
import type { AwsScope, Handler, HandlerScenario } from "./handler-scenario.ts";
import { type RecordedCall, recordSdkCalls } from "./sdk-recorder.ts";

/** The calls one scenario of a handler sent. */
export interface ScenarioCalls {
  scenario: string;
  calls: RecordedCall[];
}

export class MissingScenariosError extends Error {
  readonly handler: string;
  constructor(handler: string) {
    super(
      `no SDK call scenarios for handler ${handler}: add packages/functions/tests/sdk-calls/scenarios/${handler}.ts`,
    );
    this.name = "MissingScenariosError";
    this.handler = handler;
  }
}

async function scenariosOf(handler: string): Promise<HandlerScenario[]> {
  if (!existsSync(new URL(`./scenarios/${handler}.ts`, import.meta.url))) {
    throw new MissingScenariosError(handler);
  }
  const module = (await import(`./scenarios/${handler}.ts`)) as { scenarios: HandlerScenario[] };
  return module.scenarios;
}

/**
 * Runs every scenario of `handler` (packages/functions/src/handlers/<handler>.ts) against
 * mocked AWS clients, each a cold start with `env`, and returns the commands each one sent.
 * The handlers' logs and metrics are swallowed.
 */
export async function recordHandlerCalls(
  handler: string,
  env: Record<string, string>,
  aws: AwsScope,
): Promise<ScenarioCalls[]> {
  const scenarios = await scenariosOf(handler);
  const sdk = recordSdkCalls();
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const recorded: ScenarioCalls[] = [];
  try {
    for (const scenario of scenarios) {
      sdk.reset();
      const scenarioEnv = { ...env, ...scenario.env, AWS_REGION: aws.region, POWERTOOLS_DEV: "" };
      for (const [key, value] of Object.entries(scenarioEnv)) vi.stubEnv(key, value);
      const load = async (): Promise<Handler> => {
        vi.resetModules();
        const module = await import(`../../src/handlers/${handler}.ts`);
        return module.handler as Handler;
      };
      try {
        await scenario.run({ sdk, env: scenarioEnv, aws, load });
      } catch (error) {
        throw new Error(`${handler}: scenario "${scenario.name}" failed`, { cause: error });
      } finally {
        vi.unstubAllEnvs();
        vi.unstubAllGlobals();
      }
      recorded.push({ scenario: scenario.name, calls: sdk.calls() });
    }
  } finally {
    sdk.restore();
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return recorded;
}
