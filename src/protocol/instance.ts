// What the three services share: the one connector instance a process
// serves (created by Init).
import type { ConnectorInfo } from "../connector.ts";
import { encodeFlags } from "./codec.ts";
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

  /** @param name What it is, for errors: "importer", "exporter", ... */
  constructor(name: string) {
    this.#name = name;
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
    const flags = encodeFlags(created.flags);
    this.#value = created;
    return {
      origin: created.origin,
      type: created.type,
      root: created.root,
      flags,
    };
  }
}
