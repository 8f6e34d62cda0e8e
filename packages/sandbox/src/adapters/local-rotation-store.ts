import {
  ACTIVE_ROTATION_STEPS,
  RotationAlreadyActiveError,
  type RotationListOptions,
  type RotationPatch,
  type RotationRecord,
  type RotationStep,
  RotationStepConflictError,
  type RotationStore,
} from "@fleet/core";
import { z } from "zod";
import { StateFileError } from "../errors.ts";
import { type CoalescingWriter, createCoalescingWriter } from "../state/coalescing-writer.ts";
import { readOptionalFile } from "../state/private-files.ts";

const STEPS = ["requested", "issued", "committed", "timed-out", "failed"] as const;

const RotationsFileSchema = z.object({
  version: z.literal(1),
  rotations: z.array(
    z.object({
      rotationId: z.string(),
      thingName: z.string(),
      serial: z.string().optional(),
      oldCertificateId: z.string(),
      newCertificateId: z.string().nullable(),
      jobId: z.string().nullable(),
      step: z.enum(STEPS),
      reason: z.string().nullable(),
      startedAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
      deadline: z.iso.datetime(),
    }),
  ),
});

/**
 * The `RotationStore` port as one JSON file (the sandbox's stand-in for the DynamoDB table),
 * loaded on first use and written atomically after each change. Each check-and-write runs
 * without an await in between, so it is as conditional as DynamoDB's.
 */
export class LocalRotationStore implements RotationStore {
  readonly #path: string;
  readonly #records = new Map<string, RotationRecord>();
  readonly #writer: CoalescingWriter;
  #loaded: Promise<void> | undefined;

  constructor(path: string) {
    this.#path = path;
    this.#writer = createCoalescingWriter(
      path,
      () => `${JSON.stringify({ version: 1, rotations: [...this.#records.values()] }, null, 2)}\n`,
    );
  }

  async create(record: RotationRecord): Promise<void> {
    await this.#load();
    const active = this.#activeFor(record.thingName);
    if (active !== undefined) {
      throw new RotationAlreadyActiveError(
        `Thing ${record.thingName} already has rotation ${active.rotationId} in progress`,
        { thingName: record.thingName },
      );
    }
    this.#records.set(record.rotationId, { ...record });
    await this.#writer.write();
  }

  async get(rotationId: string): Promise<RotationRecord | null> {
    await this.#load();
    const record = this.#records.get(rotationId);
    return record === undefined ? null : { ...record };
  }

  async activeFor(thingName: string): Promise<RotationRecord | null> {
    await this.#load();
    const active = this.#activeFor(thingName);
    return active === undefined ? null : { ...active };
  }

  async update(
    rotationId: string,
    patch: RotationPatch,
    expectedStep: RotationStep,
  ): Promise<RotationRecord> {
    await this.#load();
    const record = this.#records.get(rotationId);
    if (record?.step !== expectedStep) {
      throw new RotationStepConflictError(
        record === undefined
          ? `Rotation ${rotationId} does not exist`
          : `Rotation ${rotationId} is at ${record.step}, not ${expectedStep}`,
        { rotationId, expectedStep },
      );
    }
    const updated = { ...record, ...patch };
    this.#records.set(rotationId, updated);
    await this.#writer.write();
    return { ...updated };
  }

  async *listActive(): AsyncIterable<RotationRecord> {
    await this.#load();
    for (const record of [...this.#records.values()]) {
      if (ACTIVE_ROTATION_STEPS.includes(record.step)) yield { ...record };
    }
  }

  async list(options: RotationListOptions = {}): Promise<RotationRecord[]> {
    await this.#load();
    const records = [...this.#records.values()]
      .filter((record) => options.thingName === undefined || record.thingName === options.thingName)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .map((record) => ({ ...record }));
    return options.limit === undefined ? records : records.slice(0, options.limit);
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  #activeFor(thingName: string): RotationRecord | undefined {
    for (const record of this.#records.values()) {
      if (record.thingName === thingName && ACTIVE_ROTATION_STEPS.includes(record.step)) {
        return record;
      }
    }
    return undefined;
  }

  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      const text = await readOptionalFile(this.#path);
      if (text === null) return;
      let parsed: z.infer<typeof RotationsFileSchema>;
      try {
        parsed = RotationsFileSchema.parse(JSON.parse(text));
      } catch (error) {
        throw new StateFileError(this.#path, "not a rotations file", { cause: error });
      }
      for (const record of parsed.rotations) {
        const { serial, ...rest } = record;
        this.#records.set(record.rotationId, serial === undefined ? rest : { ...rest, serial });
      }
    })();
    return this.#loaded;
  }
}
