/**
 * The AWS IoT Core message broker quotas the sandbox enforces, with AWS's values as defaults
 * (AWS General Reference, "AWS IoT Core endpoints and quotas", message broker limits:
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits). None of
 * the three is adjustable at AWS.
 */
export interface BrokerQuotas {
  /**
   * "Publish requests per second per connection", inbound PUBLISH packets counted with a token
   * bucket of this size refilled at this rate. Default 100. AWS counts outbound deliveries too;
   * the sandbox counts only what a client sends.
   */
  publishesPerSecondPerConnection: number;
  /**
   * "Connect requests per second per client ID": AWS IoT Core "restricts MQTT CONNECT requests
   * from the same accountId and clientId to 1 MQTT CONNECT operation per second". Default 1.
   */
  connectsPerSecondPerClientId: number;
  /** "Subscriptions per connection": distinct topic filters one connection holds. Default 50. */
  subscriptionsPerConnection: number;
}

export const AWS_BROKER_QUOTAS: Readonly<BrokerQuotas> = {
  publishesPerSecondPerConnection: 100,
  connectsPerSecondPerClientId: 1,
  subscriptionsPerConnection: 50,
};
