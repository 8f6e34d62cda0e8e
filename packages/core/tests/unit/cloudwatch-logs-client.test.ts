import { Readable } from "node:stream";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { type HttpRequest, HttpResponse } from "@smithy/protocol-http";
import { describe, expect, it } from "vitest";
import {
  CloudWatchLogsClient,
  CloudWatchLogsError,
  FilterLogEventsCommand,
} from "../../src/adapters/aws/index.ts";

/** A handler that records the signed request and answers `status` with `body`. */
class RecordingHandler extends NodeHttpHandler {
  readonly requests: HttpRequest[] = [];
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    super();
    this.status = status;
    this.body = body;
  }
  override async handle(request: HttpRequest) {
    this.requests.push(request);
    return {
      response: new HttpResponse({
        statusCode: this.status,
        headers: { "x-amzn-requestid": "req-1" },
        body: Readable.from([Buffer.from(JSON.stringify(this.body))]),
      }),
    };
  }
}

const credentials = async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });

describe("CloudWatchLogsClient", () => {
  it("sends FilterLogEvents as awsJson1_1, signed with SigV4 for logs in the client's region", async () => {
    const handler = new RecordingHandler(200, { events: [{ eventId: "e1", message: "m" }] });
    const client = new CloudWatchLogsClient({
      region: "eu-west-1",
      credentials,
      requestHandler: handler,
    });
    const input = { logGroupName: "/fleet/dev/device-logs", startTime: 1, limit: 5 };

    const output = await client.send(new FilterLogEventsCommand(input));

    expect(output).toEqual({
      events: [{ eventId: "e1", message: "m" }],
      $metadata: { httpStatusCode: 200, requestId: "req-1" },
    });
    const [request] = handler.requests;
    expect(request).toMatchObject({
      method: "POST",
      protocol: "https:",
      hostname: "logs.eu-west-1.amazonaws.com",
      path: "/",
    });
    expect(request?.headers).toMatchObject({
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "Logs_20140328.FilterLogEvents",
    });
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/logs\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/,
    );
    expect(JSON.parse(String(request?.body))).toEqual(input);
  });

  it("throws an error named for the exception type of an error reply", async () => {
    const handler = new RecordingHandler(400, {
      __type: "com.amazonaws.logs#ResourceNotFoundException",
      message: "The specified log group does not exist.",
    });
    const client = new CloudWatchLogsClient({
      region: "eu-west-1",
      credentials,
      requestHandler: handler,
    });

    const failure = client.send(new FilterLogEventsCommand({ logGroupName: "/missing" }));

    await expect(failure).rejects.toBeInstanceOf(CloudWatchLogsError);
    await expect(failure).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: "The specified log group does not exist.",
      httpStatusCode: 400,
    });
  });
});
