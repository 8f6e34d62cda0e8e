import {
  ACTIVE_ROTATION_STEPS,
  type RotationListOptions,
  type RotationPatch,
  type RotationRecord,
  type RotationStep,
  type RotationStore,
} from "../../../src/ports/index.ts";
import {
  RotationAlreadyActiveError,
  RotationStepConflictError,
} from "../../../src/rotation/rotation-errors.ts";

/** Rotations in a map, with the store's conditional writes. */
export class InMemoryRotationStore implements RotationStore {
  readonly #records = new Map<string, RotationRecord>();

  async create(record: RotationRecord): Promise<void> {
    // Checked and written in one synchronous step, like a conditional write.
    if (this.#active(record.thingName) !== undefined) {
      throw new RotationAlreadyActiveError(`${record.thingName} already has an active rotation`, {
        thingName: record.thingName,
      });
    }
    this.#records.set(record.rotationId, { ...record });
  }

  async get(rotationId: string): Promise<RotationRecord | null> {
    const record = this.#records.get(rotationId);
    return record === undefined ? null : { ...record };
  }

  async activeFor(thingName: string): Promise<RotationRecord | null> {
    const record = this.#active(thingName);
    return record === undefined ? null : { ...record };
  }

  #active(thingName: string): RotationRecord | undefined {
    return [...this.#records.values()].find(
      (record) => record.thingName === thingName && ACTIVE_ROTATION_STEPS.includes(record.step),
    );
  }

  async update(
    rotationId: string,
    patch: RotationPatch,
    expectedStep: RotationStep,
  ): Promise<RotationRecord> {
    const record = this.#records.get(rotationId);
    if (record === undefined || record.step !== expectedStep) {
      throw new RotationStepConflictError(`rotation ${rotationId} is not at ${expectedStep}`, {
        rotationId,
        expectedStep,
      });
    }
    const updated = { ...record, ...patch };
    this.#records.set(rotationId, updated);
    return { ...updated };
  }

  async *listActive(): AsyncIterable<RotationRecord> {
    for (const record of [...this.#records.values()]) {
      if (ACTIVE_ROTATION_STEPS.includes(record.step)) yield { ...record };
    }
  }

  async list(options: RotationListOptions = {}): Promise<RotationRecord[]> {
    return [...this.#records.values()]
      .filter((record) => options.thingName === undefined || record.thingName === options.thingName)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
      .slice(0, options.limit)
      .map((record) => ({ ...record }));
  }
}
