import { describeTelemetryStore } from "../port-suites/index.ts";
import { InMemoryTelemetryStore } from "./fakes/index.ts";

// The fake the ingest tests rely on meets the contract of the real stores, reader included.
describeTelemetryStore("in-memory fake", async () => {
  const store = new InMemoryTelemetryStore();
  return { store, reader: store };
});
