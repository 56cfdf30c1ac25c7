import type { ConnectorInfo, ConnectorInit } from "./connector.ts";
import type { ExportRecord } from "./record.ts";

/**
 * A destination plakar restores into. Created by the factory given to
 * {@linkcode runExporter} when plakar initialises the connector.
 *
 * @example An exporter that counts bytes
 * ```ts
 * import type { Exporter } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * let total = 0;
 * const exporter: Exporter = {
 *   origin: "memory",
 *   type: "memory",
 *   root: "/",
 *   async write(record) {
 *     for await (const chunk of record.body ?? []) total += chunk.length;
 *   },
 * };
 * await exporter.write({
 *   pathname: "/a",
 *   fileInfo: { name: "a", kind: "file", size: 3, mode: 0o600, mtimeNs: 0n },
 *   target: "",
 *   xattrs: [],
 *   fileAttributes: 0,
 *   body: ReadableStream.from([new Uint8Array(3)]),
 * }, new AbortController().signal);
 * assert.strictEqual(total, 3);
 * ```
 */
export interface Exporter extends ConnectorInfo {
  /**
   * Restores one record. Records arrive one at a time, a directory before
   * its content. What it throws is reported for that record only, and the
   * restore goes on.
   */
  write(record: ExportRecord, signal: AbortSignal): void | Promise<void>;
  /**
   * Called once after the last record, before plakar is told the restore is
   * complete: the place to apply directory times or flush buffers. What it
   * throws fails the restore. Also called when the restore stops early
   * (plakar cancelled it, or its stream broke), with `signal` aborted in the
   * first case, so that what was restored is left in order.
   */
  finish?(signal: AbortSignal): void | Promise<void>;
  /** Answers plakar's health check; throw to report a problem. */
  ping?(): void | Promise<void>;
  /** Releases resources; plakar calls it once it is done. */
  close?(): void | Promise<void>;
}

/**
 * Creates the exporter when plakar initialises the connector.
 *
 * @example
 * ```ts
 * import type { ExporterFactory } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const factory: ExporterFactory = (init) => ({
 *   origin: init.options.hostname,
 *   type: init.proto,
 *   root: "/",
 *   write() {},
 * });
 * assert.strictEqual(typeof factory, "function");
 * ```
 */
export type ExporterFactory = (
  init: ConnectorInit,
) => Exporter | Promise<Exporter>;
