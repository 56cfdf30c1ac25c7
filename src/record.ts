import type { FileInfo } from "./file_info.ts";

/**
 * Opens the content of a record. Called at most once, only if plakar asks
 * for the content; the stream is read in order and cancelled on failure.
 *
 * @example Content from memory
 * ```ts
 * import type { OpenBody } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const open: OpenBody = () => ReadableStream.from([new Uint8Array([1, 2])]);
 * const chunks = await Array.fromAsync(await open());
 * assert.strictEqual(chunks.length, 1);
 * ```
 */
export type OpenBody = () =>
  | ReadableStream<Uint8Array>
  | Promise<ReadableStream<Uint8Array>>;

/**
 * Which kind of extended attribute a record carries.
 *
 * - `extended`: a POSIX extended attribute.
 * - `ads`: an NTFS alternate data stream.
 *
 * @example
 * ```ts
 * import type { XattrKind } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const kind: XattrKind = "extended";
 * assert.strictEqual(kind, "extended");
 * ```
 */
export type XattrKind = "extended" | "ads";

/**
 * A file, directory, symlink or other entry an importer yields.
 *
 * @example A regular file whose content is read only if plakar needs it
 * ```ts
 * import type { EntryRecord } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const record: EntryRecord = {
 *   pathname: "/hello.txt",
 *   fileInfo: { name: "hello.txt", kind: "file", size: 5, mode: 0o644, mtimeNs: 0n },
 *   open: () => ReadableStream.from([new TextEncoder().encode("hello")]),
 * };
 * assert.ok(record.open);
 * ```
 */
export interface EntryRecord {
  /**
   * Absolute path within the source, starting with `/`. Once per import:
   * plakar asks for content and acknowledges records by path, so a second
   * record of the same path (an error record too) can take the first one's
   * content away.
   */
  pathname: string;
  /** The entry's metadata. */
  fileInfo: FileInfo;
  /** A symlink's target. @default {""} */
  target?: string;
  /**
   * Opens a regular file's content; ignored on other kinds. plakar reads
   * every regular file: without `open`, one of size 0 reads as empty, and
   * any other becomes an error of the backup saying it has no content.
   */
  open?: OpenBody;
  /** Names of the entry's extended attributes. @default {[]} */
  xattrs?: readonly string[];
  /** Windows file attributes. @default {0} */
  fileAttributes?: number;
}

/**
 * An extended attribute (or NTFS alternate data stream) of an entry.
 *
 * @example One attribute of a file
 * ```ts
 * import type { XattrRecord } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const record: XattrRecord = {
 *   pathname: "/hello.txt",
 *   xattr: { name: "user.comment", kind: "extended" },
 *   open: () => ReadableStream.from([new TextEncoder().encode("hi")]),
 * };
 * assert.strictEqual(record.xattr.name, "user.comment");
 * ```
 */
export interface XattrRecord {
  /** Path of the entry the attribute belongs to. */
  pathname: string;
  /** The attribute's name and kind. */
  xattr: { name: string; kind: XattrKind };
  /** Opens the attribute's value. */
  open: OpenBody;
  /** Optional metadata. */
  fileInfo?: FileInfo;
}

/**
 * An entry that could not be read: plakar records the error and goes on.
 *
 * @example A file that vanished during the walk
 * ```ts
 * import type { ErrorRecord } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const record: ErrorRecord = { pathname: "/gone.txt", error: "no such file" };
 * assert.strictEqual(record.pathname, "/gone.txt");
 * ```
 */
export interface ErrorRecord {
  /** Path of the entry that failed. */
  pathname: string;
  /** What went wrong; an `Error`'s message is used. */
  error: string | Error;
}

/**
 * Anything an importer yields.
 *
 * @example Telling records apart
 * ```ts
 * import type { ImportRecord } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const record: ImportRecord = { pathname: "/x", error: "denied" };
 * assert.ok("error" in record);
 * ```
 */
export type ImportRecord = EntryRecord | XattrRecord | ErrorRecord;

/**
 * One entry plakar asks an exporter to restore.
 *
 * @example Writing a file's content somewhere
 * ```ts
 * import type { ExportRecord } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const record: ExportRecord = {
 *   pathname: "/hello.txt",
 *   fileInfo: { name: "hello.txt", kind: "file", size: 5, mode: 0o644, mtimeNs: 0n },
 *   target: "",
 *   xattrs: [],
 *   fileAttributes: 0,
 *   body: ReadableStream.from([new TextEncoder().encode("hello")]),
 * };
 * const text = await new Response(record.body).text();
 * assert.strictEqual(text, "hello");
 * ```
 */
export interface ExportRecord {
  /** Path of the entry within the snapshot, starting with `/`. */
  pathname: string;
  /** The entry's metadata. */
  fileInfo: FileInfo;
  /** A symlink's target, `""` otherwise. */
  target: string;
  /**
   * The content of a regular file or attribute; absent for other entries.
   * Read it before `write()` settles: what is left then is skipped, a read
   * still in flight fails the record (what it restored would be cut), and
   * later reads fail (said on stderr too). From plakar it is
   * a byte stream: a BYOB reader (`getReader({ mode: "byob" })`) gets the
   * content copied into its own buffer, so that restoring makes no garbage.
   */
  body?: ReadableStream<Uint8Array>;
  /** Set when the record is an extended attribute of `pathname`. */
  xattr?: { name: string; kind: XattrKind };
  /** Names of the entry's extended attributes. */
  xattrs: readonly string[];
  /** Windows file attributes. */
  fileAttributes: number;
  /** The error recorded for this entry at backup time, if any. */
  error?: string;
}

/**
 * plakar's verdict on one imported record, given to importers that declare
 * the `needack` flag.
 *
 * @example A record plakar could not store
 * ```ts
 * import type { ImportAck } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const ack: ImportAck = { pathname: "/x", error: "read failed" };
 * assert.ok(ack.error);
 * ```
 */
export interface ImportAck {
  /** Path of the acknowledged record. */
  pathname: string;
  /** Set when the xattr record `xattr` of `pathname` is meant. */
  xattr?: { name: string; kind: XattrKind };
  /** plakar's error for the record, if it failed. */
  error?: string;
}
