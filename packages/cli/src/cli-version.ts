import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * `fleet --version`: the CLI package's version and, in a git checkout, the commit it runs
 * (`0.1.0 (commit 79a7388c1e2f)`), so a bug report names the exact code. Read only when asked.
 */
export function cliVersion(): string {
  const { version } = JSON.parse(
    readFileSync(new URL("../package.json", import.meta.url), "utf8"),
  ) as { version: string };
  return `${version} (${gitCommit() ?? "commit unknown"})`;
}

function gitCommit(): string | undefined {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short=12", "HEAD"], {
      cwd: new URL(".", import.meta.url),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return commit === "" ? undefined : `commit ${commit}`;
  } catch {
    // Not a git checkout (a packed CLI), or git is not installed.
    return undefined;
  }
}
