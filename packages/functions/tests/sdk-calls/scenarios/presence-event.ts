import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import type { HandlerScenario } from "../handler-scenario.ts";

export const scenarios: HandlerScenario[] = [
  {
    name: "counts a connect and a disconnect without calling AWS (metrics are log lines)",
    async run({ load }) {
      const handler = await load();
      await handler(fixture("presence-connected"), lambdaContext);
      await handler(fixture("presence-disconnected"), lambdaContext);
    },
  },
];
