import { IoTClient, type IoTClientConfig } from "@aws-sdk/client-iot";

/**
 * Retry settings for IoT control-plane calls. Reading a fleet fans out one ListThingPrincipals
 * and one DescribeCertificate per device, which meets IoT's per-API rate limits
 * (ThrottlingException) on a large fleet. Rather than a hand-written retry loop, the SDK's
 * adaptive mode retries throttling and transient errors with full-jitter exponential backoff
 * (a longer base delay for throttling) and, after a throttle, also lowers this client's request
 * rate, so concurrent calls slow down together instead of retrying in lock-step.
 */
export const IOT_CLIENT_RETRY = { retryMode: "adaptive", maxAttempts: 8 } as const;

/** An IoT client with IOT_CLIENT_RETRY; `config` (region, profile, credentials...) wins. */
export function createIotClient(config: IoTClientConfig = {}): IoTClient {
  return new IoTClient({ ...IOT_CLIENT_RETRY, ...config });
}
