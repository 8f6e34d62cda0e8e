import { Hash } from "@smithy/hash-node";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { Client, Command } from "@smithy/smithy-client";
import type {
  AwsCredentialIdentityProvider,
  Handler,
  HttpHandlerOptions,
  MetadataBearer,
  MiddlewareStack,
} from "@smithy/types";

/**
 * A CloudWatch Logs client for the one call the CLI makes (FilterLogEvents), shaped as an SDK
 * v3 client (`client.send(new FilterLogEventsCommand(input))`, so aws-sdk-client-mock tests it
 * like the others): `@aws-sdk/client-cloudwatch-logs` is not among the installed packages.
 *
 * The request is the service's awsJson1_1 protocol (CloudWatch Logs API reference, "Making API
 * requests": POST / with `X-Amz-Target: Logs_20140328.<Operation>` and
 * `Content-Type: application/x-amz-json-1.1`), signed with SigV4 for service `logs`.
 */

/** FilterLogEvents request (CloudWatch Logs API reference), the fields the CLI uses. */
export interface FilterLogEventsInput {
  logGroupName: string;
  /** Epoch milliseconds. */
  startTime?: number;
  endTime?: number;
  filterPattern?: string;
  limit?: number;
  nextToken?: string;
}

export interface FilteredLogEvent {
  eventId?: string;
  logStreamName?: string;
  timestamp?: number;
  ingestionTime?: number;
  message?: string;
}

export interface FilterLogEventsOutput extends MetadataBearer {
  events?: FilteredLogEvent[];
  nextToken?: string;
}

export interface CloudWatchLogsClientConfig {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  /** Default: a Node.js HTTPS handler. */
  requestHandler?: NodeHttpHandler;
}

interface ResolvedConfig extends Omit<CloudWatchLogsClientConfig, "requestHandler"> {
  requestHandler: NodeHttpHandler;
  apiVersion: string;
}

type LogsInput = FilterLogEventsInput;
type LogsOutput = FilterLogEventsOutput;

export class CloudWatchLogsClient extends Client<
  HttpHandlerOptions,
  LogsInput,
  LogsOutput,
  ResolvedConfig
> {
  constructor(config: CloudWatchLogsClientConfig) {
    super({
      ...config,
      requestHandler: config.requestHandler ?? new NodeHttpHandler(),
      apiVersion: "2014-03-28",
    });
  }
}

export class FilterLogEventsCommand extends Command<
  FilterLogEventsInput,
  FilterLogEventsOutput,
  ResolvedConfig,
  LogsInput,
  LogsOutput
> {
  readonly input: FilterLogEventsInput;

  constructor(input: FilterLogEventsInput) {
    super();
    this.input = input;
  }

  resolveMiddleware(
    _stack: MiddlewareStack<LogsInput, LogsOutput>,
    config: ResolvedConfig,
  ): Handler<FilterLogEventsInput, FilterLogEventsOutput> {
    return async () => ({
      output: await callLogs(config, "FilterLogEvents", this.input),
      response: undefined,
    });
  }
}

/** An error reply as the SDK names it: `name` is the exception type (`ResourceNotFoundException`). */
export class CloudWatchLogsError extends Error {
  readonly httpStatusCode: number;

  constructor(name: string, message: string, httpStatusCode: number) {
    super(message);
    this.name = name;
    this.httpStatusCode = httpStatusCode;
  }
}

async function callLogs<Output extends MetadataBearer>(
  config: ResolvedConfig,
  operation: string,
  input: object,
): Promise<Output> {
  const hostname = `logs.${config.region}.amazonaws.com`;
  const request = new HttpRequest({
    method: "POST",
    protocol: "https:",
    hostname,
    path: "/",
    headers: {
      host: hostname,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `Logs_20140328.${operation}`,
    },
    body: JSON.stringify(input),
  });
  const signer = new SignatureV4({
    service: "logs",
    region: config.region,
    credentials: config.credentials,
    sha256: Hash.bind(null, "sha256"),
  });
  const { response } = await config.requestHandler.handle(
    (await signer.sign(request)) as HttpRequest,
  );
  const text = await readBody(response.body as AsyncIterable<Uint8Array>);
  const json = text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
  const $metadata = {
    httpStatusCode: response.statusCode,
    requestId: response.headers["x-amzn-requestid"],
  };
  if (response.statusCode >= 300) {
    // awsJson1_1 errors: `__type` is `[namespace#]ExceptionName`.
    const type =
      String(json.__type ?? "UnknownError")
        .split("#")
        .at(-1) ?? "UnknownError";
    const message = String(json.message ?? json.Message ?? `HTTP ${response.statusCode}`);
    throw new CloudWatchLogsError(type, message, response.statusCode);
  }
  return { ...json, $metadata } as unknown as Output;
}

async function readBody(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
