/**
 * Per-pod scheduling state that a plugin's PreFilter/PreScore computes once and its Filter/Score
 * reads for every node. Keys carry their value type, so reads need no casts at the call sites
 * (Kubernetes' CycleState is an untyped bag read back with type assertions; this is not).
 */

/** A typed key; create one per plugin datum as a module constant. */
export class StateKey<T> {
  /** Phantom field: ties the key to its value type; never read. */
  declare private readonly valueType: T;
  constructor(readonly name: string) {}
}

export class CycleState {
  // Values are only ever stored through write(), whose signature ties each value to its key's type.
  private readonly values = new Map<StateKey<unknown>, unknown>();

  write<T>(key: StateKey<T>, value: T): void {
    this.values.set(key, value);
  }

  /** The value written this cycle, or undefined. */
  read<T>(key: StateKey<T>): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  /** The value written this cycle; a missing value is a bug in the plugin's PreFilter/PreScore. */
  require<T>(key: StateKey<T>): T {
    const value = this.values.get(key);
    if (value === undefined) throw new Error(`scheduler: cycle state "${key.name}" was not written`);
    return value as T;
  }

  /** Reused across cycles so scheduling a pod does not allocate a new map. */
  clear(): void {
    this.values.clear();
  }
}
