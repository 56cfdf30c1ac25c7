import type { LocationFlag } from "./location_flags.ts";

/**
 * What plakar tells a storage connector when it starts it.
 *
 * @example Reading the location
 * ```ts
 * import type { StorageInit } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const init: StorageInit = {
 *   proto: "denofs",
 *   location: "denofs:///srv/repo",
 *   config: { location: "denofs:///srv/repo" },
 * };
 * assert.strictEqual(new URL(init.location).pathname, "/srv/repo");
 * ```
 */
export interface StorageInit {
  /** The scheme plakar matched, e.g. `"denofs"`. */
  proto: string;
  /**
   * The location, always `<proto>://...`; for a `localfs` connector plakar
   * has already made the path absolute.
   */
  location: string;
  /**
   * Every `key=value` the user configured for this location (credentials
   * included), `location` among them.
   */
  config: Readonly<Record<string, string>>;
}

/**
 * What the host tells importers and exporters about itself.
 *
 * @example Honouring the host's concurrency
 * ```ts
 * import type { HostOptions } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const options: HostOptions = {
 *   hostname: "laptop",
 *   os: "linux",
 *   arch: "amd64",
 *   cwd: "/home/me",
 *   maxConcurrency: 8,
 *   excludes: [],
 *   noXattr: false,
 * };
 * assert.ok(options.maxConcurrency > 0);
 * ```
 */
export interface HostOptions {
  /** The host's name. */
  hostname: string;
  /** The host's operating system, in Go's names (`linux`, `darwin`, ...). */
  os: string;
  /** The host's architecture, in Go's names (`amd64`, `arm64`, ...). */
  arch: string;
  /** plakar's working directory. */
  cwd: string;
  /** How many content reads plakar may run at once. */
  maxConcurrency: number;
  /** Exclusion patterns the user gave. */
  excludes: readonly string[];
  /**
   * Whether the user asked not to record extended attributes. plakar
   * v1.1.4 leaves it false even under `-no-xattr`: it drops extended
   * attribute records itself.
   */
  noXattr: boolean;
}

/**
 * What plakar tells an importer or exporter when it starts it.
 *
 * @example The host's name
 * ```ts
 * import type { ConnectorInit } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const init: ConnectorInit = {
 *   proto: "denofs",
 *   location: "denofs:///home/me",
 *   config: { location: "denofs:///home/me" },
 *   options: {
 *     hostname: "laptop",
 *     os: "linux",
 *     arch: "amd64",
 *     cwd: "/",
 *     maxConcurrency: 4,
 *     excludes: [],
 *     noXattr: false,
 *   },
 * };
 * assert.strictEqual(init.options.hostname, "laptop");
 * ```
 */
export interface ConnectorInit extends StorageInit {
  /** The host's options. */
  options: HostOptions;
}

/**
 * How a connector describes itself to plakar once started.
 *
 * @example A local importer's description
 * ```ts
 * import type { ConnectorInfo } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const info: ConnectorInfo = {
 *   origin: "laptop",
 *   type: "denofs",
 *   root: "/home/me",
 *   flags: ["localfs"],
 * };
 * assert.strictEqual(info.root, "/home/me");
 * ```
 */
export interface ConnectorInfo {
  /** Where the data lives: a host name, a bucket, an account. */
  origin: string;
  /** The connector's kind of location, usually its protocol name. */
  type: string;
  /** The root recorded for the snapshot, e.g. the directory backed up. */
  root: string;
  /** Flags describing the location. @default {[]} */
  flags?: readonly LocationFlag[];
}
