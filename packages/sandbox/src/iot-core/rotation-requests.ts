import type { RotationCommitReply, RotationCsrReply, RotationRequest } from "@fleet/core";
import { matchRotationRequestTopic, parseJsonPayload } from "@fleet/core/contracts";
import type { BrokerService, ServiceReply, ServiceRequest } from "./broker-service.ts";

export interface RotationRequestsOptions {
  /** `createSignRotationCsr(...)`: answers `rot/{thing}/csr`. */
  signCsr(request: RotationRequest): Promise<RotationCsrReply>;
  /** `createCommitRotation(...)`: answers `rot/{thing}/commit`. */
  commit(request: RotationRequest): Promise<RotationCommitReply>;
}

/**
 * The two rotation rules of a stage (`rot/+/csr`, `rot/+/commit` with
 * `topic(2) AS thing, principal() AS principal`), run in the broker: the thing is the topic's
 * second level, as the rule reads it (the device policy lets a device publish only under its
 * own thing), and the principal is the certificate the request came over. The reply goes to the
 * requesting client alone, where the stage's Lambda publishes to the device's reply topic.
 */
export class RotationRequests implements BrokerService {
  readonly #options: RotationRequestsOptions;

  constructor(options: RotationRequestsOptions) {
    this.#options = options;
  }

  handles(topic: string): boolean {
    return matchRotationRequestTopic(topic) !== undefined;
  }

  async handle(request: ServiceRequest): Promise<ServiceReply | undefined> {
    const matched = matchRotationRequestTopic(request.topic);
    if (matched === undefined) return undefined;
    const rotationRequest: RotationRequest = {
      thing: matched.thingName,
      principal: request.certificateId,
      payload: parseJson(request.payload, request.topic),
    };
    const reply =
      matched.request === "csr"
        ? await this.#options.signCsr(rotationRequest)
        : await this.#options.commit(rotationRequest);
    return { topic: reply.topic, payload: reply.payload };
  }
}

/** The payload as JSON, or undefined: the use cases answer `InvalidRequest` to what is not. */
function parseJson(payload: Buffer, topic: string): unknown {
  try {
    return parseJsonPayload(payload, topic);
  } catch {
    return undefined;
  }
}
