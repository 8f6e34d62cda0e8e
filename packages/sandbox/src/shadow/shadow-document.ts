import { isDeepStrictEqual } from "node:util";

/**
 * The classic shadow document's pure rules (developer guide, "Device Shadow service
 * documents"): how an update merges into a state section, how its metadata records when each
 * leaf was set, and how the delta between desired and reported is computed.
 */

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Merges `patch` into `target`: objects merge key by key, `null` deletes, anything else
 * (arrays too) replaces. AWS: "Updates affect only the fields specified" (developer guide,
 * "Device Shadow service documents"); a property set to null is deleted ("Interacting with
 * shadows"). So a map re-sent without a key keeps that key: only null removes it.
 */
export function mergeState(target: JsonObject | undefined, patch: JsonObject): JsonObject {
  const merged: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (isObject(value))
      merged[key] = mergeState(isObject(merged[key]) ? merged[key] : {}, value);
    else merged[key] = value;
  }
  return merged;
}

/** The metadata an update leaves: every leaf it set gets `{ timestamp }`; deleted leaves go. */
export function mergeMetadata(
  target: JsonObject | undefined,
  patch: JsonObject,
  timestamp: number,
): JsonObject {
  const merged: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (isObject(value)) {
      const current = merged[key];
      merged[key] = mergeMetadata(
        isObject(current) && !("timestamp" in current) ? current : {},
        value,
        timestamp,
      );
    } else if (Array.isArray(value)) merged[key] = value.map(() => ({ timestamp }));
    else merged[key] = { timestamp };
  }
  return merged;
}

/** The metadata of exactly the leaves `patch` sets (what `/update/accepted` carries). */
export function metadataOf(patch: JsonObject, timestamp: number): JsonObject {
  return mergeMetadata({}, patch, timestamp);
}

/** Desired values that reported lacks or holds differently; undefined when they agree. */
export function shadowDelta(
  desired: JsonObject | undefined,
  reported: JsonObject | undefined,
): JsonObject | undefined {
  if (desired === undefined) return undefined;
  const delta: JsonObject = {};
  for (const [key, wanted] of Object.entries(desired)) {
    const actual = reported?.[key];
    if (isObject(wanted) && isObject(actual)) {
      const nested = shadowDelta(wanted, actual);
      if (nested !== undefined) delta[key] = nested;
    } else if (!isDeepStrictEqual(wanted, actual)) {
      delta[key] = wanted;
    }
  }
  return Object.keys(delta).length === 0 ? undefined : delta;
}

/** The part of `metadata` the delta's keys name. */
export function deltaMetadata(delta: JsonObject, metadata: JsonObject | undefined): JsonObject {
  const picked: JsonObject = {};
  for (const [key, value] of Object.entries(delta)) {
    const entry = metadata?.[key];
    if (entry === undefined) continue;
    picked[key] =
      isObject(value) && isObject(entry) && !("timestamp" in entry)
        ? deltaMetadata(value, entry)
        : entry;
  }
  return picked;
}
