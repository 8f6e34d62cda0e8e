/**
 * Inputs an attacker (a local app, a forged or broken cloud message) can send, for fuzz tests:
 * a fixed adversarial set, then random ones from a seeded PRNG so a failure reproduces from
 * the seed the test names.
 */

/** Seed of every fuzz test; `FUZZ_SEED=n` replays another run. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261206);

/** mulberry32: tiny, fast and good enough to pick fuzz cases; the same seed, the same cases. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HostileInput {
  /** Names the case in a failure message (`random bytes #17`). */
  name: string;
  bytes: Buffer;
}

const deepArray = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;

/**
 * The adversarial cases for a message whose valid form is `valid`: nesting bombs (bare and
 * inside the valid message), huge values, bytes that are not UTF-8, JSON of every wrong type,
 * each field of `valid` with a wrong type, prototype keys, truncations; then `count` random
 * ones: random bytes, random JSON values and random mutations of `valid`.
 */
export function hostileInputs(options: {
  valid: Record<string, unknown>;
  seed: number;
  count: number;
}): HostileInput[] {
  const valid = JSON.stringify(options.valid);
  const inside = (text: string) => `{"deep":${text},${valid.slice(1)}`;
  const cases: [string, string | Buffer][] = [
    ["arrays nested 5,000 deep", deepArray(5_000)],
    ["objects nested 5,000 deep", deepObject(5_000)],
    ["arrays nested 100,000 deep", deepArray(100_000)],
    ["unclosed brackets 1 MiB deep", "[".repeat(1024 * 1024)],
    ["the valid message with a field nested 10,000 deep", inside(deepArray(10_000))],
    ["a 1 MiB string field", inside(JSON.stringify("x".repeat(1024 * 1024)))],
    ["an array of 200,000 numbers", inside(JSON.stringify(new Array(200_000).fill(7)))],
    ["bytes that are not UTF-8", Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0x7b, 0x7d])],
    ["NUL bytes", Buffer.alloc(64)],
    ["a lone surrogate and NUL in strings", inside('"\\ud800\\u0000"')],
    [
      "__proto__ and constructor keys",
      `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${valid.slice(1)}`,
    ],
    ["a number beyond double range", inside("1e400")],
    ["empty", ""],
    ["blank", " \t\r "],
    ...["null", "true", "0", "-0", '"text"', "[]", "{}", "[null]"].map((json): [string, string] => [
      `JSON ${json}`,
      json,
    ]),
    ...[1, 2, Math.floor(valid.length / 2), valid.length - 1].map((length): [string, string] => [
      `the valid message cut to ${length} chars`,
      valid.slice(0, length),
    ]),
  ];
  for (const key of Object.keys(options.valid)) {
    // Built as text: JSON.stringify itself overflows the stack on a value this deep.
    const withDeep = JSON.stringify({ ...options.valid, [key]: "\u0000deep" });
    cases.push([`${key} nested 5,000 deep`, withDeep.replace('"\\u0000deep"', deepArray(5_000))]);
    for (const wrong of [null, 42, -1.5, "s", true, [], {}, [[["x"]]]]) {
      cases.push([
        `${key} as ${JSON.stringify(wrong)}`,
        JSON.stringify({ ...options.valid, [key]: wrong }),
      ]);
    }
  }
  const random = seededRandom(options.seed);
  for (let i = 0; i < options.count; i += 1) {
    const kind = i % 3;
    if (kind === 0) cases.push([`random bytes #${i}`, randomBytes(random)]);
    else if (kind === 1) cases.push([`random JSON #${i}`, JSON.stringify(randomValue(random, 0))]);
    else cases.push([`mutated valid message #${i}`, mutate(valid, random)]);
  }
  return cases.map(([name, content]) => ({
    name,
    bytes: typeof content === "string" ? Buffer.from(content, "utf8") : content,
  }));
}

function randomBytes(random: () => number): Buffer {
  const bytes = Buffer.alloc(Math.floor(random() * 2048));
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

const ATOMS = [null, true, false, 0, -1, 1e308, 0.1, "", "a", "\u0000", "\ud83d", "x".repeat(300)];

function randomValue(random: () => number, depth: number): unknown {
  const pick = random();
  if (depth > 6 || pick < 0.4) return ATOMS[Math.floor(random() * ATOMS.length)];
  const size = Math.floor(random() * 5);
  if (pick < 0.7) return Array.from({ length: size }, () => randomValue(random, depth + 1));
  const keys = [
    "execution",
    "jobId",
    "status",
    "requestId",
    "params",
    "rotationId",
    "code",
    "__proto__",
  ];
  return Object.fromEntries(
    Array.from({ length: size }, () => [
      keys[Math.floor(random() * keys.length)],
      randomValue(random, depth + 1),
    ]),
  );
}

// Replaces, deletes or inserts a few characters: near-valid messages reach deeper code paths.
function mutate(valid: string, random: () => number): string {
  const chars = [...valid];
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e += 1) {
    const at = Math.floor(random() * (chars.length + 1));
    const char = String.fromCharCode(Math.floor(random() * 128));
    const op = random();
    if (op < 0.33) chars.splice(at, 1);
    else if (op < 0.66) chars.splice(at, 0, char);
    else chars[at] = char;
  }
  return chars.join("");
}
