import { readFileSync } from "node:fs";
// The package's entry imports its wasm, which imports this glue module back: loaded by Node
// itself with the glue first, the cycle initialises (inside Vitest's module runner it does not,
// hence a process of its own, started by flux-check.ts).
import { Flux, parse } from "@influxdata/flux-lsp-browser/flux-lsp-browser_bg.js";

/**
 * Reads a JSON array of Flux scripts on stdin, writes for each the problems found: the syntax
 * errors the Flux parser records in its AST, else the semantic check of influxdata/flux-lsp
 * (`Flux.is_valid`: types and the standard library's function signatures), which only answers
 * yes or no.
 */
function problems(flux: string): string[] {
  const syntax = syntaxErrors(parse(flux));
  if (syntax.length > 0) return syntax;
  const script = new Flux(flux);
  try {
    return script.is_valid() ? [] : ["the Flux semantic check (types, function signatures) fails"];
  } finally {
    script.free();
  }
}

function syntaxErrors(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(syntaxErrors);
  if (typeof node !== "object" || node === null) return [];
  const own = "errors" in node && Array.isArray(node.errors) ? node.errors : [];
  return [
    ...own.map((error: { msg?: unknown }) => String(error.msg)),
    ...Object.values(node).flatMap(syntaxErrors),
  ];
}

const scripts = JSON.parse(readFileSync(0, "utf8")) as string[];
process.stdout.write(JSON.stringify(scripts.map(problems)));
