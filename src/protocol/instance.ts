// What the three services share: the one connector instance a process
// serves (created by Init).
import type { ConnectorInfo } from "../connector.ts";
import { encodeFlags } from "./codec.ts";
import { describe, MisuseError } from "./misuse.ts";
import { Status, statusError } from "./status.ts";

/** What Init answers, whichever the service (the field number of `flags` is the codec's business). */
export interface InitAnswer {
  origin: string;
  type: string;
  root: string;
  flags: number;
}

/** The connector instance of this process, once Init created it. */
export class Instance<T extends ConnectorInfo> {
  #value: T | undefined;
  #name: string;
  #methods: readonly string[];

  /**
   * @param name What it is, for errors: "importer", "exporter", ...
   * @param methods The methods every such instance has.
   */
  constructor(name: string, methods: readonly string[]) {
    this.#name = name;
    this.#methods = methods;
  }

  /** The instance; fails with FAILED_PRECONDITION before Init. */
  get(): T {
    if (this.#value === undefined) {
      throw statusError(
        Status.FAILED_PRECONDITION,
        `The ${this.#name} is not initialised: plakar must call Init first`,
      );
    }
    return this.#value;
  }

  /** Creates (or replaces) the instance and returns Init's answer. */
  async create(make: () => T | Promise<T>): Promise<InitAnswer> {
    const created = await make();
    this.#check(created);
    const flags = encodeFlags(created.flags);
    this.#value = created;
    return {
      origin: created.origin,
      type: created.type,
      root: created.root,
      flags,
    };
  }

  // What the factory made must be what plakar is told (a missing origin
  // would go out as "undefined") and what later calls use.
  #check(created: T): void {
    const factory = `The ${this.#name} factory`;
    if (typeof created !== "object" || created === null) {
      throw new MisuseError(
        `${factory} returned ${
          describe(created)
        }: it must return an object with origin, type, root and ${
          this.#methods.map((m) => `${m}()`).join(", ")
        }`,
      );
    }
    for (const key of ["origin", "type", "root"] as const) {
      if (typeof created[key] !== "string") {
        throw new MisuseError(
          `${factory} returned an object whose ${key} is ${
            describe(created[key])
          }, not a string`,
        );
      }
    }
    for (const method of this.#methods) {
      if (typeof (created as Record<string, unknown>)[method] !== "function") {
        throw new MisuseError(
          `${factory} returned an object without a ${method}() method`,
        );
      }
    }
  }
}
