import type { RotationCommitReply, RotationCsrReply, RotationRequest } from "@fleet/core";
import type { BrokerService, ServiceReply, ServiceRequest } from "./broker-service.ts";

export interface RotationRequestsOptions {
  /** `createSignRotationCsr(...)`: answers `rot/{thing}/csr`. */
  signCsr(request: RotationRequest): Promise<RotationCsrReply>;
  /** `createCommitRotation(...)`: answers `rot/{thing}/commit`. */
  commit(request: RotationRequest): Promise<RotationCommitReply>;
}

const CSR_TOPIC = /^rot\/([^/]+)\/csr$/;
const COMMIT_TOPIC = /^rot\/([^/]+)\/commit$/;

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
    return CSR_TOPIC.test(topic) || COMMIT_TOPIC.test(topic);
  }

  async handle(request: ServiceRequest): Promise<ServiceReply | undefined> {
    const csrThing = CSR_TOPIC.exec(request.topic)?.[1];
    const thing = csrThing ?? COMMIT_TOPIC.exec(request.topic)?.[1];
    if (thing === undefined) return undefined;
    const rotationRequest: RotationRequest = {
      thing,
      principal: request.certificateId,
      payload: parseJson(request.payload),
    };
    const reply =
      csrThing === undefined
        ? await this.#options.commit(rotationRequest)
        : await this.#options.signCsr(rotationRequest);
    return { topic: reply.topic, payload: reply.payload };
  }
}

/** The payload as JSON, or undefined: the use cases answer `InvalidRequest` to what is not. */
function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
}
