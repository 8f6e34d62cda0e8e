export * from "./app-errors.ts";
export {
  type AppManager,
  type AppManagerOptions,
  type AppUpdateOutcome,
  type AppUpdatePhase,
  type AppUpdateReport,
  createAppManager,
} from "./app-manager.ts";
