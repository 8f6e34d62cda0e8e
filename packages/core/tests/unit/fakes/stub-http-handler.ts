import { Readable } from "node:stream";
import { vi } from "vitest";

/** What the stub answers one request with: a status, a JSON body (or a raw stream) and headers. */
export interface StubReply {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface StubRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
}

/**
 * An SDK `requestHandler` answering at the HTTP layer. aws-sdk-client-mock replaces `send`,
 * which skips the SDK's retry middleware; behind this stub the real retry strategy sees real
 * service errors.
 */
export function stubHttpHandler(answer: (request: StubRequest) => StubReply) {
  const requests: StubRequest[] = [];
  const handler = {
    handle: async (request: StubRequest) => {
      requests.push(request);
      const { statusCode, body = {}, headers = {} } = answer(request);
      return {
        response: {
          statusCode,
          headers: { "content-type": "application/json", ...headers },
          body: body instanceof Readable ? body : new TextEncoder().encode(JSON.stringify(body)),
        },
      };
    },
  };
  return { handler, requests };
}

/** A throttling error as AWS JSON services answer it. */
export function throttled(errorType = "ThrottlingException"): StubReply {
  return {
    statusCode: 400,
    body: { __type: errorType, message: "Rate exceeded" },
    headers: { "x-amzn-errortype": errorType },
  };
}

export const TEST_CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

/** Runs `call` while a fake clock skips the SDK's backoff and rate-limiter sleeps. */
export async function onFakeClock<T>(call: () => Promise<T>): Promise<T> {
  vi.useFakeTimers();
  try {
    let settled = false;
    const running = call().finally(() => {
      settled = true;
    });
    // Handled here too, so a rejection is not reported as unhandled while the clock runs.
    running.catch(() => undefined);
    for (let step = 0; !settled && step < 60; step++) await vi.advanceTimersByTimeAsync(1_000);
    return await running;
  } finally {
    vi.useRealTimers();
  }
}
