/**
 * Pulumi mocks (`pulumi.runtime.setMocks`) standing in for AWS: every resource registration is
 * recorded with its resolved inputs, and the data sources the stacks read (partition, region,
 * account, IoT endpoint, IAM policy documents) answer with fixed, realistic values.
 */

export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "eu-west-1";
export const MOCK_PARTITION = "aws";
/** The Pulumi type of a Lambda function (SST registers one per `sst.aws.Function`). */
export const LAMBDA_FUNCTION = "aws:lambda/function:Function";
export const MOCK_IOT_DATA_ENDPOINT = `a1b2c3d4e5f6g7-ats.iot.${MOCK_REGION}.amazonaws.com`;

/** One resource the program registered, with its inputs as the provider would receive them. */
export interface RegisteredResource {
  /** Pulumi type token, e.g. `aws:iot/topicRule:TopicRule` or `sst:aws:Function`. */
  type: string;
  /** Logical name. */
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: provider inputs are untyped JSON-like values
  inputs: Record<string, any>;
  /** False for component resources (e.g. `sst:aws:Function`), true for cloud resources. */
  custom: boolean;
}

/** Where a resource type lives in an ARN: service and resource part, as AWS spells them. */
const ARN_FORMATS: Record<string, (name: string) => string> = {
  "aws:cloudwatch/logGroup:LogGroup": (name) =>
    `arn:${MOCK_PARTITION}:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${name}`,
  "aws:iam/role:Role": (name) => `arn:${MOCK_PARTITION}:iam::${MOCK_ACCOUNT_ID}:role/${name}`,
  "aws:iot/policy:Policy": (name) =>
    `arn:${MOCK_PARTITION}:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:policy/${name}`,
  "aws:iot/thingGroup:ThingGroup": (name) =>
    `arn:${MOCK_PARTITION}:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:thinggroup/${name}`,
  "aws:iot/provisioningTemplate:ProvisioningTemplate": (name) =>
    `arn:${MOCK_PARTITION}:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:provisioningtemplate/${name}`,
  "aws:iot/certificate:Certificate": (name) =>
    `arn:${MOCK_PARTITION}:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:cert/${name}`,
  "aws:s3/bucket:Bucket": (name) => `arn:${MOCK_PARTITION}:s3:::${name}`,
  "aws:dynamodb/table:Table": (name) =>
    `arn:${MOCK_PARTITION}:dynamodb:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:table/${name}`,
  "aws:secretsmanager/secret:Secret": (name) =>
    `arn:${MOCK_PARTITION}:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:secret:${name}-AbCdEf`,
  "aws:iot/topicRule:TopicRule": (name) =>
    `arn:${MOCK_PARTITION}:iot:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:rule/${name}`,
  "aws:lambda/function:Function": (name) =>
    `arn:${MOCK_PARTITION}:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${name}`,
  "aws:kinesis/stream:Stream": (name) =>
    `arn:${MOCK_PARTITION}:kinesis:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:stream/${name}`,
  "aws:sqs/queue:Queue": (name) =>
    `arn:${MOCK_PARTITION}:sqs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${name}`,
  "aws:acmpca/certificateAuthority:CertificateAuthority": (name) =>
    `arn:${MOCK_PARTITION}:acm-pca:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:certificate-authority/${name}`,
  "aws:acmpca/certificate:Certificate": (name) =>
    `arn:${MOCK_PARTITION}:acm-pca:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:certificate-authority/ca/certificate/${name}`,
  "aws:cloudwatch/eventRule:EventRule": (name) =>
    `arn:${MOCK_PARTITION}:events:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:rule/${name}`,
  "aws:sns/topic:Topic": (name) =>
    `arn:${MOCK_PARTITION}:sns:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${name}`,
  "aws:ssm/parameter:Parameter": (name) =>
    `arn:${MOCK_PARTITION}:ssm:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:parameter${name}`,
  "aws:timestreamwrite/database:Database": (name) =>
    `arn:${MOCK_PARTITION}:timestream:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:database/${name}`,
  // The physical name of a table is `<database>/<table>` (physicalNameOf).
  "aws:timestreamwrite/table:Table": (name) =>
    `arn:${MOCK_PARTITION}:timestream:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:database/${name.replace("/", "/table/")}`,
};

/** What AWS IoT returns for a certificate it generated keys for (placeholders, not real PEM). */
export const MOCK_CERTIFICATE = {
  certificatePem: "-----BEGIN CERTIFICATE-----\nMOCK\n-----END CERTIFICATE-----\n",
  privateKey: "-----BEGIN RSA PRIVATE KEY-----\nMOCK\n-----END RSA PRIVATE KEY-----\n",
  publicKey: "-----BEGIN PUBLIC KEY-----\nMOCK\n-----END PUBLIC KEY-----\n",
};

/** What ACM Private CA returns for a CA's CSR and its certificate (placeholders, not real PEM). */
export const MOCK_CA = {
  certificateSigningRequest:
    "-----BEGIN CERTIFICATE REQUEST-----\nMOCK\n-----END CERTIFICATE REQUEST-----\n",
  certificate: "-----BEGIN CERTIFICATE-----\nMOCKCA\n-----END CERTIFICATE-----\n",
};

/** Outputs the provider computes beyond `name` and `arn`, per resource type. */
const COMPUTED_STATE: Record<string, (name: string) => Record<string, unknown>> = {
  // S3 reports the bucket's name as `bucket` (SST reads it from there).
  "aws:s3/bucket:Bucket": (name) => ({ bucket: name }),
  "aws:iot/certificate:Certificate": () => MOCK_CERTIFICATE,
  "aws:acmpca/certificateAuthority:CertificateAuthority": () => ({
    certificateSigningRequest: MOCK_CA.certificateSigningRequest,
  }),
  "aws:acmpca/certificate:Certificate": () => ({
    certificate: MOCK_CA.certificate,
    certificateChain: "",
  }),
  "aws:sqs/queue:Queue": (name) => ({
    url: `https://sqs.${MOCK_REGION}.amazonaws.com/${MOCK_ACCOUNT_ID}/${name}`,
  }),
};

// biome-ignore lint/suspicious/noExplicitAny: provider inputs are untyped
function physicalNameOf(type: string, name: string, inputs: Record<string, any>): string {
  // A bucket's name input is `bucket` (SST sets it to an app- and stage-prefixed name).
  if (type === "aws:s3/bucket:Bucket") return inputs.bucket ?? name;
  // Timestream names its database and tables by `databaseName` / `tableName`.
  if (type === "aws:timestreamwrite/database:Database") return inputs.databaseName ?? name;
  if (type === "aws:timestreamwrite/table:Table")
    return `${inputs.databaseName}/${inputs.tableName}`;
  return inputs.name ?? name;
}

function mockArn(type: string, name: string): string {
  const format = ARN_FORMATS[type];
  if (format) return format(name);
  const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
  return `arn:${MOCK_PARTITION}:${service}:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:${name}`;
}

interface PolicyDocumentStatement {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

const oneOrList = (values: string[]) => (values.length === 1 ? values[0] : values);

/** Renders `aws.iam.getPolicyDocument` inputs the way the provider does, as IAM JSON. */
function renderPolicyDocument(statements: PolicyDocumentStatement[] = []): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((statement) => ({
      ...(statement.sid ? { Sid: statement.sid } : {}),
      Effect: statement.effect ?? "Allow",
      ...(statement.actions ? { Action: oneOrList(statement.actions) } : {}),
      ...(statement.notActions ? { NotAction: oneOrList(statement.notActions) } : {}),
      ...(statement.resources ? { Resource: oneOrList(statement.resources) } : {}),
      ...(statement.notResources ? { NotResource: oneOrList(statement.notResources) } : {}),
      ...(statement.principals
        ? {
            Principal: Object.fromEntries(
              statement.principals.map((p) => [p.type, oneOrList(p.identifiers)]),
            ),
          }
        : {}),
      ...(statement.conditions
        ? {
            Condition: statement.conditions.reduce<Record<string, Record<string, unknown>>>(
              (all, c) => {
                all[c.test] = { ...all[c.test], [c.variable]: oneOrList(c.values) };
                return all;
              },
              {},
            ),
          }
        : {}),
    })),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: data source inputs are untyped
const DATA_SOURCES: Record<string, (inputs: any) => Record<string, unknown>> = {
  "aws:index/getPartition:getPartition": () => ({
    id: MOCK_PARTITION,
    partition: MOCK_PARTITION,
    dnsSuffix: "amazonaws.com",
    reverseDnsPrefix: "com.amazonaws",
  }),
  "aws:index/getRegion:getRegion": () => ({
    id: MOCK_REGION,
    region: MOCK_REGION,
    name: MOCK_REGION,
    endpoint: `ec2.${MOCK_REGION}.amazonaws.com`,
    description: "Europe (Ireland)",
  }),
  "aws:index/getCallerIdentity:getCallerIdentity": () => ({
    id: MOCK_ACCOUNT_ID,
    accountId: MOCK_ACCOUNT_ID,
    arn: `arn:${MOCK_PARTITION}:iam::${MOCK_ACCOUNT_ID}:user/infra-test`,
    userId: "AIDAINFRATEST",
  }),
  "aws:iot/getEndpoint:getEndpoint": (inputs) => {
    if (inputs.endpointType !== "iot:Data-ATS") {
      throw new Error(
        `infra mocks only answer the iot:Data-ATS endpoint, not ${inputs.endpointType}`,
      );
    }
    return {
      id: MOCK_REGION,
      endpointType: inputs.endpointType,
      endpointAddress: MOCK_IOT_DATA_ENDPOINT,
    };
  },
  // An existing CA named by FLEET_CA_ARN.
  "aws:acmpca/getCertificateAuthority:getCertificateAuthority": (inputs) => ({
    id: inputs.arn,
    arn: inputs.arn,
    certificate: MOCK_CA.certificate,
    status: "ACTIVE",
    type: "ROOT",
    usageMode: "GENERAL_PURPOSE",
  }),
  "aws:iam/getPolicyDocument:getPolicyDocument": (inputs) => {
    // Like the provider, the result echoes the inputs (SST reads `statements` back).
    const json = renderPolicyDocument(inputs.statements);
    return { ...inputs, id: "policy-document", json, minifiedJson: json };
  },
};

export interface RecordingMocks extends $util.runtime.Mocks {
  resources: RegisteredResource[];
}

export function recordingMocks(): RecordingMocks {
  const resources: RegisteredResource[] = [];
  return {
    resources,
    newResource({ type, name, inputs, custom }) {
      resources.push({ type, name, inputs, custom: custom ?? false });
      const physicalName = physicalNameOf(type, name, inputs);
      return {
        id: `${physicalName}-id`,
        state: {
          ...inputs,
          ...COMPUTED_STATE[type]?.(physicalName),
          name: physicalName,
          arn: mockArn(type, physicalName),
        },
      };
    },
    call({ token, inputs }) {
      const answer = DATA_SOURCES[token];
      if (!answer) {
        // Failing beats answering `{}`: an unmocked data source would otherwise flow through
        // the stack as undefined values that tests could not tell from real ones.
        throw new Error(`infra mocks have no answer for data source ${token}; add one in mocks.ts`);
      }
      return answer(inputs);
    },
  };
}
