// Drives an importer through the real protocol, as plakar does.
import { createHash } from "node:crypto";
import type { HostOptions } from "../connector.ts";
import * as pb from "../../proto/gen/importer/importer_pb.ts";
import { ConnectorProcess, type SpawnOptions } from "./connector_process.ts";
import { ConnectorClient } from "./connector_client.ts";
import { compileExcludes, type ExcludePredicate } from "../excludes.ts";
import { type GrpcCall, GrpcError, GrpcStatus } from "./grpc_client.ts";
import {
  ackHeader,
  decodeFlags,
  type InitResult,
  openHeader,
  type ReceivedRecord,
  receivedRecord,
} from "./received_record.ts";

/**
 * Options of {@linkcode ImporterClient.importAll}.
 *
 * @example
 * ```ts
 * import type { ImportAllOptions } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const options: ImportAllOptions = { read: "digest", concurrency: 4 };
 * assert.strictEqual(options.read, "digest");
 * ```
 */
export interface ImportAllOptions {
  /**
   * What to do with content: keep it (`bytes`), keep its SHA-256 and size
   * only (`digest`, memory bounded), or not open it (`none`).
   * @default {"bytes"}
   */
  read?: "bytes" | "digest" | "none";
  /** How many Opens run at once. @default {Init's `maxConcurrency` (4)} */
  concurrency?: number;
}

/**
 * A record with what was read of its content.
 *
 * @example
 * ```ts
 * import type { ImportedEntry } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const entry: ImportedEntry = {
 *   record: { pathname: "/a", hasReader: true, target: "", xattrs: [], fileAttributes: 0 },
 *   size: 1,
 *   content: new Uint8Array([1]),
 * };
 * assert.strictEqual(entry.size, 1);
 * ```
 */
export interface ImportedEntry {
  /** The record. */
  record: ReceivedRecord;
  /** Bytes read from its content (0 if not opened). */
  size: number;
  /** The content, with `read: "bytes"`. */
  content?: Uint8Array;
  /** Lowercase hex SHA-256 of the content, with `read: "digest"`. */
  sha256?: string;
  /** Why Open failed, if it did: plakar records it as the file's error. */
  openError?: string;
  /**
   * Set when plakar would leave the record out of the snapshot (Init's
   * `excludes`); its content is not opened.
   */
  excluded?: boolean;
}

const DEFAULT_OPTIONS: HostOptions = {
  hostname: "test-host",
  os: "linux",
  arch: "amd64",
  cwd: "/",
  maxConcurrency: 4,
  excludes: [],
  // plakar v1.1.4 never sets it: `-no-xattr` makes plakar drop the records.
  noXattr: false,
};

/** Encodes host options for an importer or exporter Init. */
export function encodeHostOptions(options: Partial<HostOptions>): pb.Options {
  const o = { ...DEFAULT_OPTIONS, ...options };
  return {
    hostname: o.hostname,
    os: o.os,
    arch: o.arch,
    cwd: o.cwd,
    maxconcurrency: BigInt(o.maxConcurrency),
    excludes: [...o.excludes],
    noxattr: o.noXattr,
  };
}

/**
 * The protocol and `config.location` plakar sends for a location the user
 * wrote: `proto:path` and `proto://path` both give `proto://path` (kloset's
 * location lookup; a protocol has two characters at least).
 */
export function hostLocation(
  location: string,
): { proto: string; location: string } {
  const scheme = /^([A-Za-z0-9+.-]{2,}):(?:\/\/)?/.exec(location);
  if (scheme === null) {
    throw new TypeError(
      `Cannot tell the protocol of location "${location}": write it as <protocol>://<path>`,
    );
  }
  const proto = scheme[1]!;
  return { proto, location: `${proto}://${location.slice(scheme[0].length)}` };
}

/**
 * One Import call: records arrive, acknowledgements go back.
 *
 * @example Manual acknowledgements
 * ```ts ignore
 * const session = importer.import();
 * for await (const record of session) await session.ack(record);
 * await session.done();
 * ```
 */
export class ImportSession implements AsyncIterable<ReceivedRecord> {
  #call: GrpcCall;
  #finished = false;
  #lateError: GrpcError | undefined;

  /**
   * Wraps an Import call.
   *
   * @param call The Import call.
   */
  constructor(call: GrpcCall) {
    this.#call = call;
  }

  /** Whether the importer said it had sent its last record. */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * The error status the importer ended the call with after its last
   * record, once {@linkcode ImportSession.done} has read it. plakar never
   * reads a status that comes after the last record (the backup goes on as
   * if it were OK); this SDK's importers also write it on stderr.
   */
  get lateError(): GrpcError | undefined {
    return this.#lateError;
  }

  /**
   * The records, until the importer says it is finished. What plakar
   * rejects fails here too: a message with neither a record nor `finished`,
   * and a record without file info that is neither an error nor an
   * extended attribute.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<ReceivedRecord> {
    for await (const message of this.#call.messages()) {
      const response = pb.ImportResponse.decode(message);
      if (response.finished) {
        this.#finished = true;
        return;
      }
      const wire = response.record;
      let problem: string | undefined;
      if (wire === undefined) {
        problem =
          "the importer sent a message with neither a record nor finished, which fails plakar's backup";
      } else if (!wire.fileInfo && wire.error === "" && !wire.isXattr) {
        problem =
          `invalid record ${wire.pathname}: missing fileinfo (plakar fails the backup on it)`;
      }
      if (problem !== undefined) {
        this.#call.cancel();
        throw new GrpcError(GrpcStatus.INTERNAL, problem);
      }
      yield receivedRecord(wire!);
    }
  }

  /**
   * Acknowledges a record, as plakar does for every one: it sends back the
   * record, with the size it read when it read the content.
   *
   * @param record The record.
   * @param error An error for it (plakar v1.1.4 always sends none).
   * @param readSize How many bytes of content were read, if it was read.
   */
  async ack(
    record: ReceivedRecord,
    error?: string,
    readSize?: number,
  ): Promise<void> {
    const header = ackHeader(record, readSize);
    await this.#call.send(
      pb.ImportRequest.encode({ result: { header, error: error ?? "" } })
        .finish(),
    );
  }

  /**
   * Half-closes and waits for the importer's final status. An error status
   * after the importer said it was finished is kept in
   * {@linkcode ImportSession.lateError}, not thrown, as plakar ignores it.
   */
  async done(): Promise<void> {
    this.#call.end();
    try {
      for await (const _ of this.#call.messages()) { /* drain */ }
    } catch (error) {
      if (!this.#finished || !(error instanceof GrpcError)) throw error;
      this.#lateError = error;
    }
  }

  /** Cancels the call. */
  cancel(): void {
    this.#call.cancel();
  }
}

/**
 * Drives an importer connector through the real protocol on its pipes.
 *
 * @example Backing up a directory with the example importer
 * ```ts ignore
 * import { ImporterClient } from "@plakar-deno/connector/testing";
 *
 * const importer = ImporterClient.spawn([
 *   Deno.execPath(), "run", "--allow-read", "importer.ts",
 * ]);
 * await importer.init("denofs:///etc");
 * const entries = await importer.importAll({ read: "digest" });
 * console.error(entries.length);
 * await importer.shutdown();
 * ```
 */
export class ImporterClient extends ConnectorClient {
  /**
   * Wraps a running importer process.
   *
   * @param process The process.
   */
  constructor(process: ConnectorProcess) {
    super(process, "/importer.Importer");
  }

  /**
   * Starts an importer process.
   *
   * @param command The program and its arguments.
   * @param options How to spawn it.
   * @returns A client for it.
   */
  static spawn(
    command: readonly string[],
    options?: SpawnOptions,
  ): ImporterClient {
    return new ImporterClient(ConnectorProcess.spawn(command, options));
  }

  #maxConcurrency = DEFAULT_OPTIONS.maxConcurrency;
  #excluded: ExcludePredicate = () => false;

  /**
   * Calls Init.
   *
   * @param location `<proto>://<path>` or `<proto>:<path>`; becomes
   *   `config.location` as `<proto>://<path>`. (plakar also makes a
   *   relative path absolute for `localfs` connectors; write it absolute.)
   * @param config Further configuration.
   * @param options Host options.
   * @returns The importer's description.
   */
  async init(
    location: string,
    config?: Record<string, string>,
    options?: Partial<HostOptions>,
  ): Promise<InitResult> {
    const host = hostLocation(location);
    this.#maxConcurrency = options?.maxConcurrency ??
      DEFAULT_OPTIONS.maxConcurrency;
    this.#excluded = compileExcludes(options?.excludes ?? []);
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

  /** Starts an Import call. */
  import(): ImportSession {
    return new ImportSession(
      this.call("Import"),
    );
  }

  /**
   * Opens a record's content.
   *
   * @param record The record, as received.
   * @returns The content; an error status surfaces on the first read, and
   *   so does an empty chunk, which plakar fails as "unexpected response".
   */
  open(record: ReceivedRecord): ReadableStream<Uint8Array> {
    const wire = openHeader(record);
    const call = this.call("Open");
    const start = (async () => {
      await call.send(pb.OpenRequest.encode({ record: wire }).finish());
      call.end();
    })();
    // Its failure reaches whoever reads the stream; one cancelled unread
    // (or not read yet) must not make it an unhandled rejection.
    start.catch(() => {});
    const messages = call.messages();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        await start;
        const next = await messages.next();
        if (next.done) {
          controller.close();
          return;
        }
        const { chunk } = pb.OpenResponse.decode(next.value);
        if (chunk.byteLength === 0) {
          call.cancel();
          throw new GrpcError(
            GrpcStatus.INTERNAL,
            `the importer sent an empty chunk of ${record.pathname}, which plakar fails as an unexpected response`,
          );
        }
        controller.enqueue(chunk);
      },
      cancel() {
        call.cancel();
      },
    }, { highWaterMark: 0 });
  }

  /**
   * Runs a whole Import as plakar does: every record acknowledged once
   * handled; the content of every regular file and extended attribute
   * without an error opened, whatever `hasReader` says (plakar opens them
   * all, and a file that cannot be opened is a backup error), concurrently,
   * except for records plakar excludes (Init's `excludes`).
   *
   * @param options What to read and how many at once.
   * @returns Every record, in the order received, with its content.
   */
  async importAll(options?: ImportAllOptions): Promise<ImportedEntry[]> {
    const read = options?.read ?? "bytes";
    const concurrency = options?.concurrency ?? this.#maxConcurrency;
    const session = this.import();
    const entries: ImportedEntry[] = [];
    const running = new Set<Promise<void>>();
    for await (const record of session) {
      const entry: ImportedEntry = { record, size: 0 };
      entries.push(entry);
      // As plakar decides (kloset's backup: skipExcludedPathname).
      if (
        record.pathname !== "/" &&
        this.#excluded(
          record.pathname,
          record.error === undefined && record.fileInfo?.kind === "directory",
        )
      ) {
        entry.excluded = true;
      }
      const content = record.error === undefined &&
        (record.xattr !== undefined || record.fileInfo?.kind === "file");
      if (read === "none" || !content || entry.excluded) {
        await session.ack(record);
        continue;
      }
      while (running.size >= concurrency) await Promise.race(running);
      const task = this.#readContent(entry, read).then(() =>
        session.ack(
          record,
          "",
          entry.openError === undefined ? entry.size : undefined,
        )
      );
      running.add(task);
      task.finally(() => running.delete(task)).catch(() => {});
    }
    await Promise.all(running);
    await session.done();
    return entries;
  }

  async #readContent(
    entry: ImportedEntry,
    read: "bytes" | "digest",
  ): Promise<void> {
    const hash = read === "digest" ? createHash("sha256") : undefined;
    const parts: Uint8Array[] = [];
    try {
      for await (const chunk of this.open(entry.record)) {
        entry.size += chunk.byteLength;
        if (hash) hash.update(chunk);
        else parts.push(chunk.slice());
      }
    } catch (error) {
      entry.openError = error instanceof Error ? error.message : String(error);
      return;
    }
    if (hash) entry.sha256 = hash.digest("hex");
    else {
      const content = new Uint8Array(entry.size);
      let at = 0;
      for (const part of parts) {
        content.set(part, at);
        at += part.byteLength;
      }
      entry.content = content;
    }
  }
}
