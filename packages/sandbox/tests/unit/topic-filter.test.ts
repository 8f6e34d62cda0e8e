import { describe, expect, it } from "vitest";
import { topicMatchesFilter } from "../../src/iot-core/topic-filter.ts";

describe("MQTT topic filters", () => {
  it.each([
    [
      "$aws/certificates/create-from-csr/json/accepted",
      "$aws/certificates/create-from-csr/json/accepted",
      true,
    ],
    [
      "$aws/certificates/create-from-csr/json/+",
      "$aws/certificates/create-from-csr/json/accepted",
      true,
    ],
    [
      "$aws/certificates/create-from-csr/json/#",
      "$aws/certificates/create-from-csr/json/rejected",
      true,
    ],
    ["$aws/certificates/create-from-csr/json/#", "$aws/certificates/create-from-csr/json", true],
    ["$aws/certificates/+/json/accepted", "$aws/certificates/create/json/accepted", true],
    ["$aws/certificates/create-from-csr/json/+", "$aws/certificates/create-from-csr/json", false],
    [
      "$aws/certificates/create-from-csr/json",
      "$aws/certificates/create-from-csr/json/accepted",
      false,
    ],
    ["#", "$aws/certificates/create-from-csr/json/accepted", false],
    [
      "+/certificates/create-from-csr/json/accepted",
      "$aws/certificates/create-from-csr/json/accepted",
      false,
    ],
    ["#", "dt/thing/telemetry", true],
  ])("%s matches %s: %s", (filter, topic, expected) => {
    expect(topicMatchesFilter(filter, topic)).toBe(expected);
  });
});
