import type { OperationsOf } from "../contracts/operator-api/operator-route.ts";
import type { OperatorRouteTable } from "../contracts/operator-api/operator-routes.ts";

/**
 * What an operator does to the fleet (`fleet devices`, `allowlist`, `telemetry`, `jobs`, `ota`,
 * `led`, `rotation`), the same on every target: the sandbox serves these operations on its
 * loopback API and the CLI reaches them through a client derived from the same route table; a
 * stage implements them with AWS calls. One method per route of `OPERATOR_ROUTES`, named as
 * the route is, taking the route's decoded request and answering its decoded reply (see each
 * route for what it does).
 */
export type FleetOperations = OperationsOf<OperatorRouteTable>;
