/**
 * The flags a connector declares about the locations it serves.
 *
 * - `localfs`: the location is a path on this machine (plakar makes it
 *   absolute against the working directory; the build grants file access).
 * - `file`: the location names a single file rather than a tree.
 * - `stream`: the source can be read only once (plakar skips its separate
 *   counting pass).
 * - `needack`: the importer wants to see plakar's result for every record.
 * - `nomerge`: snapshots of this location are not merged with others.
 *
 * @example Declaring an importer of local paths
 * ```ts
 * import type { LocationFlag } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const flags: LocationFlag[] = ["localfs"];
 * assert.deepStrictEqual(flags, ["localfs"]);
 * ```
 */
export type LocationFlag =
  | "localfs"
  | "file"
  | "stream"
  | "needack"
  | "nomerge";

/**
 * Every location flag, in the order of their bits on the wire.
 *
 * @example Checking a flag name read from a file
 * ```ts
 * import { LOCATION_FLAGS } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * assert.ok((LOCATION_FLAGS as readonly string[]).includes("stream"));
 * ```
 */
export const LOCATION_FLAGS: readonly LocationFlag[] = [
  "localfs",
  "file",
  "stream",
  "needack",
  "nomerge",
];
