/** A PUBLISH that a broker service answers, with who sent it as the broker authenticated them. */
export interface ServiceRequest {
  topic: string;
  payload: Buffer;
  clientId: string;
  certificateId: string;
  /** The thing the connection acts as (client id = thing name attached to the certificate). */
  thingName: string | undefined;
}

/** A reply for the requesting client only (AWS reserved-topic replies such as `/accepted`). */
export interface ServiceReply {
  topic: string;
  payload: unknown;
}

/**
 * An AWS IoT Core service reached over MQTT reserved topics (the fleet provisioning API, the Jobs
 * API). The broker hands it every PUBLISH on a topic it `handles`, once the sender's
 * policy has allowed the publish, and delivers the reply to the sender alone, subject to the
 * sender's subscription and iot:Receive policy, as AWS IoT does.
 */
export interface BrokerService {
  handles(topic: string): boolean;
  handle(request: ServiceRequest): Promise<ServiceReply | undefined>;
}
