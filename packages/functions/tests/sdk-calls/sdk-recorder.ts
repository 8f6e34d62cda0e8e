import { ACMPCAClient } from "@aws-sdk/client-acm-pca";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IoTClient } from "@aws-sdk/client-iot";
import { IoTDataPlaneClient } from "@aws-sdk/client-iot-data-plane";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { TimestreamWriteClient } from "@aws-sdk/client-timestream-write";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";

/** One command an AWS SDK client sent: its service (the client's `serviceId`) and input. */
export interface RecordedCall {
  /** The SDK's service id, e.g. `IoT`, `IoT Data Plane`, `DynamoDB`, `ACM PCA`. */
  service: string;
  /** The command's class name, e.g. `AttachThingPrincipalCommand`, `GetCommand`. */
  command: string;
  input: Record<string, unknown>;
}

// biome-ignore lint/suspicious/noExplicitAny: SDK commands of every client share this mock
type AnyCommand = new (input: any) => unknown;

/** What the mocked clients answer to one command (optionally only for a matching input). */
export interface SdkAnswer {
  resolves(output: unknown): void;
  rejects(error: Error): void;
  callsFake(fake: (input: Record<string, unknown>) => unknown): void;
}

export interface SdkRecorder {
  on(command: AnyCommand, input?: Record<string, unknown>): SdkAnswer;
  /** Every command sent since the last reset, in the order sent. */
  calls(): RecordedCall[];
  /** Forgets answers and calls. */
  reset(): void;
  restore(): void;
}

/**
 * The clients the handlers and adapters use. Their `send` lives on a base class shared by every
 * client of one SDK line, so mocking those bases catches every client of these lines, including
 * one an adapter adds later.
 */
const KNOWN_CLIENTS = [
  ACMPCAClient,
  DynamoDBClient,
  DynamoDBDocumentClient,
  IoTClient,
  IoTDataPlaneClient,
  S3Client,
  SecretsManagerClient,
  SQSClient,
  TimestreamWriteClient,
];

type ClientClass = { prototype: object };

function sendOwner(client: ClientClass): ClientClass {
  let owner = client;
  while (!Object.hasOwn(owner.prototype, "send")) owner = Object.getPrototypeOf(owner);
  return owner;
}

interface LooseStub {
  on(command: AnyCommand, input?: Record<string, unknown>): SdkAnswer;
  reset(): void;
  restore(): void;
  send: {
    getCalls(): {
      callId: number;
      thisValue: { config: { serviceId: string } };
      args: [{ constructor: { name: string }; input: Record<string, unknown> }];
    }[];
  };
}

/**
 * Mocks `send` of every AWS SDK client (aws-sdk-client-mock on the clients' base classes) and
 * records each command with the service of the client that sent it. Unanswered commands answer
 * `undefined`, as with aws-sdk-client-mock.
 */
export function recordSdkCalls(): SdkRecorder {
  const owners = new Set(KNOWN_CLIENTS.map(sendOwner));
  const stubs = [...owners].map((owner) => mockClient(owner as never) as unknown as LooseStub);
  return {
    on(command, input) {
      const answers = stubs.map((stub) => stub.on(command, input));
      return {
        resolves: (output) => {
          for (const answer of answers) answer.resolves(output);
        },
        rejects: (error) => {
          for (const answer of answers) answer.rejects(error);
        },
        callsFake: (fake) => {
          for (const answer of answers) answer.callsFake(fake);
        },
      };
    },
    calls() {
      return stubs
        .flatMap((stub) => stub.send.getCalls())
        .sort((a, b) => a.callId - b.callId)
        .map(({ thisValue, args: [command] }) => ({
          service: thisValue.config.serviceId,
          command: command.constructor.name,
          input: command.input,
        }));
    },
    reset() {
      for (const stub of stubs) stub.reset();
    },
    restore() {
      for (const stub of stubs) stub.restore();
    },
  };
}
