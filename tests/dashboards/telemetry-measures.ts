import { TelemetrySchema } from "@fleet/core/contracts";

/**
 * The measures each telemetry section can hold once the store flattens it, read from the zod
 * schemas themselves so a renamed or removed field breaks the dashboards' tests. A record key
 * (network interface) or array index is one `*` path segment: `network.*.rxBytes`.
 */

interface SchemaNode {
  def: {
    type: string;
    shape?: Record<string, SchemaNode>;
    innerType?: SchemaNode;
    element?: SchemaNode;
    valueType?: SchemaNode;
  };
}

/** Measures the store writes with every section besides its flattened fields. */
const STORE_MEASURES = ["seq"];

const WRAPPERS = new Set(["optional", "nullable", "default", "readonly"]);

function unwrap(node: SchemaNode): SchemaNode {
  return WRAPPERS.has(node.def.type) && node.def.innerType ? unwrap(node.def.innerType) : node;
}

function leafPaths(node: SchemaNode, path: readonly string[]): string[] {
  const { def } = unwrap(node);
  if (def.type === "object" && def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => leafPaths(child, [...path, key]));
  }
  if (def.type === "record" && def.valueType) return leafPaths(def.valueType, [...path, "*"]);
  if (def.type === "array" && def.element) return leafPaths(def.element, [...path, "*"]);
  return [path.join(".")];
}

/** Section name -> measure name patterns (`*` = one path segment). */
export function telemetryMeasurePatterns(): Map<string, string[]> {
  const shape = (TelemetrySchema as unknown as SchemaNode).def.shape ?? {};
  const sections = new Map<string, string[]>();
  for (const [name, node] of Object.entries(shape)) {
    if (unwrap(node).def.type !== "object") continue; // schemaVersion, seq, deviceTime
    sections.set(name, [...leafPaths(node, []), ...STORE_MEASURES]);
  }
  return sections;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** True when `measure` (e.g. `network.eth0.rxBytes`) is an instance of `pattern`. */
export function matchesPattern(measure: string, pattern: string): boolean {
  const names = measure.split(".");
  const parts = pattern.split(".");
  return (
    names.length === parts.length &&
    parts.every((part, i) => (part === "*" ? SEGMENT.test(names[i] ?? "") : part === names[i]))
  );
}

/** A concrete measure name for each pattern, `*` standing for a typical interface name. */
export function sampleMeasure(pattern: string): string {
  return pattern.replaceAll("*", "eth0");
}
