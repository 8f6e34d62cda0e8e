import {
  JobDetailSchema,
  type OperationsOf,
  type OperatorRoute,
  ThingNameSchema,
} from "@fleet/core/contracts";
import * as z from "zod";
import type { CreateJobInput } from "../jobs/job-store.ts";

const ThingGroupMemberSchema = z.object({ thingGroupName: z.string(), thingName: z.string() });

/**
 * Routes only the sandbox serves, beside the operator routes: what a test or the sandbox's
 * console does to its IoT Core (raw IoT jobs, thing group membership). A stage does these with
 * the AWS console or CLI, so they are not operator operations.
 */
export const SANDBOX_CONSOLE_ROUTES = {
  /**
   * AWS CreateJob as the sandbox takes it (thing and group names rather than ARNs): 201 with
   * the job; 400 naming the bad field, 404 for an unknown target, 409 for a job id in use.
   */
  createJob: {
    method: "POST",
    path: "/v1/jobs",
    status: 201,
    request: z.codec(
      z.object({
        // The job store validates the fields one by one, naming the bad one.
        body: z.custom<CreateJobInput>(
          (body) => typeof body === "object" && body !== null && !Array.isArray(body),
          "the body must be a JSON object",
        ),
      }),
      z.custom<CreateJobInput>(),
      { decode: ({ body }) => body, encode: (body) => ({ body }) },
    ),
    reply: JobDetailSchema,
  },
  listThingGroupMembers: {
    method: "GET",
    path: "/v1/thing-groups/:name/things",
    request: z.codec(z.object({ params: z.object({ name: z.string() }) }), z.string(), {
      decode: ({ params }) => params.name,
      encode: (name) => ({ params: { name } }),
    }),
    reply: z.object({ thingGroupName: z.string(), thingNames: z.array(z.string()) }),
  },
  addThingGroupMember: {
    method: "POST",
    path: "/v1/thing-groups/:name/things",
    request: z.codec(
      z.object({
        params: z.object({ name: z.string() }),
        body: z.strictObject({ thingName: ThingNameSchema }),
      }),
      ThingGroupMemberSchema,
      {
        decode: ({ params, body }) => ({ thingGroupName: params.name, ...body }),
        encode: ({ thingGroupName, thingName }) => ({
          params: { name: thingGroupName },
          body: { thingName },
        }),
      },
    ),
    reply: ThingGroupMemberSchema,
  },
  removeThingGroupMember: {
    method: "DELETE",
    path: "/v1/thing-groups/:name/things/:thingName",
    request: z.codec(
      z.object({ params: z.object({ name: z.string(), thingName: z.string() }) }),
      ThingGroupMemberSchema,
      {
        decode: ({ params }) => ({ thingGroupName: params.name, thingName: params.thingName }),
        encode: ({ thingGroupName, thingName }) => ({
          params: { name: thingGroupName, thingName },
        }),
      },
    ),
    reply: ThingGroupMemberSchema,
  },
} as const satisfies Record<string, OperatorRoute>;

export type SandboxConsoleOperations = OperationsOf<typeof SANDBOX_CONSOLE_ROUTES>;
