/**
 * Retry settings for every AWS client the adapters fan out over (IoT control plane, ACM PCA,
 * DynamoDB). Reading or reconciling a fleet sends one or more calls per device, which meets
 * per-API rate limits (ThrottlingException) on a large fleet. Rather than a hand-written retry
 * loop, the SDK's adaptive mode retries throttling and transient errors with full-jitter
 * exponential backoff (a longer base delay for throttling) and, after a throttle, also lowers
 * the client's request rate, so concurrent calls slow down together instead of retrying in
 * lock-step.
 */
export const AWS_CLIENT_RETRY = { retryMode: "adaptive", maxAttempts: 8 } as const;
