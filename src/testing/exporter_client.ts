// Drives an exporter through the real protocol, as plakar does.
import type { HostOptions } from "../connector.ts";
import type { FileInfo } from "../file_info.ts";
import type { XattrKind } from "../record.ts";
import * as pb from "../../proto/gen/exporter/exporter_pb.ts";
import type { Record as WireRecord } from "../../proto/gen/connectors_pb.ts";
import { encodeFileInfo } from "../protocol/codec.ts";
import { ConnectorProcess, type SpawnOptions } from "./connector_process.ts";
import { ConnectorClient } from "./connector_client.ts";
import { GrpcError, GrpcStatus } from "./grpc_client.ts";
import {
  decodeFlags,
  type InitResult,
  receivedRecord,
} from "./received_record.ts";
import { encodeHostOptions, hostLocation } from "./importer_client.ts";

/**
 * One entry to restore, as plakar would send it.
 *
 * @example A small file
 * ```ts
 * import type { ExportEntry } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const entry: ExportEntry = {
 *   pathname: "/a.txt",
 *   fileInfo: { name: "a.txt", kind: "file", size: 2, mode: 0o644, mtimeNs: 0n },
 *   body: new Uint8Array([104, 105]),
 * };
 * assert.ok(entry.body);
 * ```
 */
export interface ExportEntry {
  /** Path within the snapshot. */
  pathname: string;
  /** Metadata. */
  fileInfo: FileInfo;
  /** A symlink's target. @default {""} */
  target?: string;
  /**
   * Content of a regular file or an extended attribute, sent in chunks of
   * at most 1 MiB; none is an empty one (plakar sends content, maybe empty,
   * for every such entry, and none for other kinds).
   */
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** Names of the entry's extended attributes. @default {[]} */
  xattrs?: readonly string[];
  /** Marks an extended attribute record. */
  xattr?: { name: string; kind: XattrKind };
  /** The error recorded at backup time. */
  error?: string;
}

/**
 * The exporter's verdict on one entry.
 *
 * @example
 * ```ts
 * import type { ExportResult } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const result: ExportResult = { pathname: "/a", error: "" };
 * assert.strictEqual(result.error, "");
 * ```
 */
export interface ExportResult {
  /** Path of the entry, from the result's header. */
  pathname: string;
  /** The error for it, `""` if it was restored. */
  error: string;
  /** Whether the header carried the full record with its file info. */
  hasFileInfo?: boolean;
}

const CHUNK = 1 << 20;
const EMPTY = new Uint8Array(0);

/**
 * The wire record of an entry, as plakar makes it (integration-grpc's
 * RecordToProto): content for regular files and extended attributes
 * without an error, file info for entries that are neither errors nor
 * extended attributes.
 */
export function exportRecord(entry: ExportEntry): WireRecord {
  const plain = entry.error === undefined && entry.xattr === undefined;
  const hasReader = entry.error === undefined &&
    (entry.xattr !== undefined || entry.fileInfo.kind === "file");
  if (entry.body !== undefined && !hasReader) {
    throw new TypeError(
      `Cannot export "${entry.pathname}" with a body: plakar sends content only for regular files and extended attributes without an error`,
    );
  }
  return {
    hasReader,
    pathname: entry.pathname,
    error: entry.error ?? "",
    isXattr: entry.xattr !== undefined,
    xattrName: entry.xattr?.name ?? "",
    xattrType: entry.xattr?.kind === "ads" ? 1 : 0,
    target: entry.target ?? "",
    fileInfo: plain ? encodeFileInfo(entry.fileInfo) : undefined,
    extendedAttributes: [...(entry.xattrs ?? [])],
    fileAttributes: 0,
  };
}

async function* chunksOf(
  body: Uint8Array | ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const parts = body instanceof Uint8Array ? [body] : body;
  for await (const part of parts) {
    for (let at = 0; at < part.byteLength; at += CHUNK) {
      yield part.subarray(at, at + CHUNK);
    }
  }
}

/**
 * Drives an exporter connector through the real protocol on its pipes.
 *
 * @example Restoring one file with the example exporter
 * ```ts ignore
 * import { ExporterClient } from "@plakar-deno/connector/testing";
 *
 * const exporter = ExporterClient.spawn([
 *   Deno.execPath(), "run", "--allow-read", "--allow-write", "exporter.ts",
 * ]);
 * await exporter.init("denofs:///tmp/restore");
 * const results = await exporter.export([{
 *   pathname: "/hello.txt",
 *   fileInfo: { name: "hello.txt", kind: "file", size: 2, mode: 0o644, mtimeNs: 0n },
 *   body: new TextEncoder().encode("hi"),
 * }]);
 * await exporter.shutdown();
 * ```
 */
export class ExporterClient extends ConnectorClient {
  /**
   * Wraps a running exporter process.
   *
   * @param process The process.
   */
  constructor(process: ConnectorProcess) {
    super(process, "/plakar.exporter.Exporter");
  }

  /**
   * Starts an exporter process.
   *
   * @param command The program and its arguments.
   * @param options How to spawn it.
   * @returns A client for it.
   */
  static spawn(
    command: readonly string[],
    options?: SpawnOptions,
  ): ExporterClient {
    return new ExporterClient(ConnectorProcess.spawn(command, options));
  }

  /**
   * Calls Init.
   *
   * @param location `<proto>://<path>` or `<proto>:<path>`; becomes
   *   `config.location` as `<proto>://<path>`.
   * @param config Further configuration.
   * @param options Host options.
   * @returns The exporter's description.
   */
  async init(
    location: string,
    config?: Record<string, string>,
    options?: Partial<HostOptions>,
  ): Promise<InitResult> {
    const host = hostLocation(location);
    const request = pb.InitRequest.encode({
      options: encodeHostOptions(options ?? {}),
      proto: host.proto,
      config: { ...config, location: host.location },
    }).finish();
    const response = pb.InitResponse.decode(
      await this.unary("Init", request),
    );
    return { ...response, flags: decodeFlags(response.flags) };
  }

  /**
   * Runs one Export as plakar does: each entry's record, then, for a
   * regular file or an extended attribute, its content in chunks of at
   * most 1 MiB and an empty end chunk; results are read meanwhile. A result
   * plakar could not decode fails it, as it aborts plakar's restore.
   *
   * @param entries What to restore, directories before their content.
   * @returns One result per entry, in the order received.
   */
  async export(
    entries: Iterable<ExportEntry> | AsyncIterable<ExportEntry>,
  ): Promise<ExportResult[]> {
    const call = this.call("Export");
    const results: ExportResult[] = [];
    const reading = (async () => {
      for await (const message of call.messages()) {
        const header = pb.ExportResponse.decode(message).result;
        const wire = header?.header;
        // What plakar cannot decode aborts its restore (integration-grpc's
        // ResultFromProto).
        if (
          wire === undefined ||
          (!wire.fileInfo && wire.error === "" && !wire.isXattr)
        ) {
          call.cancel();
          throw new GrpcError(
            GrpcStatus.INTERNAL,
            `invalid result for ${wire?.pathname ?? "a record"}: missing ${
              wire ? "fileinfo" : "record"
            } (plakar aborts the restore on it)`,
          );
        }
        const record = receivedRecord(wire);
        results.push({
          pathname: record.pathname,
          error: header?.error ?? "",
          hasFileInfo: record.fileInfo !== undefined,
        });
      }
    })();
    reading.catch(() => {});
    try {
      for await (const entry of entries) {
        const packet = (p: pb.ExportRequest["packet"]) =>
          call.send(pb.ExportRequest.encode({ packet: p }).finish());
        const record = exportRecord(entry);
        await packet({ $case: "record", value: record });
        if (record.hasReader) {
          for await (const chunk of chunksOf(entry.body ?? EMPTY)) {
            if (chunk.byteLength > 0) {
              await packet({ $case: "chunk", value: chunk });
            }
          }
          await packet({ $case: "chunk", value: new Uint8Array(0) });
        }
      }
      call.end();
    } catch (error) {
      call.cancel();
      throw error;
    }
    await reading;
    return results;
  }
}
