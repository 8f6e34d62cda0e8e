import { LAMBDA_FUNCTION, type RegisteredResource, type StackRun } from "../harness/index.ts";
import { roleByArn } from "./role-policies.ts";

/** A Lambda function of the stage, as the stack synthesizes it. */
export interface StageFunction {
  /** Logical name, e.g. `RotationCsrFunction`. */
  name: string;
  /** Its entry in packages/functions/src/handlers, e.g. `rotation-csr`. */
  handler: string;
  /** Its variables, without the ones SST adds for its own SDK. */
  environment: Record<string, string>;
  resource: RegisteredResource;
  role: RegisteredResource;
}

const HANDLER = /^packages\/functions\/src\/handlers\/([\w-]+)\.handler$/;

/** Every Lambda function the stack registers, with its role. */
export function stageFunctions(stack: StackRun<unknown>): StageFunction[] {
  return stack.ofType(LAMBDA_FUNCTION).map((resource) => {
    const handler = HANDLER.exec(resource.inputs.handler as string)?.[1];
    if (handler === undefined) {
      throw new Error(
        `${resource.name}: handler ${resource.inputs.handler} is not a product handler`,
      );
    }
    const variables = (resource.inputs.environment?.variables ?? {}) as Record<string, string>;
    return {
      name: resource.name,
      handler,
      environment: Object.fromEntries(
        Object.entries(variables).filter(([key]) => !key.startsWith("SST_")),
      ),
      resource,
      role: roleByArn(stack, resource.inputs.role as string),
    };
  });
}
