import type { ConnectorInfo, StorageInit } from "./connector.ts";

/**
 * The kinds of object a plakar repository keeps.
 *
 * @example
 * ```ts
 * import type { ResourceType } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const type: ResourceType = "packfile";
 * assert.strictEqual(type, "packfile");
 * ```
 */
export type ResourceType =
  | "undefined"
  | "packfile"
  | "state"
  | "lock"
  | "ecc-packfile"
  | "ecc-state";

/**
 * Every resource type, in wire order.
 *
 * @example One directory per type
 * ```ts
 * import { RESOURCE_TYPES } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * assert.ok(RESOURCE_TYPES.includes("state"));
 * ```
 */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  "undefined",
  "packfile",
  "state",
  "lock",
  "ecc-packfile",
  "ecc-state",
];

/**
 * What a storage connector allows.
 *
 * @example
 * ```ts
 * import type { StorageMode } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const mode: StorageMode = "read-only";
 * assert.notStrictEqual(mode, "read-write");
 * ```
 */
export type StorageMode = "read-only" | "read-write";

/**
 * Identifies one object of a repository.
 *
 * @example
 * ```ts
 * import type { ObjectKey } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const key: ObjectKey = { type: "state", mac: new Uint8Array(32) };
 * assert.strictEqual(key.mac.length, 32);
 * ```
 */
export interface ObjectKey {
  /** The object's type. */
  type: ResourceType;
  /** The object's 32-byte MAC. */
  mac: Uint8Array;
}

/**
 * A byte range of an object.
 *
 * @example The first kibibyte
 * ```ts
 * import type { ByteRange } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const range: ByteRange = { offset: 0, length: 1024 };
 * assert.strictEqual(range.length, 1024);
 * ```
 */
export interface ByteRange {
  /** First byte. */
  offset: number;
  /** Number of bytes. */
  length: number;
}

/**
 * Options of {@linkcode Storage.get}.
 *
 * @example
 * ```ts
 * import type { GetOptions } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const options: GetOptions = { range: { offset: 10, length: 5 } };
 * assert.strictEqual(options.range?.offset, 10);
 * ```
 */
export interface GetOptions {
  /** Only this part of the object. @default {undefined} (the whole object) */
  range?: ByteRange;
  /** Aborts when plakar cancels the read. */
  signal?: AbortSignal;
}

/**
 * Options of {@linkcode Storage.put}.
 *
 * @example
 * ```ts
 * import type { PutOptions } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const options: PutOptions = { signal: new AbortController().signal };
 * assert.ok(options.signal);
 * ```
 */
export interface PutOptions {
  /** Aborts when plakar cancels the write. */
  signal?: AbortSignal;
}

/**
 * A place where plakar keeps a repository. Created by the factory given to
 * {@linkcode runStorage} when plakar initialises the connector.
 *
 * @example An in-memory repository
 * ```ts
 * import { fromHex, toHex, type Storage } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const objects = new Map<string, Uint8Array>();
 * let config: Uint8Array | undefined;
 * const storage: Storage = {
 *   origin: "memory",
 *   type: "memory",
 *   root: "/",
 *   create(c) { config = c; },
 *   open() {
 *     if (!config) throw new Error("No repository here");
 *     return config;
 *   },
 *   list(type) {
 *     return [...objects.keys()].filter((k) => k.startsWith(type + "/"))
 *       .map((k) => fromHex(k.slice(type.length + 1)));
 *   },
 *   async put(key, body) {
 *     const bytes = await new Response(body).bytes();
 *     objects.set(`${key.type}/${toHex(key.mac)}`, bytes);
 *     return bytes.length;
 *   },
 *   get(key) {
 *     const bytes = objects.get(`${key.type}/${toHex(key.mac)}`);
 *     if (!bytes) throw new Error("No such object");
 *     return ReadableStream.from([bytes]);
 *   },
 *   delete(key) { objects.delete(`${key.type}/${toHex(key.mac)}`); },
 * };
 * const n = await storage.put(
 *   { type: "state", mac: new Uint8Array(32) },
 *   ReadableStream.from([new Uint8Array(7)]),
 *   {},
 * );
 * assert.strictEqual(n, 7);
 * ```
 */
export interface Storage extends ConnectorInfo {
  /** What the repository allows. @default {"read-write"} */
  mode?: StorageMode;
  /** Creates the repository, keeping plakar's opaque configuration. */
  create(config: Uint8Array): void | Promise<void>;
  /** Opens an existing repository: returns what `create` kept. */
  open(): Uint8Array | Promise<Uint8Array>;
  /** Total size in bytes, or `-1` when unknown (the default). */
  size?(): number | Promise<number>;
  /** MACs of every object of a type. */
  list(
    type: ResourceType,
  ):
    | Iterable<Uint8Array>
    | AsyncIterable<Uint8Array>
    | Promise<Iterable<Uint8Array>>;
  /**
   * Stores an object, reading its content from `body` (chunks of at most
   * 1 MiB, in order). Returns the number of bytes written. Must never leave
   * a half-written object visible. `body` is a byte stream: a BYOB reader
   * (`getReader({ mode: "byob" })`) gets the content copied into its own
   * buffer, so that storing makes no garbage.
   */
  put(
    key: ObjectKey,
    body: ReadableStream<Uint8Array>,
    options: PutOptions,
  ): number | Promise<number>;
  /**
   * Streams an object, or a range of it. A byte stream (such as
   * {@linkcode fileBody}'s) is read into two buffers used in turn.
   */
  get(
    key: ObjectKey,
    options: GetOptions,
  ): ReadableStream<Uint8Array> | Promise<ReadableStream<Uint8Array>>;
  /** Removes an object. */
  delete(key: ObjectKey): void | Promise<void>;
  /** Answers plakar's health check; throw to report a problem. */
  ping?(): void | Promise<void>;
  /** Releases resources; plakar calls it once it is done. */
  close?(): void | Promise<void>;
}

/**
 * Creates the storage connector when plakar initialises it.
 *
 * @example
 * ```ts
 * import type { StorageFactory } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const factory: StorageFactory = (init) => {
 *   throw new Error(`Cannot reach "${init.location}"`);
 * };
 * assert.throws(() => factory({ proto: "x", location: "x://", config: {} }));
 * ```
 */
export type StorageFactory = (init: StorageInit) => Storage | Promise<Storage>;
