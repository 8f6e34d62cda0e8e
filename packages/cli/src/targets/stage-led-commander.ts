import { randomUUID } from "node:crypto";
import { type IoTDataPlaneClient, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import {
  type CommandRequest,
  commandTopics,
  LED_COMMAND,
  type LedCommandParams,
} from "@fleet/core/contracts";
import type { LedCommander, LedOutcome } from "./led-commander.ts";

/**
 * Publishes the `led` command to a stage's broker. The reply goes to the device's
 * `.../accepted|rejected` topic, which the operator's machine does not subscribe to: the
 * change shows in the device's LED telemetry.
 */
export class StageLedCommander implements LedCommander {
  readonly #dataPlane: IoTDataPlaneClient;

  constructor(options: { dataPlane: IoTDataPlaneClient }) {
    this.#dataPlane = options.dataPlane;
  }

  async sendLed(thingName: string, params: LedCommandParams): Promise<LedOutcome> {
    const request: CommandRequest = { requestId: randomUUID(), params };
    const topic = commandTopics(thingName, LED_COMMAND).request;
    await this.#dataPlane.send(
      new PublishCommand({
        topic,
        qos: 1,
        contentType: "application/json",
        payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    return { kind: "published", requestId: request.requestId, topic };
  }
}
