import { describe, expect, it } from "vitest";
import { createReconcileAllowList, type ReconcileAllowListDeps } from "../../src/index.ts";
import type { AllowListStore } from "../../src/ports/index.ts";
import type { SeedDevice } from "../port-suites/index.ts";
import {
  InMemoryAllowListStore,
  InMemoryCertificateRevoker,
  InMemoryDeviceLedger,
  InMemoryDeviceRegistry,
  throttlingError,
} from "./fakes/index.ts";

const NOW = new Date("2025-06-01T12:00:00.000Z");
const MUTATIONS = [
  "revokeCertificate",
  "detachPolicies",
  "detachThingPrincipal",
  "deleteCertificate",
  "deleteThing",
];

function device(serial: string, certificates = 1): SeedDevice {
  return {
    thingName: serial,
    serial,
    certificates: Array.from({ length: certificates }, () => ({ policies: ["fleet-device"] })),
  };
}

function setup(options: Partial<ReconcileAllowListDeps> = {}) {
  const store = new InMemoryAllowListStore();
  const registry = new InMemoryDeviceRegistry();
  const revoker = new InMemoryCertificateRevoker();
  const ledger = new InMemoryDeviceLedger();
  const reconcile = createReconcileAllowList({
    allowList: store,
    registry,
    revoker,
    ledger,
    clock: () => NOW,
    ...options,
  });
  /** Seeds devices, the CA having issued every certificate. */
  const seed = (...devices: SeedDevice[]) => {
    const seeded = registry.seed(...devices);
    for (const d of seeded) for (const c of d.certificates) revoker.issued.add(c.certificatePem);
    return seeded;
  };
  const mutations = () =>
    registry.calls.filter((call) => MUTATIONS.includes(call.split(" ")[0] ?? ""));
  return { store, registry, revoker, ledger, reconcile, seed, mutations };
}

describe("reconciling the registry with the allow-list", () => {
  it("does nothing before any list was uploaded", async () => {
    const { reconcile, seed, mutations } = setup();
    seed(device("device-0001"));
    expect(await reconcile()).toEqual({
      status: "no-list",
      version: null,
      listed: 0,
      registered: 0,
      removed: [],
      failures: [],
      issues: [],
    });
    expect(mutations()).toEqual([]);
  });

  it("removes every device whose serial is gone, and only those", async () => {
    const { store, registry, revoker, ledger, reconcile, seed } = setup();
    const [a, b, c] = seed(device("device-000a"), device("device-000b", 2), device("device-000c"));
    const { version } = await store.writeSerials(["device-000a", "device-000c", "device-new1"]);

    const summary = await reconcile();

    expect(summary).toEqual({
      status: "reconciled",
      version,
      listed: 3,
      registered: 3,
      removed: [{ serial: "device-000b", thingName: "device-000b" }],
      failures: [],
      issues: [],
    });
    expect(registry.thingExists("device-000b")).toBe(false);
    for (const { certificateId, certificatePem } of b?.certificates ?? []) {
      expect(registry.certificate(certificateId)).toBeNull();
      expect(revoker.revoked.has(certificatePem)).toBe(true);
    }
    expect(ledger.get("device-000b")).toEqual({
      serial: "device-000b",
      outcome: "revoked",
      reason: `removed from the allow-list (version ${version})`,
      at: NOW.toISOString(),
    });
    for (const kept of [a, c]) {
      const certificateId = kept?.certificates[0]?.certificateId ?? "";
      expect(registry.certificate(certificateId)?.status).toBe("ACTIVE");
      expect(ledger.get(kept?.serial ?? "")).toBeUndefined();
    }
  });

  it("revokes, detaches and deletes each certificate in turn, and the thing last", async () => {
    const { store, registry, reconcile, seed } = setup();
    const [gone] = seed(device("device-0001", 2));
    const [first, second] = (gone?.certificates ?? []).map((c) => c.certificateId);
    await store.writeSerials(["device-0002"]);

    await reconcile();

    // Deleted right after detaching: a detached certificate is out of a rerun's sight.
    expect(registry.calls.filter((call) => !call.startsWith("listDevices"))).toEqual([
      "listCertificates device-0001",
      `revokeCertificate ${first}`,
      `detachPolicies ${first}`,
      `detachThingPrincipal ${first}`,
      `deleteCertificate ${first}`,
      `revokeCertificate ${second}`,
      `detachPolicies ${second}`,
      `detachThingPrincipal ${second}`,
      `deleteCertificate ${second}`,
      "deleteThing device-0001",
    ]);
  });

  it("removes a device that has no certificate", async () => {
    const { store, registry, reconcile, seed } = setup();
    seed(device("device-0001", 0));
    await store.writeSerials(["device-0002"]);
    expect((await reconcile()).removed).toEqual([
      { serial: "device-0001", thingName: "device-0001" },
    ]);
    expect(registry.thingExists("device-0001")).toBe(false);
  });

  it("works without a private CA (certificates AWS IoT signed)", async () => {
    const { store, registry, reconcile, seed } = setup({ revoker: undefined });
    seed(device("device-0001"));
    await store.writeSerials(["device-0002"]);
    expect((await reconcile()).failures).toEqual([]);
    expect(registry.thingExists("device-0001")).toBe(false);
  });

  it("changes nothing when run again after a complete run", async () => {
    const { store, reconcile, seed, mutations } = setup();
    seed(device("device-0001"), device("device-0002"));
    await store.writeSerials(["device-0002"]);
    await reconcile();
    const before = mutations().length;

    const again = await reconcile();

    expect(again.removed).toEqual([]);
    expect(again.failures).toEqual([]);
    expect(again.registered).toBe(1);
    expect(mutations()).toHaveLength(before);
  });

  it("keeps removing the other devices when one fails, and a rerun finishes the failed one", async () => {
    const { store, registry, reconcile, seed } = setup({ concurrency: 1 });
    seed(device("device-0001"), device("device-0002", 2), device("device-0003"));
    await store.writeSerials(["device-9999"]);
    // The 3rd certificate revocation is device-0002's second certificate.
    registry.faults.inject({ operation: "revokeCertificate", call: 3 });

    const first = await reconcile();

    expect(first.removed.map((r) => r.serial)).toEqual(["device-0001", "device-0003"]);
    expect(first.failures).toEqual([
      {
        serial: "device-0002",
        thingName: "device-0002",
        step: "revoke-certificate",
        certificateId: expect.any(String),
        reason: "ThrottlingException: Rate exceeded",
      },
    ]);
    expect(registry.thingExists("device-0002")).toBe(true);

    const rerun = await reconcile();

    expect(rerun.removed).toEqual([{ serial: "device-0002", thingName: "device-0002" }]);
    expect(rerun.failures).toEqual([]);
    expect(registry.thingExists("device-0002")).toBe(false);
    expect(await registry.listCertificates("device-0002")).toEqual([]);
  });

  // The device has two certificates: per-certificate steps crash on the second one, half-way.
  it.each([
    ["record-ledger", "ledger", "record", 1],
    ["list-certificates", "registry", "listCertificates", 1],
    ["revoke-certificate", "registry", "revokeCertificate", 2],
    ["revoke-at-ca", "revoker", "revokeIfIssued", 2],
    ["detach-policies", "registry", "detachPolicies", 2],
    ["detach-thing-principal", "registry", "detachThingPrincipal", 2],
    ["delete-thing", "registry", "deleteThing", 1],
  ] as const)(
    "reports a crash at step %s, and a rerun completes the removal",
    async (step, port, operation, call) => {
      const { store, registry, ledger, revoker, reconcile, seed } = setup();
      const [gone] = seed(device("device-0001", 2));
      await store.writeSerials(["device-0002"]);
      const faulty = { ledger, registry, revoker }[port];
      faulty.faults.inject({ operation, call, error: new Error("connection reset") });

      const first = await reconcile();
      expect(first.failures).toEqual([
        expect.objectContaining({ serial: "device-0001", step, reason: "connection reset" }),
      ]);

      const rerun = await reconcile();
      expect(rerun.failures).toEqual([]);
      expect(registry.thingExists("device-0001")).toBe(false);
      for (const { certificateId, certificatePem } of gone?.certificates ?? []) {
        expect(registry.certificate(certificateId)).toBeNull();
        expect(revoker.revoked.has(certificatePem)).toBe(true);
      }
      expect(ledger.get("device-0001")?.outcome).toBe("revoked");
    },
  );

  it("names the certificate a failed deletion left behind, revoked and detached", async () => {
    const { store, registry, reconcile, seed } = setup({ concurrency: 1 });
    seed(device("device-0001"), device("device-0002", 2), device("device-0003"));
    await store.writeSerials(["device-9999"]);
    // The 3rd certificate deletion is device-0002's second certificate.
    registry.faults.inject({ operation: "deleteCertificate", call: 3 });

    const first = await reconcile();

    expect(first.removed.map((r) => r.serial)).toEqual(["device-0001", "device-0003"]);
    const [failure] = first.failures;
    expect(first.failures).toEqual([
      {
        serial: "device-0002",
        thingName: "device-0002",
        step: "delete-certificate",
        certificateId: expect.any(String),
        reason: "ThrottlingException: Rate exceeded",
      },
    ]);
    const leftover = registry.certificate(failure?.certificateId ?? "");
    expect(leftover).toEqual({ status: "REVOKED", policies: [], things: [] });

    const rerun = await reconcile();

    expect(rerun.removed).toEqual([{ serial: "device-0002", thingName: "device-0002" }]);
    expect(registry.thingExists("device-0002")).toBe(false);
  });

  it("removes no device when the stored list has an invalid line", async () => {
    const { store, reconcile, seed, mutations } = setup();
    seed(device("device-0001"), device("device-0002"));
    const { version } = await store.write(new TextEncoder().encode("device-0001\nbad serial!\n"), {
      allowEmpty: false,
    });

    const summary = await reconcile();

    expect(summary).toMatchObject({ status: "invalid-list", version, removed: [], failures: [] });
    expect(summary.issues).toEqual([expect.objectContaining({ line: 2, text: "bad serial!" })]);
    expect(mutations()).toEqual([]);
  });

  it("removes no device when the stored list is empty without the allow-empty confirmation", async () => {
    const { store, reconcile, seed, mutations } = setup();
    seed(device("device-0001"));
    await store.write(new Uint8Array(0), { allowEmpty: false });

    const summary = await reconcile();

    expect(summary.status).toBe("invalid-list");
    expect(summary.issues).toEqual([
      { line: 0, text: "", message: expect.stringContaining("allow-list is empty") },
    ]);
    expect(mutations()).toEqual([]);
  });

  it("removes every device when an empty list was confirmed", async () => {
    const { store, registry, reconcile, seed } = setup();
    seed(device("device-0001"), device("device-0002"));
    await store.write(new Uint8Array(0), { allowEmpty: true });

    const summary = await reconcile();

    expect(summary.removed).toHaveLength(2);
    expect(summary.listed).toBe(0);
    expect(registry.thingExists("device-0001")).toBe(false);
  });

  it("refuses a 100 MB list without reading it, closes its stream and removes nothing", async () => {
    let read = false;
    let closed = false;
    const huge: AllowListStore = {
      read: async () => ({
        version: "v-huge",
        size: 100 * 1024 * 1024,
        allowEmpty: false,
        body: {
          [Symbol.asyncIterator]: () => ({
            next: async () => {
              read = true;
              return { done: true, value: undefined };
            },
            return: async () => {
              closed = true;
              return { done: true, value: undefined };
            },
          }),
        },
      }),
      write: async () => ({ version: "unused" }),
    };
    const { reconcile, seed, mutations } = setup({ allowList: huge });
    seed(device("device-0001"));

    const summary = await reconcile();

    expect(summary.status).toBe("invalid-list");
    expect(summary.issues[0]?.message).toContain("larger than the limit");
    expect(read).toBe(false);
    expect(closed).toBe(true);
    expect(mutations()).toEqual([]);
  });

  it("fails as a whole when the store cannot be read, so the event is retried", async () => {
    const { store, reconcile } = setup();
    store.faults.inject({ operation: "read", error: throttlingError() });
    await expect(reconcile()).rejects.toThrow("Rate exceeded");
  });

  it("removes at most `concurrency` devices at the same time", async () => {
    const { store, registry, reconcile, seed } = setup({ concurrency: 3 });
    seed(...Array.from({ length: 12 }, (_, i) => device(`device-${String(i).padStart(4, "0")}`)));
    await store.writeSerials(["device-9999"]);
    let inFlight = 0;
    let peak = 0;
    const listCertificates = registry.listCertificates.bind(registry);
    const deleteThing = registry.deleteThing.bind(registry);
    registry.listCertificates = async (thingName) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      return listCertificates(thingName);
    };
    registry.deleteThing = async (thingName) => {
      await deleteThing(thingName);
      inFlight--;
    };

    const summary = await reconcile();

    expect(summary.removed).toHaveLength(12);
    expect(peak).toBe(3);
  });
});
