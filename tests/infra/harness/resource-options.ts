/**
 * The resource options the engine would receive with each registration: `protect` and
 * `retainOnDelete`, after every transformation (SST's, the stacks' own). Pulumi's mock monitor
 * hands its mocks only type, name and inputs, so its `registerResource` is wrapped to read
 * them off the request first.
 */

/** One registration's options; undefined where the program left the option unset. */
export interface ResourceOptions {
  type: string;
  name: string;
  protect: boolean | undefined;
  retainOnDelete: boolean | undefined;
}

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  hasProtect(): boolean;
  getProtect(): boolean;
  hasRetainondelete(): boolean;
  getRetainondelete(): boolean;
}

interface Monitor {
  registerResource(request: RegisterResourceRequest, callback: unknown): unknown;
}

/** Records the options of every resource the current mock monitor registers from now on. */
export function recordResourceOptions(runtime: { getMonitor(): unknown }): ResourceOptions[] {
  const recorded: ResourceOptions[] = [];
  const monitor = runtime.getMonitor() as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) => {
    recorded.push({
      type: request.getType(),
      name: request.getName(),
      protect: request.hasProtect() ? request.getProtect() : undefined,
      retainOnDelete: request.hasRetainondelete() ? request.getRetainondelete() : undefined,
    });
    return register(request, callback);
  };
  return recorded;
}
