// The hot path of Import: an author's record straight to the bytes of an
// `ImportResponse`, in one reused buffer, with no intermediate wire object.
// The bytes are those the generated encoder gives (fields in number order,
// zero values left out); import_encoder_test.ts holds it to that.
import type { FileInfo } from "../file_info.ts";
import type { ImportRecord, OpenBody, XattrKind } from "../record.ts";
import { recordKey } from "./codec.ts";
import { fileInfoProblem, MisuseError } from "./misuse.ts";
import { toGoFileMode } from "./file_mode.ts";
import { readableMessage } from "./status.ts";

const NS_PER_S = 1_000_000_000n;
const TWO_32 = 2 ** 32;

/**
 * Encodes records as `ImportResponse` messages into a buffer it reuses: what
 * {@linkcode ImportResponseEncoder.encode} returns is valid until the next
 * call. After each call, `key` and `open` say how plakar will ask for the
 * record's content.
 */
export class ImportResponseEncoder {
  /** The key plakar opens and acknowledges the last record by. */
  key = "";
  /** How to read the last record's content, if it has some. */
  open: OpenBody | undefined = undefined;
  #buf = new Uint8Array(4096);
  #at = 0;

  /** The message for one record. Throws `TypeError` on a malformed one. */
  encode(input: ImportRecord): Uint8Array {
    const pathname = input.pathname;
    if (typeof pathname !== "string" || !pathname.startsWith("/")) {
      throw new MisuseError(
        `Cannot import record "${pathname}": its pathname must be absolute (start with "/")`,
      );
    }
    this.#at = 0;
    // As the host will name it: the wire carries UTF-8, where a lone
    // surrogate (from a UTF-16 source such as JSON) becomes U+FFFD.
    this.key = pathname.toWellFormed();
    this.open = undefined;
    const record = this.#begin(1, pathname.length * 3 + 64);
    if ("error" in input) {
      const error = input.error;
      // Worded as calls' errors are (see readableMessage).
      let message = readableMessage(
        error instanceof Error ? error.message : String(error),
      );
      if (message === "") message = "unknown error";
      this.#string(2, pathname);
      this.#string(3, message);
    } else if ("xattr" in input) {
      const { name, kind } = input.xattr;
      const open = typeof input.open === "function" ? input.open : undefined;
      this.key = recordKey(this.key, {
        name: name.toWellFormed(),
        kind,
      });
      this.open = open;
      if (open !== undefined) this.#tagVarint(1, 1);
      this.#string(2, pathname);
      this.#tagVarint(4, 1);
      this.#string(5, name);
      this.#tagVarint(6, xattrKindToWire(kind));
      if (input.fileInfo) this.#fileInfo(pathname, input.fileInfo);
    } else {
      const info = input.fileInfo;
      if (info === undefined || info === null) {
        throw new MisuseError(
          `Cannot import record "${pathname}": it has no fileInfo (plakar requires one on every entry)`,
        );
      }
      const open = info.kind === "file" && typeof input.open === "function"
        ? input.open
        : undefined;
      // plakar opens every regular file, whatever hasReader says: one sent
      // without `open` reads as empty when its size is 0, and otherwise
      // fails with the cause rather than "file does not exist".
      this.open = info.kind !== "file" || open !== undefined
        ? open
        : withoutContent(pathname, info.size);
      if (open !== undefined) this.#tagVarint(1, 1);
      this.#string(2, pathname);
      this.#string(7, input.target ?? "");
      this.#fileInfo(pathname, info);
      for (const name of input.xattrs ?? []) this.#string(9, name, true);
      this.#tagVarint(10, input.fileAttributes ?? 0);
    }
    this.#end(record);
    return this.#buf.subarray(0, this.#at);
  }

  /** The last message of an Import: `finished` set, no record. */
  finished(): Uint8Array {
    this.key = "";
    this.open = undefined;
    this.#at = 0;
    this.#tagVarint(2, 1);
    return this.#buf.subarray(0, this.#at);
  }

  #fileInfo(pathname: string, info: FileInfo): void {
    const problem = fileInfoProblem(info);
    if (problem !== undefined) {
      throw new MisuseError(`Cannot import record "${pathname}": ${problem}`);
    }
    const message = this.#begin(8, info.name.length * 3 + 128);
    this.#string(1, info.name);
    this.#tagVarint(2, info.size);
    this.#tagVarint(3, toGoFileMode(info.kind, info.mode));
    const ns = typeof info.mtimeNs === "bigint"
      ? info.mtimeNs
      : BigInt(info.mtimeNs);
    let seconds = Number(ns / NS_PER_S);
    let nanos = Number(ns % NS_PER_S);
    if (nanos < 0) {
      nanos += 1e9;
      seconds -= 1;
    }
    const time = this.#begin(4, 32);
    this.#tagVarint(1, seconds);
    this.#tagVarint(2, nanos);
    this.#end(time);
    this.#tagBigint(5, info.dev);
    this.#tagBigint(6, info.ino);
    this.#tagVarint(7, info.uid ?? 0);
    this.#tagVarint(8, info.gid ?? 0);
    this.#tagVarint(9, (info.nlink ?? 0) & 0xffff);
    this.#string(10, info.username ?? "");
    this.#string(11, info.groupname ?? "");
    this.#tagVarint(12, (info.flags ?? 0) >>> 0);
    this.#end(message);
  }

  // Makes room for `size` more bytes.
  #reserve(size: number): void {
    if (this.#at + size <= this.#buf.byteLength) return;
    let length = this.#buf.byteLength * 2;
    while (length < this.#at + size) length *= 2;
    const grown = new Uint8Array(length);
    grown.set(this.#buf.subarray(0, this.#at));
    this.#buf = grown;
  }

  // Starts a length-delimited field, with room for `size` bytes of content;
  // returns where its length goes.
  #begin(field: number, size: number): number {
    this.#reserve(size + 16);
    this.#buf[this.#at++] = (field << 3) | 2;
    return this.#at++;
  }

  // Writes the length of the field begun at `mark`, moving its content right
  // if the length takes more than the one byte kept for it.
  #end(mark: number): void {
    const length = this.#at - mark - 1;
    if (length < 0x80) {
      this.#buf[mark] = length;
      return;
    }
    let extra = 0;
    for (let v = length; v >= 0x80; v = Math.floor(v / 128)) extra++;
    this.#reserve(extra);
    this.#buf.copyWithin(mark + 1 + extra, mark + 1, this.#at);
    this.#at = mark;
    this.#varint(length);
    this.#at += length;
  }

  // A string field, left out when empty unless `always` (repeated fields).
  #string(field: number, value: string, always = false): void {
    if (value.length === 0 && !always) return;
    const mark = this.#begin(field, value.length * 3);
    const buf = this.#buf;
    let at = this.#at;
    for (let i = 0; i < value.length; i++) {
      let c = value.charCodeAt(i);
      if (c < 0x80) {
        buf[at++] = c;
        continue;
      }
      if (c < 0x800) {
        buf[at++] = 0xc0 | (c >> 6);
        buf[at++] = 0x80 | (c & 0x3f);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = value.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          buf[at++] = 0xf0 | (c >> 18);
          buf[at++] = 0x80 | ((c >> 12) & 0x3f);
          buf[at++] = 0x80 | ((c >> 6) & 0x3f);
          buf[at++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd; // a lone surrogate, as TextEncoder does
      }
      buf[at++] = 0xe0 | (c >> 12);
      buf[at++] = 0x80 | ((c >> 6) & 0x3f);
      buf[at++] = 0x80 | (c & 0x3f);
    }
    this.#at = at;
    this.#end(mark);
  }

  // A varint field from a number, left out when zero. Negative numbers are
  // written as 64-bit two's complement, as int64 wants.
  #tagVarint(field: number, value: number): void {
    if (value === 0) return;
    this.#reserve(11);
    this.#buf[this.#at++] = field << 3;
    this.#varint(value);
  }

  #tagBigint(field: number, value: bigint | undefined): void {
    if (value === undefined || value === 0n) return;
    const v = BigInt.asUintN(64, value);
    this.#reserve(11);
    this.#buf[this.#at++] = field << 3;
    this.#varint64(Number(v & 0xffffffffn), Number(v >> 32n));
  }

  #varint(value: number): void {
    const buf = this.#buf;
    if (value >= 0 && value < 0x80000000) {
      while (value >= 0x80) {
        buf[this.#at++] = (value & 0x7f) | 0x80;
        value >>>= 7;
      }
      buf[this.#at++] = value;
      return;
    }
    if (value >= 0 && value < 2 ** 64) {
      const hi = Math.floor(value / TWO_32);
      this.#varint64(value - hi * TWO_32, hi);
      return;
    }
    const v = BigInt.asUintN(64, BigInt(Math.trunc(value)));
    this.#varint64(Number(v & 0xffffffffn), Number(v >> 32n));
  }

  // A 64-bit varint from its low and high 32 bits.
  #varint64(lo: number, hi: number): void {
    const buf = this.#buf;
    while (hi > 0 || lo >= 0x80) {
      buf[this.#at++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | ((hi & 0x7f) << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[this.#at++] = lo;
  }
}

// kloset's raw values travel in the enum field, whatever its names say.
function xattrKindToWire(kind: XattrKind): number {
  return kind === "ads" ? 1 : 0;
}

function withoutContent(pathname: string, size: number): OpenBody {
  return () => {
    if (size === 0) return new ReadableStream({ start: (c) => c.close() });
    throw new Error(
      `"${pathname}" has no content to read: the importer sent this regular file of ${size} bytes without open`,
    );
  };
}
