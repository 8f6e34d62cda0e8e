/**
 * Every MQTT topic the product uses is built here, so the device, the Lambda functions, the
 * stacks (rules and policies) and the sandbox agree on one spelling.
 *
 * Product topics follow AWS's "Designing MQTT topics for AWS IoT Core" guidance:
 * `dt/...` for device telemetry, `cmd/...` for commands to a device. AWS reserved topics
 * (`$aws/...`) are spelled exactly as AWS IoT Core defines them.
 */

/** Device-to-cloud telemetry. */
export function telemetryTopic(thingName: string): string {
  return `dt/${thingName}/telemetry`;
}

/** Filter matching every device's telemetry (used by the telemetry topic rule). */
export const TELEMETRY_TOPIC_FILTER = "dt/+/telemetry";

/** The thing of a telemetry topic (`dt/{thing}/telemetry`); undefined for any other topic. */
export function matchTelemetryTopic(topic: string): { thingName: string } | undefined {
  const [, thingName] = /^dt\/([^/]+)\/telemetry$/.exec(topic) ?? [];
  return thingName === undefined ? undefined : { thingName };
}

/**
 * Cloud-to-device commands: requests on `cmd/{thing}/{command}`, the device's replies on
 * `.../accepted` or `.../rejected`, as AWS reserved request topics do.
 */
export function commandTopics(thingName: string, command: string) {
  const request = `cmd/${thingName}/${command}`;
  return { request, accepted: `${request}/accepted`, rejected: `${request}/rejected` } as const;
}

/** Filter a device subscribes to for all of its own commands. */
export function commandRequestFilter(thingName: string): string {
  return `cmd/${thingName}/+`;
}

/** The thing and command of a command request topic (`cmd/{thing}/{command}`); else undefined. */
export function matchCommandRequestTopic(
  topic: string,
): { thingName: string; command: string } | undefined {
  const [, thingName, command] = /^cmd\/([^/]+)\/([^/]+)$/.exec(topic) ?? [];
  return thingName === undefined || command === undefined ? undefined : { thingName, command };
}

/** AWS IoT Jobs MQTT API topics for one thing. */
export function jobsTopics(thingName: string) {
  const base = `$aws/things/${thingName}/jobs`;
  return {
    notify: `${base}/notify`,
    notifyNext: `${base}/notify-next`,
    getPending: `${base}/get`,
    getPendingAccepted: `${base}/get/accepted`,
    getPendingRejected: `${base}/get/rejected`,
    startNext: `${base}/start-next`,
    startNextAccepted: `${base}/start-next/accepted`,
    startNextRejected: `${base}/start-next/rejected`,
    describe: (jobId: string) => `${base}/${jobId}/get`,
    describeAccepted: (jobId: string) => `${base}/${jobId}/get/accepted`,
    describeRejected: (jobId: string) => `${base}/${jobId}/get/rejected`,
    update: (jobId: string) => `${base}/${jobId}/update`,
    updateAccepted: (jobId: string) => `${base}/${jobId}/update/accepted`,
    updateRejected: (jobId: string) => `${base}/${jobId}/update/rejected`,
    /**
     * Both replies to every job's update, in one subscription: a filter per job would pile up
     * against AWS IoT's 50 subscriptions per connection.
     */
    updateReplies: `${base}/+/update/+`,
  } as const;
}

/**
 * A Jobs MQTT API request topic a device publishes to, as its thing and the path after `jobs/`
 * (`get`, `start-next`, `{jobId}/get`, `{jobId}/update`, or a name the API rejects); undefined
 * for the API's own notifications and `/accepted` and `/rejected` replies, and other topics.
 */
export function matchJobsRequestTopic(
  topic: string,
): { thingName: string; operation: string } | undefined {
  const [, thingName, operation] = /^\$aws\/things\/([^/]+)\/jobs\/(.+)$/.exec(topic) ?? [];
  if (thingName === undefined || operation === undefined) return undefined;
  if (/(?:^notify|^notify-next|\/accepted|\/rejected)$/.test(operation)) return undefined;
  return { thingName, operation };
}

/** AWS IoT Device Shadow MQTT API topics of a thing's classic (unnamed) shadow. */
export function shadowTopics(thingName: string) {
  const base = `$aws/things/${thingName}/shadow`;
  return {
    update: `${base}/update`,
    updateAccepted: `${base}/update/accepted`,
    updateRejected: `${base}/update/rejected`,
    updateDelta: `${base}/update/delta`,
    updateDocuments: `${base}/update/documents`,
    get: `${base}/get`,
    getAccepted: `${base}/get/accepted`,
    getRejected: `${base}/get/rejected`,
  } as const;
}

/** A classic shadow's request topic (`.../shadow/update` or `.../shadow/get`); else undefined. */
export function matchShadowRequestTopic(
  topic: string,
): { thingName: string; operation: "update" | "get" } | undefined {
  const [, thingName, operation] =
    /^\$aws\/things\/([^/]+)\/shadow\/(update|get)$/.exec(topic) ?? [];
  if (thingName === undefined || (operation !== "update" && operation !== "get")) return undefined;
  return { thingName, operation };
}

/** AWS IoT fleet provisioning MQTT API (JSON payload format). */
export const CREATE_CERTIFICATE_FROM_CSR_TOPIC = "$aws/certificates/create-from-csr/json";
export function createCertificateFromCsrTopics() {
  const request = CREATE_CERTIFICATE_FROM_CSR_TOPIC;
  return { request, accepted: `${request}/accepted`, rejected: `${request}/rejected` } as const;
}
export function registerThingTopics(templateName: string) {
  const request = `$aws/provisioning-templates/${templateName}/provision/json`;
  return { request, accepted: `${request}/accepted`, rejected: `${request}/rejected` } as const;
}
/** The template a RegisterThing request topic names; undefined for any other topic. */
export function matchRegisterThingTopic(topic: string): { templateName: string } | undefined {
  const [, templateName] =
    /^\$aws\/provisioning-templates\/([^/]+)\/provision\/json$/.exec(topic) ?? [];
  return templateName === undefined ? undefined : { templateName };
}

/** AWS IoT lifecycle (presence) events, published by the broker itself. */
export type PresenceEventType = "connected" | "disconnected";
export function presenceTopic(eventType: PresenceEventType, clientId: string): string {
  return `$aws/events/presence/${eventType}/${clientId}`;
}
export const PRESENCE_TOPIC_FILTER = "$aws/events/presence/+/+";

/**
 * Certificate rotation requests from a device to the backend (`rot/{thing}/csr`,
 * `rot/{thing}/commit`) and the backend's replies on `.../accepted` or `.../rejected`.
 */
export function rotationTopics(thingName: string) {
  const csr = `rot/${thingName}/csr`;
  const commit = `rot/${thingName}/commit`;
  return {
    csr,
    csrAccepted: `${csr}/accepted`,
    csrRejected: `${csr}/rejected`,
    commit,
    commitAccepted: `${commit}/accepted`,
    commitRejected: `${commit}/rejected`,
  } as const;
}

/** Filters of the two rotation request rules; `topic(2)` is the thing name. */
export const ROTATION_CSR_TOPIC_FILTER = "rot/+/csr";
export const ROTATION_COMMIT_TOPIC_FILTER = "rot/+/commit";

/** The thing and request of a rotation request topic (`rot/{thing}/csr` or `.../commit`). */
export function matchRotationRequestTopic(
  topic: string,
): { thingName: string; request: "csr" | "commit" } | undefined {
  const [, thingName, request] = /^rot\/([^/]+)\/(csr|commit)$/.exec(topic) ?? [];
  if (thingName === undefined || (request !== "csr" && request !== "commit")) return undefined;
  return { thingName, request };
}
