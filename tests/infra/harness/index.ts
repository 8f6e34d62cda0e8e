/**
 * Offline infrastructure test harness: run stack modules against Pulumi mocks and assert on
 * the resources they register. `.sst/platform` is built on first use (`sst install`, npm only).
 *
 * ```ts
 * let stack: StackRun<void>;
 * beforeAll(async () => {
 *   stack = await runStack(async () => {
 *     const { devicePresence } = await import("../../stacks/device-presence.ts");
 *     devicePresence();
 *   }, { stage: "dev" });
 * }, PLATFORM_BUILD_TIMEOUT_MS);
 * afterAll(stopStackHarness);
 *
 * it("...", () => {
 *   const rule = stack.one("aws:iot/topicRule:TopicRule");
 *   expect(rule.inputs.sql).toBe("...");
 *   expect(permissionStatements(stack.resources)).toEqual([...]);
 * });
 * ```
 */
export { type IamStatement, permissionStatements, trustStatements } from "./iam.ts";
export {
  LAMBDA_FUNCTION,
  MOCK_ACCOUNT_ID,
  MOCK_CA,
  MOCK_CERTIFICATE,
  MOCK_IOT_DATA_ENDPOINT,
  MOCK_PARTITION,
  MOCK_REGION,
  type RegisteredResource,
} from "./mocks.ts";
export {
  ensurePlatform,
  PLATFORM_BUILD_TIMEOUT_MS,
  PLATFORM_DIR,
  REPO_ROOT,
} from "./platform.ts";
export type { ResourceOptions } from "./resource-options.ts";
export type { BuildRequest } from "./rpc-stub.ts";
export {
  loadAppConfig,
  type RunStackOptions,
  runApp,
  runStack,
  type StackRun,
  stopStackHarness,
} from "./run-stack.ts";
