import { afterEach, describe, expect, it } from "vitest";
import type { RotationRecord, RotationStore } from "../../src/ports/index.ts";
import {
  RotationAlreadyActiveError,
  RotationStepConflictError,
} from "../../src/rotation/rotation-errors.ts";

export interface RotationStoreSubject {
  store: RotationStore;
  close?(): Promise<void>;
}

let sequence = 0;

/** A `requested` rotation with a fresh id; `startedAt` grows with each call. */
export function rotationRecord(overrides: Partial<RotationRecord> = {}): RotationRecord {
  sequence += 1;
  const startedAt = new Date(Date.UTC(2030, 0, 1, 0, 0, sequence)).toISOString();
  return {
    rotationId: `00000000-0000-4000-8000-${sequence.toString().padStart(12, "0")}`,
    thingName: "device-0001",
    oldCertificateId: "a".repeat(64),
    newCertificateId: null,
    jobId: null,
    step: "requested",
    reason: null,
    startedAt,
    updatedAt: startedAt,
    deadline: new Date(Date.parse(startedAt) + 3600_000).toISOString(),
    ...overrides,
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The RotationStore contract: at most one active rotation per thing, steps changed by CAS. */
export function describeRotationStore(
  name: string,
  makeSubject: () => Promise<RotationStoreSubject>,
): void {
  describe(`RotationStore contract: ${name}`, () => {
    let opened: RotationStoreSubject | undefined;
    async function subject(): Promise<RotationStoreSubject> {
      opened = await makeSubject();
      return opened;
    }
    afterEach(async () => {
      await opened?.close?.();
      opened = undefined;
    });

    it("returns a created rotation by id and as the thing's active one", async () => {
      const { store } = await subject();
      const record = rotationRecord({ serial: "SN-0001" });
      await store.create(record);
      expect(await store.get(record.rotationId)).toEqual(record);
      expect(await store.activeFor("device-0001")).toEqual(record);
      expect(await store.get(rotationRecord().rotationId)).toBeNull();
      expect(await store.activeFor("device-0002")).toBeNull();
    });

    it("refuses a second active rotation for the same thing, but not for another", async () => {
      const { store } = await subject();
      const first = rotationRecord();
      await store.create(first);
      await expect(store.create(rotationRecord())).rejects.toBeInstanceOf(
        RotationAlreadyActiveError,
      );
      await store.create(rotationRecord({ thingName: "device-0002" }));
      expect((await store.activeFor("device-0001"))?.rotationId).toBe(first.rotationId);
    });

    it("lets only one of two concurrent creates for a thing win", async () => {
      const { store } = await subject();
      const results = await Promise.allSettled([
        store.create(rotationRecord()),
        store.create(rotationRecord()),
      ]);
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    });

    it("updates only while the rotation is at the expected step", async () => {
      const { store } = await subject();
      const record = rotationRecord();
      await store.create(record);
      const patch = {
        step: "issued",
        newCertificateId: "b".repeat(64),
        updatedAt: record.deadline,
      } as const;
      const updated = await store.update(record.rotationId, patch, "requested");
      expect(updated).toEqual({ ...record, ...patch });
      expect(await store.get(record.rotationId)).toEqual(updated);
      await expect(
        store.update(record.rotationId, { step: "timed-out" }, "requested"),
      ).rejects.toBeInstanceOf(RotationStepConflictError);
      expect((await store.get(record.rotationId))?.step).toBe("issued");
    });

    it("refuses to update a rotation that does not exist", async () => {
      const { store } = await subject();
      await expect(
        store.update(rotationRecord().rotationId, { step: "issued" }, "requested"),
      ).rejects.toBeInstanceOf(RotationStepConflictError);
    });

    it("frees the thing for a new rotation once the active one ends", async () => {
      const { store } = await subject();
      const record = rotationRecord();
      await store.create(record);
      await store.update(record.rotationId, { step: "timed-out", reason: "late" }, "requested");
      expect(await store.activeFor("device-0001")).toBeNull();
      const next = rotationRecord();
      await store.create(next);
      expect((await store.activeFor("device-0001"))?.rotationId).toBe(next.rotationId);
    });

    it("lists active rotations only, and all rotations newest first", async () => {
      const { store } = await subject();
      const ended = rotationRecord({ thingName: "device-0001" });
      await store.create(ended);
      await store.update(ended.rotationId, { step: "issued" }, "requested");
      await store.update(ended.rotationId, { step: "committed" }, "issued");
      const issued = rotationRecord({ thingName: "device-0002" });
      await store.create(issued);
      await store.update(issued.rotationId, { step: "issued" }, "requested");
      const requested = rotationRecord({ thingName: "device-0003" });
      await store.create(requested);

      const active = await collect(store.listActive());
      expect(active.map((record) => record.rotationId).sort()).toEqual(
        [issued.rotationId, requested.rotationId].sort(),
      );
      const all = await store.list();
      expect(all.map((record) => record.rotationId)).toEqual([
        requested.rotationId,
        issued.rotationId,
        ended.rotationId,
      ]);
      expect((await store.list({ thingName: "device-0001" })).map((r) => r.rotationId)).toEqual([
        ended.rotationId,
      ]);
      expect(await store.list({ limit: 1 })).toHaveLength(1);
    });
  });
}
