import * as z from "zod";
import { StateFileError } from "../errors.ts";
import { createCoalescingWriter } from "./coalescing-writer.ts";
import { readOptionalFile } from "./private-files.ts";

export interface JsonRecordFileOptions<T> {
  path: string;
  /** The key holding the record array next to `version: 1`, e.g. "releases". */
  field: string;
  recordSchema: z.ZodType<T>;
  /** The map key of a record read from the file. */
  keyOf: (record: T) => string;
  /** Names the file in errors: "not a <what> file". */
  what: string;
}

/**
 * A map of records kept as `{ "version": 1, "<field>": [...] }` in one private JSON file. The
 * map is the live state: callers change it, then `save()`. Reading is lazy and happens once.
 */
export interface JsonRecordFile<T> {
  /** The records, read and validated on the first call. */
  records(): Promise<Map<string, T>>;
  /** Resolves once a snapshot including every change so far is on disk. */
  save(): Promise<void>;
  /** Resolves when every requested save has finished. */
  flush(): Promise<void>;
}

export function openJsonRecordFile<T>(options: JsonRecordFileOptions<T>): JsonRecordFile<T> {
  const { path, field, recordSchema, keyOf, what } = options;
  const fileSchema = z.object({ version: z.literal(1), [field]: z.array(recordSchema) });
  const map = new Map<string, T>();
  const writer = createCoalescingWriter(
    path,
    () => `${JSON.stringify({ version: 1, [field]: [...map.values()] }, null, 2)}\n`,
  );
  let loaded: Promise<Map<string, T>> | undefined;

  async function load(): Promise<Map<string, T>> {
    const text = await readOptionalFile(path);
    if (text === null) return map;
    let records: T[];
    try {
      // The computed key widens the inferred shape; the schema has just checked `field`.
      records = fileSchema.parse(JSON.parse(text))[field] as T[];
    } catch (error) {
      throw new StateFileError(path, `not a ${what} file`, { cause: error });
    }
    for (const record of records) map.set(keyOf(record), record);
    return map;
  }

  return {
    records: () => {
      loaded ??= load();
      return loaded;
    },
    save: () => writer.write(),
    flush: () => writer.flush(),
  };
}
