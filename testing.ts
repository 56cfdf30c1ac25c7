/**
 * A host-side harness for testing connectors without plakar: it starts a
 * connector the way plakar does (stdin and stdout as two pipes carrying
 * HTTP/2, stderr apart) and drives it through the real gRPC protocol.
 *
 * @example Testing an importer
 * ```ts ignore
 * import { ImporterClient } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * Deno.test("importer yields the file", async () => {
 *   const importer = ImporterClient.spawn([
 *     Deno.execPath(), "run", "--allow-read", "importer.ts",
 *   ]);
 *   await importer.init("myproto:///data");
 *   const entries = await importer.importAll();
 *   assert.ok(entries.some((e) => e.record.pathname === "/data/file.txt"));
 *   assert.strictEqual((await importer.shutdown()).code, 0);
 * });
 * ```
 *
 * @module
 */
export { ConnectorClient } from "./src/testing/connector_client.ts";
export {
  connectorCommand,
  type ConnectorCommandOptions,
} from "./src/testing/connector_command.ts";
export {
  ConnectorProcess,
  type SpawnOptions,
} from "./src/testing/connector_process.ts";
export {
  ConnectorExitError,
  type ConnectorExitErrorOptions,
} from "./src/testing/connector_exit_error.ts";
export {
  type ExplainLoss,
  GrpcCall,
  type GrpcCallOptions,
  GrpcConnection,
  GrpcError,
  GrpcStatus,
} from "./src/testing/grpc_client.ts";
export type {
  InitResult,
  ReceivedRecord,
} from "./src/testing/received_record.ts";
export {
  type ImportAllOptions,
  type ImportedEntry,
  ImporterClient,
  ImportSession,
} from "./src/testing/importer_client.ts";
export {
  type ExportEntry,
  ExporterClient,
  type ExportResult,
} from "./src/testing/exporter_client.ts";
export { StorageClient } from "./src/testing/storage_client.ts";
