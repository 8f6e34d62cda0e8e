import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_REVOKE_PCT,
  MassRevocationError,
  previewAllowListUpload,
} from "../../src/allow-list/index.ts";

const serials = (count: number) =>
  Array.from({ length: count }, (_, i) => `SN-${String(i).padStart(4, "0")}`);
const list = (items: string[]) => new TextEncoder().encode(`${items.join("\n")}\n`);
const current = (items: string[]) => async () => ({ version: "v1", serials: new Set(items) });
const source = "the allow-list";

describe("the allow-list upload's revocation guard", () => {
  const fleet = serials(20);

  it(`refuses a list removing more than ${DEFAULT_MAX_REVOKE_PCT}% of the current one, naming the share`, async () => {
    const error = await previewAllowListUpload(
      list(fleet.slice(0, 17)),
      { allowEmpty: false, source, revocations: { confirmed: false } },
      current(fleet),
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MassRevocationError);
    expect((error as Error).message).toBe(
      "the new list removes 3 of 20 serials (15%), more than 10% of the fleet: their devices would be revoked; confirm with --yes",
    );
  });

  it("lets the operator confirm it, or set a larger share", async () => {
    const next = list(fleet.slice(0, 17));
    const confirmed = await previewAllowListUpload(
      next,
      { allowEmpty: false, source, revocations: { confirmed: true } },
      current(fleet),
    );
    const larger = await previewAllowListUpload(
      next,
      { allowEmpty: false, source, revocations: { confirmed: false, maxRevokePct: 20 } },
      current(fleet),
    );

    expect(confirmed.diff.removed).toBe(3);
    expect(larger.diff.removed).toBe(3);
  });

  it("never asks below three removals, for a first list, an empty list confirmed, or without a guard", async () => {
    const guard = { confirmed: false };
    const two = await previewAllowListUpload(
      list(serials(2)),
      { allowEmpty: false, source, revocations: guard },
      current(serials(4)),
    );
    const first = await previewAllowListUpload(
      list(fleet),
      { allowEmpty: false, source, revocations: guard },
      async () => null,
    );
    const empty = await previewAllowListUpload(
      new Uint8Array(0),
      { allowEmpty: true, source, revocations: guard },
      current(fleet),
    );
    const unguarded = await previewAllowListUpload(
      list(fleet.slice(0, 1)),
      { allowEmpty: false, source },
      current(fleet),
    );

    expect([two, first, empty, unguarded].map((preview) => preview.diff.removed)).toEqual([
      2, 0, 20, 19,
    ]);
  });
});
