/**
 * Steps of provisioning by claim, in order, each logged as `provisioning.<state>`:
 *
 *   preparing-key -> connecting -> requesting-certificate -> registering-thing -> storing
 *     -> provisioned
 *   any failed attempt -> backoff -> connecting (the stored key is reused)
 *
 * `preparing-key` generates and stores the device key, or reuses one stored by an attempt
 * that did not finish. `connecting` opens the claim session and subscribes to the replies.
 */
export type ProvisioningState =
  | "preparing-key"
  | "connecting"
  | "requesting-certificate"
  | "registering-thing"
  | "storing"
  | "provisioned"
  | "backoff";
