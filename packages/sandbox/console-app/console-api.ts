import { createOperatorClient, OPERATOR_ROUTES, type OperationsOf } from "@fleet/core/contracts";

/** The operator API as the console calls it: the routes and schemas the CLI's client uses. */
export type ConsoleApi = OperationsOf<typeof OPERATOR_ROUTES>;

/**
 * The API that served the page. No token: the session cookie the launch URL set authenticates
 * every request, and the page's script never sees it (HttpOnly).
 */
export function consoleApi(): ConsoleApi {
  return createOperatorClient(OPERATOR_ROUTES, { url: location.origin });
}

/** What the console shows for a failed call: the API's reason, not a stack. */
export function failure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
