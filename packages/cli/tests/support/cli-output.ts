// Captures what `main()` prints, for unit tests that run the CLI in-process.
import { afterEach, beforeEach, vi } from "vitest";

export interface CliOutput {
  stdout: string[];
  stderr: string[];
}

/**
 * Registers hooks in the calling `describe` that collect each test's stdout and stderr writes
 * (emptied before every test). With `awsEnv`, also stubs the credentials and region the AWS SDK
 * clients read, so mocked clients never look for a real profile.
 */
export function captureCliOutput({ awsEnv = false }: { awsEnv?: boolean } = {}): CliOutput {
  const output: CliOutput = { stdout: [], stderr: [] };
  beforeEach(() => {
    output.stdout.length = 0;
    output.stderr.length = 0;
    if (awsEnv) {
      vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
      vi.stubEnv("AWS_REGION", "eu-west-1");
    }
    vi.spyOn(process.stdout, "write").mockImplementation(
      (chunk) => output.stdout.push(String(chunk)) > 0,
    );
    vi.spyOn(process.stderr, "write").mockImplementation(
      (chunk) => output.stderr.push(String(chunk)) > 0,
    );
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  return output;
}
