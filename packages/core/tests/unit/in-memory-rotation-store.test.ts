import { describeRotationStore } from "../port-suites/index.ts";
import { InMemoryRotationStore } from "./fakes/index.ts";

describeRotationStore("InMemoryRotationStore", async () => ({
  store: new InMemoryRotationStore(),
}));
