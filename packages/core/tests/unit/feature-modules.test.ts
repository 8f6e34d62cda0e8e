import { describe, expect, it } from "vitest";
import {
  type AllowListPorts,
  allowListModule,
  lazyMembers,
  type MemberBuilders,
  type RotationPorts,
  rotationModule,
} from "../../src/modules/index.ts";

/** A lazy bundle of stand-in ports that records which ports were built. */
function recordingBundle<T extends object>(keys: (keyof T & string)[]) {
  const built: string[] = [];
  const builders = Object.fromEntries(
    keys.map((key) => [
      key,
      () => {
        built.push(key);
        return key === "clock" ? () => new Date() : {};
      },
    ]),
  ) as unknown as MemberBuilders<T>;
  return { ports: lazyMembers<T>(builders), built };
}

const ROTATION_PORTS: (keyof RotationPorts & string)[] = [
  "rotations",
  "registry",
  "jobs",
  "issuer",
  "revoker",
  "findings",
  "limiter",
  "clock",
  "logger",
  "deadlineMs",
  "validityMs",
];

describe("lazyMembers", () => {
  it("builds a member on its first read, once, and never one that is not read", () => {
    const calls: string[] = [];
    const members = lazyMembers<{ a: number; b: number }>({
      a: () => {
        calls.push("a");
        return 1;
      },
      b: () => {
        calls.push("b");
        return 2;
      },
    });
    expect(calls).toEqual([]);
    expect(members.a + members.a).toBe(2);
    expect(calls).toEqual(["a"]);
  });
});

describe("feature modules built from a lazy bundle", () => {
  it("builds a rotation function's use case from its ports only: commit needs no issuer, jobs or findings", () => {
    const { ports, built } = recordingBundle<RotationPorts>(ROTATION_PORTS);
    const { commit } = rotationModule(ports);
    expect(commit).toBeTypeOf("function");
    expect([...built].sort()).toEqual([
      "clock",
      "limiter",
      "logger",
      "registry",
      "revoker",
      "rotations",
    ]);
  });

  it("builds the audit's use case with the start of a rotation, and no CA port", () => {
    const { ports, built } = recordingBundle<RotationPorts>(ROTATION_PORTS);
    rotationModule(ports).rotateExpiring;
    expect(built).not.toContain("issuer");
    expect(built).not.toContain("revoker");
    expect(built).toEqual(expect.arrayContaining(["findings", "jobs", "deadlineMs"]));
  });

  it("builds reconcile with every allow-list port, the CA's revoker included", () => {
    const { ports, built } = recordingBundle<AllowListPorts>([
      "allowList",
      "registry",
      "revoker",
      "ledger",
      "clock",
      "logger",
    ]);
    allowListModule(ports).reconcile;
    expect([...built].sort()).toEqual([
      "allowList",
      "clock",
      "ledger",
      "logger",
      "registry",
      "revoker",
    ]);
  });
});
