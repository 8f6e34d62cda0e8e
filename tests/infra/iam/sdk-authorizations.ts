import type { RecordedCall } from "../../../packages/functions/tests/sdk-calls/sdk-recorder.ts";
import { catalogAction } from "./action-catalog.ts";
import type { Authorization } from "./authorization.ts";
import type { AwsScope } from "./aws-scope.ts";
import { requestContext } from "./context-keys.ts";
import { resourceArns } from "./resource-arns.ts";

type Input = Record<string, unknown>;

/** One IAM action a command needs: on the resources its input names, unless given here. */
interface ActionRequest {
  action: string;
  input: Input;
  resource?: string;
  context?: Record<string, string>;
}

/** IAM service prefix of each AWS SDK client, by the client's `serviceId`. */
const SERVICE_PREFIXES: Record<string, string> = {
  "ACM PCA": "acm-pca",
  DynamoDB: "dynamodb",
  IoT: "iot",
  // The data plane's Publish is authorized as iot:Publish, on the topic.
  "IoT Data Plane": "iot",
  S3: "s3",
  "Secrets Manager": "secretsmanager",
  SQS: "sqs",
  "Timestream Write": "timestream",
};

const one = (action: string) => (input: Input) => [{ action, input }];

/** TransactWriteItems is authorized item by item, each as its own write (or condition check). */
function transactWrite(input: Input): ActionRequest[] {
  const items = (input.TransactItems ?? []) as Record<string, Input>[];
  const actions: Record<string, string> = {
    Put: "dynamodb:PutItem",
    Update: "dynamodb:UpdateItem",
    Delete: "dynamodb:DeleteItem",
    ConditionCheck: "dynamodb:ConditionCheckItem",
  };
  return items.flatMap((item) =>
    Object.entries(item).map(([kind, body]) => ({
      action: actions[kind] ?? `dynamodb:${kind}`,
      input: body,
    })),
  );
}

/**
 * THE exceptions: commands whose IAM action is not `<prefix>:<command name without "Command">`,
 * or that need more than one action. Source: the Service Authorization Reference ("Actions
 * defined by ..." of DynamoDB, S3, SQS, AWS IoT, Timestream, IAM) and the service guides it
 * links for dependent actions. Every other command maps by name.
 */
const EXCEPTIONS: Record<string, (input: Input) => ActionRequest[]> = {
  // lib-dynamodb's document commands are the item APIs underneath.
  "DynamoDB GetCommand": one("dynamodb:GetItem"),
  "DynamoDB PutCommand": one("dynamodb:PutItem"),
  "DynamoDB UpdateCommand": one("dynamodb:UpdateItem"),
  "DynamoDB DeleteCommand": one("dynamodb:DeleteItem"),
  "DynamoDB ScanCommand": one("dynamodb:Scan"),
  "DynamoDB QueryCommand": one("dynamodb:Query"),
  "DynamoDB TransactWriteCommand": transactWrite,
  // A batch is authorized as its single-message action.
  "SQS SendMessageBatchCommand": one("sqs:SendMessage"),
  "S3 ListObjectsV2Command": one("s3:ListBucket"),
  "S3 HeadObjectCommand": one("s3:GetObject"),
  // Without s3:ListBucket, S3 answers a missing key with 403 AccessDenied, not 404 NoSuchKey
  // (S3 API reference, GetObject "Permissions"): the adapters tell "no object" by NoSuchKey.
  "S3 GetObjectCommand": (input) => [
    { action: "s3:GetObject", input },
    { action: "s3:ListBucket", input: { Bucket: input.Bucket } },
  ],
  "IoT Data Plane PublishCommand": one("iot:Publish"),
  // The write client first discovers its endpoint (DescribeEndpoints, no resource type).
  "Timestream Write WriteRecordsCommand": (input) => [
    { action: "timestream:WriteRecords", input },
    { action: "timestream:DescribeEndpoints", input: {} },
  ],
  // A job with presigned URLs passes its presign role to AWS IoT.
  "IoT CreateJobCommand": (input) => {
    const roleArn = (input.presignedUrlConfig as { roleArn?: string } | undefined)?.roleArn;
    return [
      { action: "iot:CreateJob", input },
      ...(roleArn === undefined
        ? []
        : [
            {
              action: "iam:PassRole",
              input: {},
              resource: roleArn,
              context: { "iam:PassedToService": "iot.amazonaws.com" },
            },
          ]),
    ];
  },
};

export class UnmappedCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnmappedCommandError";
  }
}

function actionRequests(call: RecordedCall): ActionRequest[] {
  const source = `${call.service} ${call.command}`;
  const exception = EXCEPTIONS[source];
  if (exception !== undefined) return exception(call.input);
  const prefix = SERVICE_PREFIXES[call.service];
  if (prefix === undefined) {
    throw new UnmappedCommandError(
      `no IAM service prefix for SDK service "${call.service}": add it to SERVICE_PREFIXES`,
    );
  }
  return [{ action: `${prefix}:${call.command.replace(/Command$/, "")}`, input: call.input }];
}

/**
 * The authorizations a recorded SDK call needs: each IAM action, on the ARN of each resource
 * type the catalogue authorizes it on that the input names (`*` for actions without resource
 * types), with the condition keys AWS sets from the input.
 */
export async function sdkAuthorizations(
  call: RecordedCall,
  scope: AwsScope,
): Promise<Authorization[]> {
  const source = `${call.service} ${call.command}`;
  const authorizations: Authorization[] = [];
  for (const request of actionRequests(call)) {
    const catalogue = await catalogAction(request.action);
    const context = {
      ...requestContext(catalogue.conditionKeys, request.input, scope),
      ...request.context,
    };
    if (request.resource !== undefined || catalogue.resourceTypes.length === 0) {
      authorizations.push({
        action: request.action,
        resource: request.resource ?? "*",
        context,
        source,
      });
      continue;
    }
    const resources = catalogue.resourceTypes.flatMap((type) => {
      const arns = resourceArns(`${request.action.split(":")[0]}:${type}`, request.input, scope);
      return arns ?? [];
    });
    if (resources.length === 0) {
      throw new UnmappedCommandError(
        `${source}: ${request.action} is authorized on ${catalogue.resourceTypes.join(", ")}, and no ARN builder names one from its input (resource-arns.ts)`,
      );
    }
    for (const resource of new Set(resources)) {
      authorizations.push({ action: request.action, resource, context, source });
    }
  }
  return authorizations;
}
