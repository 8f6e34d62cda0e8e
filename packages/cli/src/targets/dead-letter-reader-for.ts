import { GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { DeadLetterReader } from "@fleet/core";
import { SqsDeadLetterReader } from "@fleet/core/adapters/aws";
import { stageResourceNames } from "@fleet/core/contracts";
import type { Target } from "../commands/target-options.ts";
import { CliError } from "../errors.ts";
import { SandboxClient } from "./sandbox-client.ts";
import { stageClientConfig } from "./stage-client-config.ts";

/** Dead letters of the sandbox's ingest, or a peek at the stage's dead-letter queue. */
export async function deadLetterReaderFor(target: Target): Promise<DeadLetterReader> {
  if (target.kind === "sandbox") return SandboxClient.connect(target.stateDir);
  const sqs = new SQSClient(stageClientConfig(target.stage));
  const queueName = stageResourceNames(target.stage).telemetryDeadLetterQueueName;
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    if (QueueUrl) return new SqsDeadLetterReader({ sqs, queueUrl: QueueUrl });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "QueueDoesNotExist" && name !== "AWS.SimpleQueueService.NonExistentQueue") {
      throw error;
    }
  }
  throw new CliError(
    `stage ${target.stage} has no dead-letter queue ${queueName}: deploy it with \`npx sst deploy --stage ${target.stage}\``,
  );
}
