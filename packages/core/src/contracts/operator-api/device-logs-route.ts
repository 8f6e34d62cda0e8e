import * as z from "zod";
import { ThingNameSchema } from "../identity.ts";
import type { OperatorRoute } from "./operator-route.ts";
import { IsoDateSchema, LimitParameterSchema, TimeParameterSchema } from "./wire-codecs.ts";

/** Lines one read returns unless the client asks for fewer. */
export const DEFAULT_DEVICE_LOG_LIMIT = 1_000;

/** Core's `DeviceLogQuery`. */
export const DeviceLogQuerySchema = z.object({
  thingName: z.string(),
  since: z.date(),
  limit: z.number().int(),
});

/** Core's `ReadDeviceLogLine`, its time ISO 8601 on the wire. */
export const DeviceLogLineViewSchema = z.object({
  id: z.string(),
  time: IsoDateSchema,
  message: z.string(),
});

/**
 * `fleet logs`: the lines a device shipped since `since`, oldest first (the newest `limit`,
 * default 1,000). Reading does not ask the device to ship: the `logs` command does.
 */
export const READ_DEVICE_LOGS_ROUTE = {
  method: "GET",
  path: "/v1/devices/:thingName/logs",
  request: z.codec(
    z.object({
      params: z.object({ thingName: ThingNameSchema }),
      query: z.object({
        since: TimeParameterSchema,
        limit: LimitParameterSchema.optional(),
      }),
    }),
    DeviceLogQuerySchema,
    {
      decode: ({ params, query }) => ({
        thingName: params.thingName,
        since: query.since,
        limit: query.limit ?? DEFAULT_DEVICE_LOG_LIMIT,
      }),
      encode: ({ thingName, since, limit }) => ({
        params: { thingName },
        query: { since, limit },
      }),
    },
  ),
  reply: z.array(DeviceLogLineViewSchema),
} as const satisfies OperatorRoute;
