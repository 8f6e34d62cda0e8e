import { describeFunctionRoles } from "./iam/function-role-suite.ts";

// The default telemetry store, Timestream for InfluxDB, reached from inside its VPC.
await describeFunctionRoles({
  stage: "dev",
  env: {
    FLEET_TELEMETRY_STORE: "influxdb",
    FLEET_INFLUXDB_URL: "https://abc123.eu-west-1.timestream-influxdb.amazonaws.com:8086",
    FLEET_INFLUXDB_ORG: "fleet",
    FLEET_INFLUXDB_BUCKET: "telemetry",
    FLEET_INFLUXDB_TOKEN_SECRET_ARN:
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:fleet-dev-influxdb-token-AbCdEf",
    FLEET_INFLUXDB_VPC_ID: "vpc-0123456789abcdef0",
    FLEET_INFLUXDB_SUBNET_IDS: "subnet-0123456789abcdef0,subnet-0fedcba9876543210",
    FLEET_INFLUXDB_SECURITY_GROUP_ID: "sg-0123456789abcdef0",
  },
});
