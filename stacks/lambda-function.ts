/** Lambda runtime of every product function (SST 4.17 and pulumi-aws 7 both accept it). */
export const LAMBDA_RUNTIME = "nodejs24.x";

const HANDLERS_DIR = "packages/functions/src/handlers";

export interface LambdaFunctionArgs {
  /** Entry in packages/functions/src/handlers, without extension, e.g. `presence-event`. */
  handler: string;
  /** Exactly the variables the handler parses at cold start, no more. */
  environment: Record<string, $util.Input<string>>;
  /** What the function may do beyond writing its own logs. */
  permissions?: sst.aws.FunctionPermissionArgs[];
  timeout?: sst.aws.FunctionArgs["timeout"];
  memory?: sst.aws.FunctionArgs["memory"];
  concurrency?: sst.aws.FunctionArgs["concurrency"];
  /** Subnets and security groups, for a function that must reach into a VPC. */
  vpc?: sst.aws.FunctionArgs["vpc"];
}

export interface LambdaFunction {
  fn: sst.aws.Function;
  logGroup: aws.cloudwatch.LogGroup;
}

/**
 * A product Lambda function with least privilege by construction: its own log group, a role
 * that may only write to that log group (plus `permissions`), trusted by the Lambda service
 * alone. Powertools metrics are EMF lines in those logs, so they need nothing more.
 */
export function lambdaFunction(name: string, args: LambdaFunctionArgs): LambdaFunction {
  const logGroup = new aws.cloudwatch.LogGroup(`${name}LogGroup`, {
    name: `/aws/lambda/${$app.name}-${$app.stage}-${args.handler}`,
    retentionInDays: 30,
  });

  const fn = new sst.aws.Function(name, {
    handler: `${HANDLERS_DIR}/${args.handler}.handler`,
    runtime: LAMBDA_RUNTIME,
    architecture: "arm64",
    timeout: args.timeout ?? "10 seconds",
    memory: args.memory ?? "256 MB",
    ...(args.concurrency ? { concurrency: args.concurrency } : {}),
    ...(args.vpc ? { vpc: args.vpc } : {}),
    environment: args.environment,
    logging: { logGroup: logGroup.name, format: "json" },
    permissions: [
      {
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [$interpolate`${logGroup.arn}:*`],
      },
      ...(args.permissions ?? []),
    ],
    transform: {
      role: {
        // Instead of the AWSLambdaBasicExecutionRole SST attaches (logs anywhere in the
        // account), the scoped statement above; instead of AWSLambdaVPCAccessExecutionRole (with
        // `vpc`), scoped network-interface statements in `permissions`.
        managedPolicyArns: [],
        // SST 4.17 also lets the account root assume every function role (for `sst dev`); a
        // deployed function's role is for the Lambda service alone.
        ...($dev
          ? {}
          : {
              assumeRolePolicy: JSON.stringify(
                aws.iam.assumeRolePolicyForPrincipal({ Service: "lambda.amazonaws.com" }),
              ),
            }),
      },
    },
  });

  return { fn, logGroup };
}
