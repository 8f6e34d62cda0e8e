import type { Command } from "commander";

/** The npm/npx invocations of a `run:` script, and how they resolve against the repo. */

export interface Invocation {
  tool: "npm" | "npx";
  /** Arguments with shell quotes removed (variables stay as written, e.g. `$STAGE`). */
  args: string[];
}

// An invocation ends where the shell starts another command.
const INVOCATION = /(?:^|[\s;&|(!])(npm|npx)\s+([^\n;&|)]*)/g;

export function invocationsIn(script: string): Invocation[] {
  return [...script.matchAll(INVOCATION)].map((match) => ({
    tool: match[1] as Invocation["tool"],
    args: (match[2] ?? "")
      .trim()
      .split(/\s+/)
      .filter((arg) => arg !== "")
      .map((arg) => arg.replace(/^(["'])(.*)\1$/, "$2")),
  }));
}

export interface ResolvedFleetCommand {
  /** The command that runs, e.g. `ota release`; empty when no subcommand matched. */
  path: string[];
  command: Command;
  positionals: string[];
  /** Option flags as written (`--stage`), with any `=value` removed. */
  flags: string[];
  /** The option values given, by long flag (variadic options collect every value). */
  values: Map<string, string[]>;
}

/** Walks `args` down the commander tree the way commander parses them. */
export function resolveFleetCommand(
  program: Command,
  args: readonly string[],
): ResolvedFleetCommand {
  let command = program;
  const path: string[] = [];
  const positionals: string[] = [];
  const flags: string[] = [];
  const values = new Map<string, string[]>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg.startsWith("-")) {
      const [flag = arg, inline] = arg.split(/=(.*)/s);
      flags.push(flag);
      const option = command.options.find((o) => o.long === flag || o.short === flag);
      if (option === undefined) continue;
      const given: string[] = inline === undefined ? [] : [inline];
      if (inline === undefined && (option.required || option.optional)) {
        do given.push(args[++i] ?? "");
        while (option.variadic && i + 1 < args.length && !(args[i + 1] ?? "").startsWith("-"));
      }
      values.set(flag, given);
      continue;
    }
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub !== undefined && positionals.length === 0) {
      command = sub;
      path.push(arg);
    } else {
      positionals.push(arg);
    }
  }
  return { path, command, positionals, flags, values };
}

/** Why a resolved `fleet` invocation would fail to parse, or null when commander accepts it. */
export function fleetUsageProblem(resolved: ResolvedFleetCommand): string | null {
  const { command, positionals, flags, path } = resolved;
  if (path.length === 0) return "no fleet command";
  if (command.commands.length > 0) {
    return `"${path.join(" ")}" needs a subcommand (${command.commands.map((c) => c.name()).join(", ")})`;
  }
  for (const flag of flags) {
    if (!command.options.some((o) => o.long === flag || o.short === flag)) {
      return `"${path.join(" ")}" has no option ${flag}`;
    }
  }
  for (const option of command.options) {
    if (option.mandatory && option.long !== undefined && !flags.includes(option.long)) {
      return `"${path.join(" ")}" needs ${option.long}`;
    }
  }
  const declared = command.registeredArguments;
  const required = declared.filter((a) => a.required).length;
  const variadic = declared.some((a) => a.variadic);
  if (positionals.length < required || (!variadic && positionals.length > declared.length)) {
    return `"${path.join(" ")}" takes ${declared.length} arguments, got ${positionals.length}`;
  }
  return null;
}
