import type { BigIntStats } from "node:fs";

/**
 * What kind of file system entry a {@linkcode FileInfo} describes.
 *
 * @example Telling directories apart
 * ```ts
 * import type { FileKind } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const kind: FileKind = "directory";
 * assert.notStrictEqual(kind, "file");
 * ```
 */
export type FileKind =
  | "file"
  | "directory"
  | "symlink"
  | "block-device"
  | "char-device"
  | "named-pipe"
  | "socket"
  | "irregular";

/**
 * Metadata of one file system entry, as plakar records it in a snapshot.
 *
 * @example A regular file
 * ```ts
 * import type { FileInfo } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const info: FileInfo = {
 *   name: "notes.txt",
 *   kind: "file",
 *   size: 12,
 *   mode: 0o644,
 *   mtimeNs: 1_700_000_000_123_456_789n,
 * };
 * assert.strictEqual(info.mode & 0o777, 0o644);
 * ```
 */
export interface FileInfo {
  /** Base name of the entry (`"/"` for the root, as Go's `os.Lstat` names it). */
  name: string;
  /** Kind of entry. */
  kind: FileKind;
  /** Size in bytes (for a symlink, the length of its target). */
  size: number;
  /**
   * Permission bits in POSIX layout: `0o777` plus setuid `0o4000`, setgid
   * `0o2000` and sticky `0o1000`. The kind is not part of it.
   */
  mode: number;
  /** Modification time, in nanoseconds since the Unix epoch. */
  mtimeNs: bigint;
  /** Device number. @default {0n} */
  dev?: bigint;
  /**
   * Inode number. The stat functions here leave it at 0 (and `nlink` at 1)
   * when it is over 2^53: Deno reads it as a JavaScript number, in which two
   * such inodes may read the same, and hard links are rebuilt from it.
   * @default {0n}
   */
  ino?: bigint;
  /** Owner's user id. @default {0} */
  uid?: number;
  /** Owner's group id. @default {0} */
  gid?: number;
  /** Number of hard links (plakar keeps 16 bits). @default {0} */
  nlink?: number;
  /** Owner's user name. @default {""} */
  username?: string;
  /** Owner's group name. @default {""} */
  groupname?: string;
  /** Platform file flags (BSD chflags). @default {0} */
  flags?: number;
}

const S_IFMT = 0o170000;
const KIND_BY_TYPE: ReadonlyMap<number, FileKind> = new Map([
  [0o100000, "file"],
  [0o040000, "directory"],
  [0o120000, "symlink"],
  [0o060000, "block-device"],
  [0o020000, "char-device"],
  [0o010000, "named-pipe"],
  [0o140000, "socket"],
]);

/**
 * Builds a {@linkcode FileInfo} from `node:fs` stats read with
 * `{ bigint: true }`, which keep nanosecond modification times.
 *
 * @param stats Stats from `lstat(path, { bigint: true })`.
 * @param name Base name to record.
 * @returns The entry's metadata.
 *
 * @example From stats read by hand
 * ```ts
 * import { fileInfoFromStats } from "@plakar-deno/connector";
 * import { lstat } from "node:fs/promises";
 * import assert from "node:assert";
 *
 * const dir = await Deno.makeTempDir();
 * const info = fileInfoFromStats(await lstat(dir, { bigint: true }), "tmp");
 * assert.strictEqual(info.kind, "directory");
 * await Deno.remove(dir);
 * ```
 */
export function fileInfoFromStats(stats: BigIntStats, name: string): FileInfo {
  const mode = Number(stats.mode);
  return {
    name,
    kind: KIND_BY_TYPE.get(mode & S_IFMT) ?? "irregular",
    size: Number(stats.size),
    mode: mode & 0o7777,
    mtimeNs: stats.mtimeNs,
    dev: stats.dev,
    ...identity(stats.ino, Number(stats.nlink)),
    uid: Number(stats.uid),
    gid: Number(stats.gid),
  };
}

// Deno reads inode numbers as JavaScript numbers (node:fs's bigint stats are
// made from them): over 2^53, as overlayfs with xino gives, two files may
// read the same, and an exporter would restore one as a hard link to the
// other. Such an identity is left out: no inode, one link.
function identity(
  ino: bigint | number,
  nlink: number,
): { ino: bigint; nlink: number } {
  if (ino > Number.MAX_SAFE_INTEGER) return { ino: 0n, nlink: 1 };
  return { ino: BigInt(ino), nlink };
}

/**
 * Reads the metadata of a path without following a final symlink. (Deno
 * reads modification times to the millisecond.)
 *
 * @param path Path to the entry.
 * @returns The entry's metadata, named after the path's base name.
 *
 * @example A fresh file
 * ```ts
 * import { statFileInfo } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, "hello");
 * const info = await statFileInfo(file);
 * assert.strictEqual(info.kind, "file");
 * assert.strictEqual(info.size, 5);
 * await Deno.remove(file);
 * ```
 */
export async function statFileInfo(path: string): Promise<FileInfo> {
  return fileInfoFromDeno(await Deno.lstat(path), baseName(path));
}

/**
 * Like {@linkcode statFileInfo}, blocking: a local `lstat` takes
 * microseconds, far less than an asynchronous call costs, which matters when
 * walking many files.
 *
 * @param path Path to the entry.
 * @returns The entry's metadata, named after the path's base name.
 *
 * @example
 * ```ts
 * import { statFileInfoSync } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const dir = Deno.makeTempDirSync();
 * assert.strictEqual(statFileInfoSync(dir).kind, "directory");
 * Deno.removeSync(dir);
 * ```
 */
export function statFileInfoSync(path: string): FileInfo {
  return fileInfoFromDeno(Deno.lstatSync(path), baseName(path));
}

function fileInfoFromDeno(st: Deno.FileInfo, name: string): FileInfo {
  const mode = st.mode ?? 0;
  return {
    name,
    kind: KIND_BY_TYPE.get(mode & S_IFMT) ?? "irregular",
    size: st.size,
    mode: mode & 0o7777,
    mtimeNs: BigInt(st.mtime?.getTime() ?? 0) * 1_000_000n,
    dev: BigInt(st.dev),
    ...identity(st.ino ?? 0, st.nlink ?? 0),
    uid: st.uid ?? 0,
    gid: st.gid ?? 0,
  };
}

// The last component of a path, as Go's os.Lstat names it (plakar's fs
// importer records that name): "/" for the root, where node's basename
// gives "".
function baseName(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  if (end === 1 && path[0] === "/") return "/";
  return path.slice(path.lastIndexOf("/", end - 1) + 1, end);
}
