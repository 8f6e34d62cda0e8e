export * from "./device-logs-route.ts";
export * from "./operator-client.ts";
export * from "./operator-errors.ts";
export * from "./operator-route.ts";
export * from "./operator-routes.ts";
export * from "./operator-schemas.ts";
export * from "./wire-codecs.ts";
