import { describeFunctionRoles } from "./iam/function-role-suite.ts";

// Timestream for LiveAnalytics: the ingest function writes through the SDK.
await describeFunctionRoles({ stage: "dev", env: { FLEET_TELEMETRY_STORE: "timestream" } });
