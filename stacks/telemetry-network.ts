import type { InfluxDbNetwork } from "./telemetry-config.ts";

/** Port of the InfluxDB HTTP API on a Timestream for InfluxDB instance. */
export const INFLUXDB_PORT = 8086;
const HTTPS_PORT = 443;

/** The AWS APIs the ingest function calls itself: its token, and dead letters. */
const SERVICE_ENDPOINTS = [
  { name: "SecretsManager", service: "secretsmanager" },
  { name: "Sqs", service: "sqs" },
] as const;

export interface IngestNetwork {
  /** The function's `vpc` setting (sst.aws.Function); absent outside a VPC. */
  vpc?: { privateSubnets: string[]; securityGroups: $util.Output<string>[] };
  /** What Lambda needs to manage the function's network interfaces; none outside a VPC. */
  permissions: sst.aws.FunctionPermissionArgs[];
}

/**
 * How the telemetry ingest function reaches the InfluxDB instance (see stacks/telemetry-config.ts
 * for the two modes). In a VPC:
 * - its own security group, allowed out only to the instance's security group on 8086 and to
 *   HTTPS for the AWS APIs (pulumi-aws removes the allow-all egress rule EC2 gives a new group:
 *   the note on egress rules of aws.ec2.SecurityGroup); a rule on the instance's group lets it in;
 * - interface endpoints with private DNS for Secrets Manager and SQS, behind a group that only
 *   the function may reach, unless the VPC already reaches those APIs. No endpoint policy: private
 *   DNS serves the whole VPC, and other workloads there may use the same services;
 * - the network-interface permissions Lambda uses the function's role for.
 * DNS needs no rule: security groups do not filter traffic to the VPC's Amazon DNS server.
 */
export function ingestNetwork(network: InfluxDbNetwork): IngestNetwork {
  if (network.kind === "public") return { permissions: [] };

  const partition = aws.getPartitionOutput();
  const region = aws.getRegionOutput().region;
  const accountId = aws.getCallerIdentityOutput().accountId;
  const prefix = `${$app.name}-${$app.stage}`;
  const ec2Arn = (resource: $util.Input<string>) =>
    $interpolate`arn:${partition.partition}:ec2:${region}:${accountId}:${resource}`;

  // A name prefix, not a name: a replaced group (another VPC) is created before the old one goes.
  const securityGroup = new aws.ec2.SecurityGroup("TelemetryIngestSecurityGroup", {
    namePrefix: `${prefix}-telemetry-ingest-`,
    description: `${prefix} telemetry ingest: out to InfluxDB and the AWS APIs only`,
    vpcId: network.vpcId,
  });
  const tcp = (port: number) => ({ ipProtocol: "tcp", fromPort: port, toPort: port });

  new aws.vpc.SecurityGroupEgressRule("TelemetryIngestToInfluxDb", {
    securityGroupId: securityGroup.id,
    referencedSecurityGroupId: network.instanceSecurityGroupId,
    ...tcp(INFLUXDB_PORT),
    description: "InfluxDB HTTP API",
  });
  new aws.vpc.SecurityGroupIngressRule("InfluxDbFromTelemetryIngest", {
    securityGroupId: network.instanceSecurityGroupId,
    referencedSecurityGroupId: securityGroup.id,
    ...tcp(INFLUXDB_PORT),
    description: `${prefix} telemetry ingest`,
  });

  if (network.serviceEndpoints === "create") {
    const endpointGroup = new aws.ec2.SecurityGroup("TelemetryEndpointSecurityGroup", {
      namePrefix: `${prefix}-telemetry-endpoints-`,
      description: `${prefix} Secrets Manager and SQS endpoints: HTTPS from the telemetry ingest`,
      vpcId: network.vpcId,
    });
    new aws.vpc.SecurityGroupIngressRule("TelemetryEndpointsFromIngest", {
      securityGroupId: endpointGroup.id,
      referencedSecurityGroupId: securityGroup.id,
      ...tcp(HTTPS_PORT),
      description: `${prefix} telemetry ingest`,
    });
    new aws.vpc.SecurityGroupEgressRule("TelemetryIngestToEndpoints", {
      securityGroupId: securityGroup.id,
      referencedSecurityGroupId: endpointGroup.id,
      ...tcp(HTTPS_PORT),
      description: "Secrets Manager and SQS interface endpoints",
    });
    for (const { name, service } of SERVICE_ENDPOINTS) {
      new aws.ec2.VpcEndpoint(`TelemetryIngest${name}Endpoint`, {
        vpcId: network.vpcId,
        serviceName: $interpolate`${partition.reverseDnsPrefix}.${region}.${service}`,
        vpcEndpointType: "Interface",
        subnetIds: network.subnetIds,
        securityGroupIds: [endpointGroup.id],
        // The SDK's default endpoints (secretsmanager.<region>.amazonaws.com, sqs.<region>...)
        // resolve to the endpoint inside the VPC: the handler needs no endpoint setting. It
        // takes the VPC attributes enableDnsSupport and enableDnsHostnames (EC2
        // CreateVpcEndpoint, PrivateDnsEnabled), which the README asks the operator to check.
        privateDnsEnabled: true,
      });
    }
  } else {
    // Through the VPC's NAT gateway or its own endpoints, whose addresses the stack cannot know.
    new aws.vpc.SecurityGroupEgressRule("TelemetryIngestToAwsApis", {
      securityGroupId: securityGroup.id,
      cidrIpv4: "0.0.0.0/0",
      ...tcp(HTTPS_PORT),
      description: "Secrets Manager and SQS through the VPC's NAT gateway or endpoints",
    });
  }

  return {
    vpc: { privateSubnets: network.subnetIds, securityGroups: [securityGroup.id] },
    // Lambda creates and deletes the function's network interfaces with the function's role
    // (AWS managed policy AWSLambdaVPCAccessExecutionRole v3 grants the same EC2 actions on
    // "*"). Scoped per the Service Authorization Reference (Amazon EC2):
    permissions: [
      {
        // Authorized on the new network-interface, the subnet (both required) and the
        // security-group it joins: only this stage's subnets and group.
        actions: ["ec2:CreateNetworkInterface"],
        resources: [
          ec2Arn("network-interface/*"),
          ...network.subnetIds.map((id) => ec2Arn(`subnet/${id}`)),
          ec2Arn($interpolate`security-group/${securityGroup.id}`),
        ],
      },
      {
        // Authorized on the network-interface alone. Its ec2:Subnet / ec2:Vpc condition keys
        // are left out: the Lambda developer guide asks for every interface id (e.g.
        // arn:aws:ec2:<region>:<account>:*/*) lest the function lose its VPC access; the stage
        // owns its account, so that is this account's and region's interfaces.
        actions: [
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ],
        resources: [ec2Arn("network-interface/*")],
      },
      {
        // No resource type: Resource "*" only (the Lambda guide says so for
        // DescribeNetworkInterfaces too).
        actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
        resources: ["*"],
      },
    ],
  };
}
