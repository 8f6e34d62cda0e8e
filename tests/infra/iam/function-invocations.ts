import { LAMBDA_FUNCTION, type RegisteredResource, type StackRun } from "../harness/index.ts";
import type { AwsScope } from "./aws-scope.ts";

/** An AWS service invoking a function for one of the stage's triggers. */
export interface Invocation {
  /** `topic rule fleet_dev_presence`, `S3 notification AllowListNotification`... */
  trigger: string;
  functionArn: string;
  service: string;
  /** What the service sets: the trigger's ARN and account. */
  context: Record<string, string>;
}

/**
 * Every trigger the stack wires to a function, as the invoking service presents itself
 * (`aws:SourceArn`, `aws:SourceAccount`): topic rules, the pre-provisioning hook, the
 * certificate provider, S3 notifications, SNS subscriptions, EventBridge targets.
 */
export function stageInvocations(stack: StackRun<unknown>, scope: AwsScope): Invocation[] {
  const regional = (service: string, resource: string) =>
    `arn:${scope.partition}:${service}:${scope.region}:${scope.accountId}:${resource}`;
  const from = (sourceArn: string) => ({
    "aws:SourceArn": sourceArn,
    "aws:SourceAccount": scope.accountId,
  });
  const invocations: Invocation[] = [];
  for (const rule of stack.ofType("aws:iot/topicRule:TopicRule")) {
    for (const lambda of (rule.inputs.lambdas ?? []) as { functionArn: string }[]) {
      invocations.push({
        trigger: `topic rule ${rule.inputs.name}`,
        functionArn: lambda.functionArn,
        service: "iot.amazonaws.com",
        context: from(regional("iot", `rule/${rule.inputs.name}`)),
      });
    }
  }
  for (const template of stack.ofType("aws:iot/provisioningTemplate:ProvisioningTemplate")) {
    const hook = template.inputs.preProvisioningHook as { targetArn: string } | undefined;
    if (hook === undefined) continue;
    invocations.push({
      trigger: `pre-provisioning hook of ${template.inputs.name}`,
      functionArn: hook.targetArn,
      service: "iot.amazonaws.com",
      context: from(regional("iot", `provisioningtemplate/${template.inputs.name}`)),
    });
  }
  for (const resource of stack.ofType("aws:cloudcontrol/resource:Resource")) {
    if (resource.inputs.typeName !== "AWS::IoT::CertificateProvider") continue;
    const state = JSON.parse(resource.inputs.desiredState as string);
    invocations.push({
      trigger: `certificate provider ${state.CertificateProviderName}`,
      functionArn: state.LambdaFunctionArn,
      service: "iot.amazonaws.com",
      context: from(regional("iot", `certificateprovider/${state.CertificateProviderName}`)),
    });
  }
  for (const notification of stack.ofType("aws:s3/bucketNotification:BucketNotification")) {
    const bucket = notification.inputs.bucket as string;
    for (const target of (notification.inputs.lambdaFunctions ?? []) as {
      lambdaFunctionArn: string;
    }[]) {
      invocations.push({
        // Bucket names carry a random suffix: the resource's logical name keeps test names stable.
        trigger: `S3 notification ${notification.name}`,
        functionArn: target.lambdaFunctionArn,
        service: "s3.amazonaws.com",
        context: from(`arn:${scope.partition}:s3:::${bucket}`),
      });
    }
  }
  for (const subscription of stack.ofType("aws:sns/topicSubscription:TopicSubscription")) {
    if (subscription.inputs.protocol !== "lambda") continue;
    invocations.push({
      trigger: `SNS subscription to ${subscription.inputs.topic}`,
      functionArn: subscription.inputs.endpoint as string,
      service: "sns.amazonaws.com",
      context: from(subscription.inputs.topic as string),
    });
  }
  for (const target of stack.ofType("aws:cloudwatch/eventTarget:EventTarget")) {
    invocations.push({
      trigger: `EventBridge rule ${target.inputs.rule}`,
      functionArn: target.inputs.arn as string,
      service: "events.amazonaws.com",
      context: from(regional("events", `rule/${target.inputs.rule}`)),
    });
  }
  return invocations;
}

const physicalName = (resource: RegisteredResource): string =>
  resource.inputs.name ?? resource.name;

function functionByArn(stack: StackRun<unknown>, functionArn: string): RegisteredResource {
  const fn = stack
    .ofType(LAMBDA_FUNCTION)
    .find((candidate) => functionArn.endsWith(`:function:${physicalName(candidate)}`));
  if (fn === undefined) throw new Error(`no function ${functionArn} in the stack`);
  return fn;
}

/** A function's logical name (its physical name carries a random suffix). */
export const functionNamed = (stack: StackRun<unknown>, functionArn: string): string =>
  functionByArn(stack, functionArn).name;

/**
 * A function's resource policy, as Lambda builds it from its permissions (AddPermission: the
 * service principal, ArnLike AWS:SourceArn and StringEquals AWS:SourceAccount when given).
 */
export function functionResourcePolicy(stack: StackRun<unknown>, functionArn: string): unknown {
  const fn = functionByArn(stack, functionArn);
  const statements = stack
    .ofType("aws:lambda/permission:Permission")
    .filter((permission) => permission.inputs.function === physicalName(fn))
    .map((permission) => ({
      Effect: "Allow",
      Principal: { Service: permission.inputs.principal },
      Action: permission.inputs.action,
      Resource: functionArn,
      Condition: {
        ...(permission.inputs.sourceArn
          ? { ArnLike: { "AWS:SourceArn": permission.inputs.sourceArn } }
          : {}),
        ...(permission.inputs.sourceAccount
          ? { StringEquals: { "AWS:SourceAccount": permission.inputs.sourceAccount } }
          : {}),
      },
    }));
  return { Version: "2012-10-17", Statement: statements };
}
