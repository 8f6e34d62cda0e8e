import { ACMPCAClient, type ACMPCAClientConfig } from "@aws-sdk/client-acm-pca";
import { AWS_CLIENT_RETRY } from "./client-retry.ts";

/**
 * An ACM Private CA client with AWS_CLIENT_RETRY (a reconcile revokes one certificate per
 * removed device); `config` (region, profile, credentials...) wins.
 */
export function createAcmPcaClient(config: ACMPCAClientConfig = {}): ACMPCAClient {
  return new ACMPCAClient({ ...AWS_CLIENT_RETRY, ...config });
}
