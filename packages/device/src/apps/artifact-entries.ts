import { posix } from "node:path";

/** What the check needs of one tar entry (node-tar's ReadEntry has these fields). */
export interface ArtifactEntry {
  path: string;
  type: string;
  linkpath?: string | undefined;
}

const ALLOWED_TYPES = new Set([
  "File",
  "OldFile",
  "ContiguousFile",
  "Directory",
  "SymbolicLink",
  "Link",
]);

/** More links followed while resolving one path than this is a loop (Linux gives up at 40). */
const MAX_LINK_HOPS = 40;

/**
 * The first entry that would let the artifact reach outside its directory, or null. Symbolic
 * links are resolved against every link the archive creates, so `a -> .` plus `b -> a/..`
 * is caught although each target looks harmless alone. Checked on the whole list, not in
 * archive order: a link defined later changes what an earlier one resolves to.
 */
export function findUnsafeEntry(
  entries: readonly ArtifactEntry[],
): { entry: string; message: string } | null {
  const links = new Map<string, string>();
  const seen = new Set<string>();
  for (const entry of entries) {
    if (!ALLOWED_TYPES.has(entry.type)) {
      return { entry: entry.path, message: `entry type ${entry.type} is not allowed` };
    }
    if (escapes(entry.path)) {
      return { entry: entry.path, message: "path is absolute or leaves the app directory" };
    }
    const path = normalize(entry.path);
    // A path that is a link once and something else again means the tree depends on order.
    if ((seen.has(path) && entry.type === "SymbolicLink") || links.has(path)) {
      return { entry: entry.path, message: "a symbolic link's path appears twice" };
    }
    seen.add(path);
    if (entry.type === "SymbolicLink") links.set(path, entry.linkpath ?? "");
  }

  for (const entry of entries) {
    const path = normalize(entry.path);
    const through = linkOnTheWay(posix.dirname(path), links);
    if (through !== null) {
      return {
        entry: entry.path,
        message: `path goes through the symbolic link ${JSON.stringify(through)}`,
      };
    }
    const target = entry.linkpath ?? "";
    if (entry.type === "SymbolicLink") {
      // Joined, not path.join()ed: normalizing `a/..` away is the lexical check links defeat.
      const from = posix.dirname(path);
      const where = posix.isAbsolute(target)
        ? "outside"
        : resolve(from === "." ? target : `${from}/${target}`, links);
      if (where !== "inside") {
        return {
          entry: entry.path,
          message: `symbolic link to ${JSON.stringify(target)} ${where === "loop" ? "loops" : "leaves the app directory"}`,
        };
      }
    }
    if (entry.type === "Link") {
      // link(2) does not follow a final symlink: the copy would resolve from its new place.
      if (links.has(normalize(target))) {
        return {
          entry: entry.path,
          message: `hard link to ${JSON.stringify(target)}, a symbolic link`,
        };
      }
      // Hard link targets are archive paths, relative to the root.
      if (escapes(target) || resolve(target, links) !== "inside") {
        return {
          entry: entry.path,
          message: `hard link to ${JSON.stringify(target)} leaves the app directory`,
        };
      }
    }
  }
  return null;
}

/**
 * Resolves an archive-relative path through the archive's links, as the kernel would once
 * unpacked, and says where it ends. Parts that no entry creates resolve lexically (nothing
 * there to follow).
 */
function resolve(path: string, links: ReadonlyMap<string, string>): "inside" | "outside" | "loop" {
  const pending = path.split("/").reverse();
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.pop() as string;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (resolved.length === 0) return "outside";
      resolved.pop();
      continue;
    }
    resolved.push(part);
    const target = links.get(resolved.join("/"));
    if (target === undefined) continue;
    hops += 1;
    if (hops > MAX_LINK_HOPS) return "loop";
    if (posix.isAbsolute(target)) return "outside";
    resolved.pop();
    pending.push(...target.split("/").reverse());
  }
  return "inside";
}

/** The first directory on `dir`'s way from the root that is a symbolic link, or null. */
function linkOnTheWay(dir: string, links: ReadonlyMap<string, string>): string | null {
  if (dir === ".") return null;
  const parts = dir.split("/");
  for (let i = 1; i <= parts.length; i += 1) {
    const prefix = parts.slice(0, i).join("/");
    if (links.has(prefix)) return prefix;
  }
  return null;
}

function normalize(path: string): string {
  return posix
    .normalize(path)
    .replace(/\/+$/, "")
    .replace(/^(\.\/)+/, "");
}

function escapes(path: string): boolean {
  if (path === "" || posix.isAbsolute(path) || /^[a-zA-Z]:/.test(path)) return true;
  if (path.split("/").includes("..")) return true;
  const normalized = posix.normalize(path);
  return normalized === ".." || normalized.startsWith("../");
}
