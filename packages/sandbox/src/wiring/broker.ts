import type { Logger } from "pino";
import type { SandboxEvents } from "../iot-core/broker-events.ts";
import type { BrokerQuotas } from "../iot-core/broker-quotas.ts";
import type { BrokerService } from "../iot-core/broker-service.ts";
import { type MqttBroker, startMqttBroker } from "../iot-core/mqtt-broker.ts";
import type { TopicRule } from "../iot-core/topic-rule.ts";
import type { JobStore } from "../jobs/job-store.ts";
import { type DeliverDocument, jobsNotifications } from "../jobs/jobs-mqtt-api.ts";
import type { IotCoreState } from "./iot-core-state.ts";

/** Who publishes to devices on their own (shadow updates, commands): through the broker. */
export interface Publisher {
  publish: (topic: string, payload: unknown) => void;
}

/**
 * The broker on the IoT Core state with its `services` and `rules`; it publishes the Jobs
 * notifications of each job change, and the `publishers` publish through it once it listens.
 */
export async function startSandboxBroker(options: {
  state: IotCoreState;
  host: string;
  port: number;
  logger: Logger;
  events: SandboxEvents;
  quotas: Partial<BrokerQuotas> | undefined;
  services: readonly BrokerService[];
  rules: readonly TopicRule[];
  jobs: JobStore;
  deliverDocument: DeliverDocument;
  publishers: readonly Publisher[];
}): Promise<MqttBroker> {
  const { state, jobs, deliverDocument, logger } = options;
  const broker = await startMqttBroker({
    registry: state.registry,
    caCertificatePem: state.ca.certificatePem,
    serverCertificate: state.serverCertificate,
    host: options.host,
    port: options.port,
    logger,
    events: options.events,
    quotas: options.quotas,
    services: options.services,
    rules: options.rules,
    isRevokedByCa: (serialNumber) => state.ca.isRevoked(serialNumber),
  });
  jobs.onChange((change) => {
    for (const { topic, payload } of jobsNotifications(change, jobs, new Date(), deliverDocument)) {
      broker.publish(topic, payload);
    }
  });
  for (const publisher of options.publishers) {
    publisher.publish = (topic, payload) => broker.publish(topic, payload);
  }
  return broker;
}
