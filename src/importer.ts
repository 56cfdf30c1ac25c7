import type { ConnectorInfo, ConnectorInit } from "./connector.ts";
import type { ImportAck, ImportRecord } from "./record.ts";

/**
 * A source plakar backs up. Created by the factory given to
 * {@linkcode runImporter} when plakar initialises the connector.
 *
 * @example An importer of one in-memory file
 * ```ts
 * import type { Importer } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const importer: Importer = {
 *   origin: "memory",
 *   type: "memory",
 *   root: "/",
 *   async *records() {
 *     yield {
 *       pathname: "/hello.txt",
 *       fileInfo: { name: "hello.txt", kind: "file", size: 2, mode: 0o644, mtimeNs: 0n },
 *       open: () => ReadableStream.from([new Uint8Array([104, 105])]),
 *     };
 *   },
 * };
 * const records = await Array.fromAsync(importer.records(new AbortController().signal));
 * assert.strictEqual(records.length, 1);
 * ```
 */
export interface Importer extends ConnectorInfo {
  /**
   * Yields every record of the source, directories before their content.
   * The signal aborts when plakar cancels the backup. What it throws ends
   * the whole import and plakar fails the backup with that message; for one
   * entry that cannot be read, yield an error record (`{ pathname, error }`)
   * instead, and plakar notes it and goes on.
   */
  records(signal: AbortSignal): AsyncIterable<ImportRecord>;
  /** Receives plakar's verdict on each record; called only with `needack`. */
  ack?(ack: ImportAck): void | Promise<void>;
  /** Answers plakar's health check; throw to report a problem. */
  ping?(): void | Promise<void>;
  /** Releases resources; plakar calls it once it is done. */
  close?(): void | Promise<void>;
}

/**
 * Creates the importer when plakar initialises the connector. What it throws
 * is shown to the user as the reason the importer could not be created.
 *
 * @example
 * ```ts
 * import type { ImporterFactory } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const factory: ImporterFactory = (init) => ({
 *   origin: init.options.hostname,
 *   type: init.proto,
 *   root: new URL(init.location).pathname,
 *   async *records() {},
 * });
 * assert.strictEqual(typeof factory, "function");
 * ```
 */
export type ImporterFactory = (
  init: ConnectorInit,
) => Importer | Promise<Importer>;
