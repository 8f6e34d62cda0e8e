/** One JSON line per event on stdout (the device client keeps the app's output). */
export function createLog(app) {
  const write = (level, msg, fields) =>
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, app, msg, ...fields })}\n`,
    );
  return {
    info: (msg, fields = {}) => write("info", msg, fields),
    warn: (msg, fields = {}) => write("warn", msg, fields),
    error: (msg, fields = {}) => write("error", msg, fields),
  };
}

/** Reads a required environment variable or exits naming it (the device client sets them). */
export function requireEnv(name, log) {
  const value = process.env[name];
  if (value === undefined || value === "") {
    log.error("app.missing-env", { variable: name });
    process.exit(78); // EX_CONFIG
  }
  return value;
}
