import type { ImporterFactory } from "./importer.ts";
import type { ExporterFactory } from "./exporter.ts";
import type { StorageFactory } from "./storage.ts";
import { importerHandlers } from "./protocol/importer_service.ts";
import { exporterHandlers } from "./protocol/exporter_service.ts";
import { storageHandlers } from "./protocol/storage_service.ts";
import {
  exporterService,
  importerService,
  storageService,
} from "./protocol/services.ts";
import { serveStdio, type Transport } from "./transport/serve.ts";
import { fail, preflightProblem } from "./transport/preflight.ts";

export type { Transport };

/**
 * Options of {@linkcode runImporter}, {@linkcode runExporter} and
 * {@linkcode runStorage}.
 *
 * @example Forcing the loopback bridge
 * ```ts
 * import type { RunOptions } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const options: RunOptions = { transport: "bridge" };
 * assert.strictEqual(options.transport, "bridge");
 * ```
 */
export interface RunOptions {
  /**
   * How the gRPC server reaches stdin and stdout.
   * @default {"auto"}
   */
  transport?: Transport;
  /**
   * The process's arguments; a connector takes none.
   * @default {Deno.args}
   */
  args?: readonly string[];
}

async function run(
  serve: () => Promise<void>,
  options: RunOptions,
): Promise<void> {
  const problem = preflightProblem(options.args ?? Deno.args);
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
  options: RunOptions = {},
): Promise<void> {
  return run(
    () =>
      serveStdio(
        importerService,
        importerHandlers(factory),
        options.transport ?? "auto",
      ),
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
  options: RunOptions = {},
): Promise<void> {
  return run(
    () =>
      serveStdio(
        exporterService,
        exporterHandlers(factory),
        options.transport ?? "auto",
      ),
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
  options: RunOptions = {},
): Promise<void> {
  return run(
    () =>
      serveStdio(
        storageService,
        storageHandlers(factory),
        options.transport ?? "auto",
      ),
    options,
  );
}
