/** One builder per member of `T`. */
export type MemberBuilders<T> = { [K in keyof T]: () => T[K] };

/**
 * An object whose members are built on their first read and kept. Feature modules and the
 * port bundles they are built from use it so that a caller builds only what it reads: a
 * Lambda handler that reads `rotationModule(ports).commit` builds the commit use case and the
 * ports it takes, never another function's adapters (whose variables it lacks and whose calls
 * its role does not allow).
 */
export function lazyMembers<T extends object>(builders: MemberBuilders<T>): T {
  const members = {} as T;
  for (const key of Object.keys(builders) as (keyof T & string)[]) {
    let built: { value: T[typeof key] } | undefined;
    Object.defineProperty(members, key, {
      enumerable: true,
      get() {
        built ??= { value: builders[key]() };
        return built.value;
      },
    });
  }
  return members;
}
