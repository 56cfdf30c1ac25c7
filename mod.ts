/**
 * Write plakar connectors (importers, exporters and storage backends) in
 * TypeScript. A connector is a program plakar starts and talks to over its
 * stdin and stdout; this module serves the protocol, so a connector is a
 * factory that returns a small object.
 *
 * Importing this module sends everything printed through `console`,
 * `Deno.stdout` or `process.stdout` to stderr: stdout carries the protocol.
 *
 * @example An importer of one generated file
 * ```ts ignore
 * import { runImporter } from "@plakar-deno/connector";
 *
 * const text = new TextEncoder().encode("hello from deno\n");
 *
 * await runImporter((init) => ({
 *   origin: init.options.hostname,
 *   type: init.proto,
 *   root: "/",
 *   async *records() {
 *     const mtimeNs = BigInt(Date.now()) * 1_000_000n;
 *     yield {
 *       pathname: "/",
 *       fileInfo: { name: "/", kind: "directory", size: 0, mode: 0o755, mtimeNs },
 *     };
 *     yield {
 *       pathname: "/hello.txt",
 *       fileInfo: { name: "hello.txt", kind: "file", size: text.length, mode: 0o644, mtimeNs },
 *       open: () => ReadableStream.from([text]),
 *     };
 *   },
 * }));
 * ```
 *
 * @module
 */
import "./src/transport/stdout_guard.ts";

export * from "./src/connector.ts";
export * from "./src/connector_error.ts";
export * from "./src/excludes.ts";
export * from "./src/exporter.ts";
export * from "./src/file_info.ts";
export * from "./src/hex.ts";
export * from "./src/importer.ts";
export * from "./src/location_flags.ts";
export * from "./src/record.ts";
export * from "./src/run.ts";
export * from "./src/storage.ts";
export { fromGoFileMode, toGoFileMode } from "./src/protocol/file_mode.ts";
export * from "./src/file_body.ts";
export * from "./src/apply_file_info.ts";
