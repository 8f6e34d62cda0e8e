import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import { CliError } from "../errors.ts";

/**
 * A value a stage publishes in SSM (e.g. a bucket name, which is global and so not derivable
 * from the stage name); a missing parameter means the stage is not deployed (yet).
 */
export async function readStageParameter(
  ssm: SSMClient,
  stage: string,
  name: string,
  what: string,
): Promise<string> {
  try {
    const reply = await ssm.send(new GetParameterCommand({ Name: name }));
    const value = reply.Parameter?.Value;
    if (value) return value;
  } catch (error) {
    if ((error as { name?: string }).name !== "ParameterNotFound") throw error;
  }
  throw new CliError(
    `stage ${stage} has no ${what} (SSM parameter ${name} not found): deploy it with \`npx sst deploy --stage ${stage}\``,
  );
}
