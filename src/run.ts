import type { ImporterFactory } from "./importer.ts";
import type { ExporterFactory } from "./exporter.ts";
import type { StorageFactory } from "./storage.ts";
import { importerHandlers } from "./protocol/importer_service.ts";
import { exporterHandlers } from "./protocol/exporter_service.ts";
import { storageHandlers } from "./protocol/storage_service.ts";
import { serveStdio } from "./transport/serve.ts";
import { fail, preflightProblem } from "./transport/preflight.ts";

/**
 * Options of {@linkcode runImporter}, {@linkcode runExporter} and
 * {@linkcode runStorage}.
 *
 * @example Serving with explicit arguments
 * ```ts
 * import type { RunOptions } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const options: RunOptions = { args: [] };
 * assert.deepStrictEqual(options.args, []);
 * ```
 */
export interface RunOptions {
  /**
   * The process's arguments; a connector takes none.
   * @default {Deno.args}
   */
  args?: readonly string[];
}

async function run(
  serve: () => Promise<void>,
  options: RunOptions | undefined,
): Promise<void> {
  const problem = preflightProblem(options?.args ?? Deno.args);
  if (problem !== undefined) fail(problem);
  await serve();
}

/**
 * Serves an importer to plakar over stdin and stdout. Returns only if
 * serving could not start: the process exits when plakar goes away.
 *
 * @param factory Creates the importer when plakar calls Init.
 * @param options How to serve.
 *
 * @example A connector's entry point
 * ```ts ignore
 * import { runImporter, statFileInfo } from "@plakar-deno/connector";
 *
 * await runImporter((init) => {
 *   const root = new URL(init.location).pathname;
 *   return {
 *     origin: init.options.hostname,
 *     type: init.proto,
 *     root,
 *     flags: ["localfs"],
 *     async *records() {
 *       yield { pathname: "/", fileInfo: await statFileInfo(root) };
 *     },
 *   };
 * });
 * ```
 */
export function runImporter(
  factory: ImporterFactory,
  options?: RunOptions,
): Promise<void> {
  return run(
    () => serveStdio(importerHandlers(factory)),
    options,
  );
}

/**
 * Serves an exporter to plakar over stdin and stdout.
 *
 * @param factory Creates the exporter when plakar calls Init.
 * @param options How to serve.
 *
 * @example A connector's entry point
 * ```ts ignore
 * import { runExporter } from "@plakar-deno/connector";
 *
 * await runExporter((init) => ({
 *   origin: init.options.hostname,
 *   type: init.proto,
 *   root: "/",
 *   async write(record) {
 *     console.error("would restore", record.pathname);
 *     await record.body?.cancel();
 *   },
 * }));
 * ```
 */
export function runExporter(
  factory: ExporterFactory,
  options?: RunOptions,
): Promise<void> {
  return run(
    () => serveStdio(exporterHandlers(factory)),
    options,
  );
}

/**
 * Serves a storage backend to plakar over stdin and stdout.
 *
 * @param factory Creates the storage connector when plakar calls Init.
 * @param options How to serve.
 *
 * @example A connector's entry point
 * ```ts ignore
 * import { ConnectorError, runStorage } from "@plakar-deno/connector";
 *
 * await runStorage((init) => {
 *   throw new ConnectorError(`Cannot reach "${init.location}"`, { kind: "transient" });
 * });
 * ```
 */
export function runStorage(
  factory: StorageFactory,
  options?: RunOptions,
): Promise<void> {
  return run(
    () => serveStdio(storageHandlers(factory)),
    options,
  );
}
