import type { FileKind } from "../file_info.ts";

// Go's io/fs.FileMode bits, which plakar stores on the wire.
const GO_DIR = 0x80000000; // 1 << 31
const GO_SYMLINK = 1 << 27;
const GO_DEVICE = 1 << 26;
const GO_NAMED_PIPE = 1 << 25;
const GO_SOCKET = 1 << 24;
const GO_SETUID = 1 << 23;
const GO_SETGID = 1 << 22;
const GO_CHAR_DEVICE = 1 << 21;
const GO_STICKY = 1 << 20;
const GO_IRREGULAR = 1 << 19;

const KIND_BITS: Readonly<Record<FileKind, number>> = {
  "file": 0,
  "directory": GO_DIR,
  "symlink": GO_SYMLINK,
  "block-device": GO_DEVICE,
  "char-device": GO_DEVICE | GO_CHAR_DEVICE,
  "named-pipe": GO_NAMED_PIPE,
  "socket": GO_SOCKET,
  "irregular": GO_IRREGULAR,
};

/** Whether `kind` is one of the kinds plakar knows. */
export function isFileKind(kind: unknown): kind is FileKind {
  return typeof kind === "string" && Object.hasOwn(KIND_BITS, kind);
}

/**
 * Encodes a kind and POSIX permission bits as Go `io/fs.FileMode` bits, the
 * form plakar keeps on the wire.
 *
 * @param kind The entry's kind.
 * @param mode POSIX permission bits (`0o7777`).
 * @returns The Go file mode, as an unsigned 32-bit number.
 *
 * @example A directory
 * ```ts
 * import { toGoFileMode } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * assert.strictEqual(toGoFileMode("directory", 0o755), 0x800001ed);
 * ```
 */
export function toGoFileMode(kind: FileKind, mode: number): number {
  let bits = KIND_BITS[kind] | (mode & 0o777);
  if (mode & 0o4000) bits |= GO_SETUID;
  if (mode & 0o2000) bits |= GO_SETGID;
  if (mode & 0o1000) bits |= GO_STICKY;
  return bits >>> 0;
}

/**
 * Decodes Go `io/fs.FileMode` bits into a kind and POSIX permission bits.
 *
 * @param bits The Go file mode.
 * @returns The kind and the permission bits.
 *
 * @example A setuid executable
 * ```ts
 * import { fromGoFileMode } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * assert.deepStrictEqual(fromGoFileMode((1 << 23) | 0o755), { kind: "file", mode: 0o4755 });
 * ```
 */
export function fromGoFileMode(bits: number): { kind: FileKind; mode: number } {
  let mode = bits & 0o777;
  if (bits & GO_SETUID) mode |= 0o4000;
  if (bits & GO_SETGID) mode |= 0o2000;
  if (bits & GO_STICKY) mode |= 0o1000;
  return { kind: kindOf(bits >>> 0), mode };
}

function kindOf(bits: number): FileKind {
  if (bits & GO_DIR) return "directory";
  if (bits & GO_SYMLINK) return "symlink";
  if (bits & GO_DEVICE) {
    return bits & GO_CHAR_DEVICE ? "char-device" : "block-device";
  }
  if (bits & GO_NAMED_PIPE) return "named-pipe";
  if (bits & GO_SOCKET) return "socket";
  if (bits & GO_IRREGULAR) return "irregular";
  return "file";
}
