import { join } from "node:path";
import * as z from "zod";
import { ShadowRequestRejectedError, StateFileError } from "../errors.ts";
import { type CoalescingWriter, createCoalescingWriter } from "../state/coalescing-writer.ts";
import { readOptionalFile } from "../state/private-files.ts";
import {
  deltaMetadata,
  isObject,
  type JsonObject,
  mergeMetadata,
  mergeState,
  metadataOf,
  shadowDelta,
} from "./shadow-document.ts";

export const SHADOWS_FILE = "shadows.json";

/** AWS's limit on a classic shadow's state document. */
export const SHADOW_DOCUMENT_MAX_BYTES = 8 * 1024;

/**
 * The largest request payload the service reads. Only desired and reported count toward the
 * 8 KB ("Diagnosing problems with shadows"), so the envelope (`clientToken` of at most 64 bytes,
 * `version`, JSON punctuation) gets 1 KiB of room; a larger payload cannot hold a state within
 * the limit and is refused unread, 413 "The payload exceeds the maximum size allowed" (developer
 * guide, "Device Shadow error messages").
 */
export const SHADOW_REQUEST_MAX_BYTES = SHADOW_DOCUMENT_MAX_BYTES + 1024;

const SectionsSchema = z.object({
  desired: z.record(z.string(), z.unknown()).optional(),
  reported: z.record(z.string(), z.unknown()).optional(),
});

const ShadowSchema = z.object({
  state: SectionsSchema,
  metadata: SectionsSchema,
  version: z.number().int().positive(),
});
export type Shadow = z.infer<typeof ShadowSchema>;

const ShadowsFileSchema = z.object({
  version: z.literal(1),
  shadows: z.record(z.string(), ShadowSchema),
});

/** What an accepted update sends: the reply, and what AWS publishes to the thing's subscribers. */
export interface ShadowUpdateResult {
  accepted: JsonObject;
  /** `/update/delta`, when desired and reported differ after an update that touched desired. */
  delta: JsonObject | undefined;
  /** `/update/documents`. */
  documents: JsonObject;
}

type Section = "desired" | "reported";
const SECTIONS: readonly Section[] = ["desired", "reported"];

/**
 * Classic (unnamed) shadows by thing name, as the AWS IoT Device Shadow service keeps them,
 * persisted to `<stateDir>/shadows.json`. Refusals are `ShadowRequestRejectedError`s.
 */
export class ShadowStore {
  readonly #shadows = new Map<string, Shadow>();
  readonly #writer: CoalescingWriter;
  readonly #clock: () => Date;

  private constructor(path: string, clock: () => Date) {
    this.#clock = clock;
    this.#writer = createCoalescingWriter(
      path,
      () =>
        `${JSON.stringify({ version: 1, shadows: Object.fromEntries(this.#shadows) }, null, 2)}\n`,
    );
  }

  static async open(stateDir: string, options: { clock?: () => Date } = {}): Promise<ShadowStore> {
    const path = join(stateDir, SHADOWS_FILE);
    const store = new ShadowStore(path, options.clock ?? (() => new Date()));
    const text = await readOptionalFile(path);
    if (text !== null) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new StateFileError(path, "not valid JSON", { cause: error });
      }
      const parsed = ShadowsFileSchema.safeParse(json);
      if (!parsed.success) throw new StateFileError(path, z.prettifyError(parsed.error));
      for (const [thingName, shadow] of Object.entries(parsed.data.shadows)) {
        store.#shadows.set(thingName, shadow);
      }
    }
    return store;
  }

  /** The shadow, or undefined before its first update. */
  find(thingName: string): Shadow | undefined {
    const shadow = this.#shadows.get(thingName);
    return shadow && structuredClone(shadow);
  }

  /** GetThingShadow's document: state with the delta, metadata, version, timestamp. */
  get(thingName: string): JsonObject {
    const shadow = this.#shadows.get(thingName);
    if (shadow === undefined) {
      throw new ShadowRequestRejectedError(404, `No shadow exists with name: '${thingName}'`);
    }
    const delta = shadowDelta(shadow.state.desired, shadow.state.reported);
    return {
      state: { ...structuredClone(shadow.state), ...(delta === undefined ? {} : { delta }) },
      metadata: structuredClone(shadow.metadata),
      version: shadow.version,
      timestamp: this.#now(),
    };
  }

  /** UpdateThingShadow with a parsed request document. */
  async update(thingName: string, request: unknown): Promise<ShadowUpdateResult> {
    if (!isObject(request))
      throw new ShadowRequestRejectedError(400, "Payload contains invalid json");
    const { state, version } = request;
    if (state === undefined)
      throw new ShadowRequestRejectedError(400, "Missing required node: state");
    if (!isObject(state)) throw new ShadowRequestRejectedError(400, "State node must be an object");
    for (const key of Object.keys(state)) {
      if (!(SECTIONS as readonly string[]).includes(key)) {
        throw new ShadowRequestRejectedError(400, `Unsupported state node: ${key}`);
      }
    }
    const patch: Partial<Record<Section, JsonObject | null>> = {};
    for (const section of SECTIONS) {
      const value = state[section];
      if (value === undefined) continue;
      if (value !== null && !isObject(value)) {
        throw new ShadowRequestRejectedError(400, `${section} node must be an object`);
      }
      patch[section] = value;
    }
    const previous = this.#shadows.get(thingName);
    if (version !== undefined) {
      if (typeof version !== "number" || !Number.isInteger(version)) {
        throw new ShadowRequestRejectedError(400, "Invalid version");
      }
      if (version !== (previous?.version ?? 0)) {
        throw new ShadowRequestRejectedError(409, "Version conflict");
      }
    }
    const timestamp = this.#now();
    const next: Shadow = {
      state: { ...previous?.state },
      metadata: { ...previous?.metadata },
      version: (previous?.version ?? 0) + 1,
    };
    for (const section of SECTIONS) {
      const sectionPatch = patch[section];
      if (sectionPatch === undefined) continue;
      if (sectionPatch === null) {
        delete next.state[section];
        delete next.metadata[section];
        continue;
      }
      next.state[section] = mergeState(next.state[section], sectionPatch);
      next.metadata[section] = mergeMetadata(next.metadata[section], sectionPatch, timestamp);
    }
    if (Buffer.byteLength(JSON.stringify(next.state)) > SHADOW_DOCUMENT_MAX_BYTES) {
      throw new ShadowRequestRejectedError(
        413,
        `The shadow's state document would exceed ${SHADOW_DOCUMENT_MAX_BYTES} bytes`,
      );
    }
    this.#shadows.set(thingName, next);
    await this.#writer.write();

    const acceptedMetadata: JsonObject = {};
    for (const section of SECTIONS) {
      const sectionPatch = patch[section];
      if (sectionPatch !== undefined && sectionPatch !== null) {
        acceptedMetadata[section] = metadataOf(sectionPatch, timestamp);
      }
    }
    const delta =
      patch.desired === undefined
        ? undefined
        : shadowDelta(next.state.desired, next.state.reported);
    return {
      accepted: { state, metadata: acceptedMetadata, version: next.version, timestamp },
      delta:
        delta === undefined
          ? undefined
          : {
              state: delta,
              metadata: deltaMetadata(delta, next.metadata.desired),
              version: next.version,
              timestamp,
            },
      documents: {
        previous: previous === undefined ? null : { ...structuredClone(previous) },
        current: structuredClone(next),
        timestamp,
      },
    };
  }

  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #now(): number {
    return Math.floor(this.#clock().getTime() / 1000);
  }
}
