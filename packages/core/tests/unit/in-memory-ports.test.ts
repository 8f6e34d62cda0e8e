import {
  describeAllowListStore,
  describeCertificateRevoker,
  describeDeviceLedger,
  describeDeviceRegistry,
} from "../port-suites/index.ts";
import {
  InMemoryAllowListStore,
  InMemoryDeviceLedger,
  inMemoryCertificateRevokerSubject,
  inMemoryDeviceRegistrySubject,
} from "./fakes/index.ts";

// The fakes the use-case tests rely on meet the same contracts as the real adapters.
describeDeviceRegistry("in-memory fake", async () => inMemoryDeviceRegistrySubject());
describeAllowListStore("in-memory fake", async () => ({ store: new InMemoryAllowListStore() }));
describeDeviceLedger("in-memory fake", async () => ({ ledger: new InMemoryDeviceLedger() }));
describeCertificateRevoker("in-memory fake", async () => inMemoryCertificateRevokerSubject());
