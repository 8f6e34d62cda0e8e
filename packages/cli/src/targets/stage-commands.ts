import { randomUUID } from "node:crypto";
import { DescribeEndpointCommand } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import { createIotClient } from "@fleet/core/adapters/aws";
import {
  type CommandOutcome,
  type CommandRequest,
  type CommandSendRequest,
  commandTopics,
} from "@fleet/core/contracts";
import { CliError } from "../errors.ts";
import type { StageClientConfig } from "./stage-client-config.ts";

/**
 * Publishes commands to a stage's broker. The reply goes to the device's
 * `.../accepted|rejected` topic, which the operator's machine does not subscribe to: the
 * change shows in the device's telemetry.
 */
export class StageCommands {
  readonly #dataPlane: IoTDataPlaneClient;

  constructor(options: { dataPlane: IoTDataPlaneClient }) {
    this.#dataPlane = options.dataPlane;
  }

  /** The data plane lives on the account's own ATS endpoint, which only the control plane knows. */
  static async open(stage: string, config: StageClientConfig): Promise<StageCommands> {
    const { endpointAddress } = await createIotClient(config).send(
      new DescribeEndpointCommand({ endpointType: "iot:Data-ATS" }),
    );
    if (!endpointAddress) {
      throw new CliError(`stage ${stage}: IoT returned no iot:Data-ATS endpoint`);
    }
    return new StageCommands({
      dataPlane: new IoTDataPlaneClient({ ...config, endpoint: `https://${endpointAddress}` }),
    });
  }

  async send({ thingName, command, params }: CommandSendRequest): Promise<CommandOutcome> {
    const request: CommandRequest = { requestId: randomUUID(), params };
    const topic = commandTopics(thingName, command).request;
    await this.#dataPlane.send(
      new PublishCommand({
        topic,
        qos: 1,
        contentType: "application/json",
        payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    return { status: "published", requestId: request.requestId, topic };
  }
}
