import { describe, expect, it } from "vitest";
import { createReconcileAllowList } from "../../src/index.ts";
import {
  InMemoryAllowListStore,
  InMemoryCertificateRevoker,
  InMemoryDeviceLedger,
  InMemoryDeviceRegistry,
} from "./fakes/index.ts";

const serials = (count: number) =>
  Array.from({ length: count }, (_, i) => `device-${String(i).padStart(4, "0")}`);

/** The stage's reconcile, guarded: a list put into the bucket around `fleet allowlist upload`. */
describe("the reconcile's revocation guard", () => {
  function setup() {
    const store = new InMemoryAllowListStore();
    const registry = new InMemoryDeviceRegistry();
    registry.seed(...serials(10).map((serial) => ({ thingName: serial, serial })));
    const reconcile = createReconcileAllowList({
      allowList: store,
      registry,
      revoker: new InMemoryCertificateRevoker(),
      ledger: new InMemoryDeviceLedger(),
      maxRevokePct: 10,
    });
    return { store, registry, reconcile };
  }

  it("removes nothing when an unconfirmed list would revoke 4 of 10 devices", async () => {
    const { store, reconcile } = setup();
    const { version } = await store.writeSerials(serials(6));

    expect(await reconcile()).toMatchObject({
      status: "unconfirmed-revocations",
      version,
      listed: 6,
      registered: 10,
      removed: [],
    });
  });

  it("removes them when the upload passed the guard", async () => {
    const { store, reconcile } = setup();
    await store.writeSerials(serials(6), { allowEmpty: false, revocationsConfirmed: true });

    const summary = await reconcile();

    expect(summary.status).toBe("reconciled");
    expect(summary.removed.map((r) => r.serial)).toEqual(serials(10).slice(6));
  });

  it("lets a small share through unconfirmed", async () => {
    const { store, reconcile } = setup();
    await store.writeSerials(serials(9));

    expect((await reconcile()).removed).toHaveLength(1);
  });
});
