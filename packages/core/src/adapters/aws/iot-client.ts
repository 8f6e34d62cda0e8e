import { IoTClient, type IoTClientConfig } from "@aws-sdk/client-iot";
import { AWS_CLIENT_RETRY } from "./client-retry.ts";

/** An IoT client with AWS_CLIENT_RETRY; `config` (region, profile, credentials...) wins. */
export function createIotClient(config: IoTClientConfig = {}): IoTClient {
  return new IoTClient({ ...AWS_CLIENT_RETRY, ...config });
}
