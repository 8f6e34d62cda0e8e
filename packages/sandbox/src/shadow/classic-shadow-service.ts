import { matchShadowRequestTopic, parseJsonPayload, shadowTopics } from "@fleet/core/contracts";
import type { Logger } from "pino";
import { ShadowRequestRejectedError } from "../errors.ts";
import type { BrokerService, ServiceReply, ServiceRequest } from "../iot-core/broker-service.ts";
import { SHADOW_REQUEST_MAX_BYTES, type ShadowStore } from "./shadow-store.ts";

/**
 * The Device Shadow service's MQTT API for classic shadows (developer guide, "Device Shadow
 * MQTT topics"): `$aws/things/{thing}/shadow/update|get`, answered on `/accepted` or
 * `/rejected` with the request's clientToken; an accepted update also publishes
 * `/update/documents` and, when desired and reported differ, `/update/delta` through `publish`.
 * Only the thing itself may use its shadow here (the policy already says so).
 */
export class ClassicShadowService implements BrokerService {
  readonly #store: ShadowStore;
  readonly #logger: Logger;
  /** Set by the sandbox once the broker runs. */
  publish: (topic: string, payload: unknown) => void = () => {};

  constructor(options: { store: ShadowStore; logger: Logger }) {
    this.#store = options.store;
    this.#logger = options.logger;
  }

  handles(topic: string): boolean {
    return matchShadowRequestTopic(topic) !== undefined;
  }

  async handle(request: ServiceRequest): Promise<ServiceReply | undefined> {
    const { thingName = "", operation } = matchShadowRequestTopic(request.topic) ?? {};
    let clientToken: string | undefined;
    try {
      // Refused by its raw size before any parse or merge: a 30 MB update must cost nothing.
      if (request.payload.length > SHADOW_REQUEST_MAX_BYTES) {
        throw new ShadowRequestRejectedError(413, "The payload exceeds the maximum size allowed");
      }
      const json = parse(request.payload, request.topic, operation === "get");
      const token = (json as { clientToken?: unknown }).clientToken;
      clientToken = typeof token === "string" ? token : undefined;
      if (request.thingName !== thingName) {
        throw new ShadowRequestRejectedError(
          403,
          `This connection does not act as thing ${thingName}`,
        );
      }
      const withToken = clientToken === undefined ? {} : { clientToken };
      if (operation === "get") {
        return {
          topic: `${request.topic}/accepted`,
          payload: { ...this.#store.get(thingName), ...withToken },
        };
      }
      const result = await this.#store.update(thingName, json);
      const topics = shadowTopics(thingName);
      if (result.delta !== undefined)
        this.publish(topics.updateDelta, { ...result.delta, ...withToken });
      this.publish(topics.updateDocuments, { ...result.documents, ...withToken });
      return { topic: `${request.topic}/accepted`, payload: { ...result.accepted, ...withToken } };
    } catch (error) {
      const rejection =
        error instanceof ShadowRequestRejectedError
          ? error
          : new ShadowRequestRejectedError(500, "Internal service failure", { cause: error });
      this.#logger[rejection.code === 500 ? "error" : "info"](
        { clientId: request.clientId, topic: request.topic, code: rejection.code, err: error },
        "shadow request rejected",
      );
      return {
        topic: `${request.topic}/rejected`,
        payload: {
          code: rejection.code,
          message: rejection.message,
          timestamp: Math.floor(Date.now() / 1000),
          ...(clientToken === undefined ? {} : { clientToken }),
        },
      };
    }
  }
}

/** The request document; `get` takes an empty payload too. */
function parse(payload: Buffer, topic: string, emptyAllowed: boolean): unknown {
  if (payload.length === 0 && emptyAllowed) return {};
  try {
    return parseJsonPayload(payload, topic);
  } catch {
    throw new ShadowRequestRejectedError(400, "Payload contains invalid json");
  }
}
