// The output side of an HTTP/2 connection: frames are written into reused
// buffers, then handed out whole.

// One pipe's worth (Linux's default pipe holds 64 KiB): plakar starts on a
// write while the next is framed. Measured against 256 KiB: a 1 GiB backup
// through an importer 5.9 -> 5.56 s, Open 1.22-1.31 -> 1.16-1.22 s, Import
// 245-250k -> 262-283k records/s; 4 full frames (66,596 bytes) were slower.
// Streaming content, a write is 64,512 bytes (the connection keeps room for
// control frames), so a grpc-go reader's 32 KiB reads come out at 32,768 and
// 31,744 bytes, where Go's 32 KiB writes give 32,768 every time. Writes of
// exactly 64 KiB, the rest carried into the next, gave Go's read sizes (on
// content with no newline byte, see stdout_guard.ts) and changed neither
// Open of 1 GiB nor the reader's CPU (12 interleaved runs: 831 against 842
// MB/s, the reader 1.23 against 1.20 s). Not kept.
const WRITE_SIZE = 64 * 1024;

/**
 * Where a connection frames its output: two reused buffers, one handed out
 * to be written while the other fills, so that output makes no garbage.
 */
export class OutputBuffers {
  #fill: Uint8Array = new Uint8Array(WRITE_SIZE);
  #spare: Uint8Array = new Uint8Array(WRITE_SIZE);
  #used = 0;

  /** Bytes that still fit in the buffer being filled. */
  get room(): number {
    return this.#fill.byteLength - this.#used;
  }

  /** Bytes framed so far in the buffer being filled. */
  get used(): number {
    return this.#used;
  }

  /** Makes sure `n` bytes fit, growing the buffer for oversized control. */
  ensure(n: number): void {
    if (this.room >= n) return;
    const bigger = new Uint8Array(this.#used + n + WRITE_SIZE);
    bigger.set(this.#fill.subarray(0, this.#used));
    this.#fill = bigger;
  }

  /** Writes a frame header. */
  header(length: number, type: number, flags: number, id: number): void {
    this.ensure(9);
    const b = this.#fill;
    let i = this.#used;
    b[i++] = length >>> 16;
    b[i++] = (length >>> 8) & 0xff;
    b[i++] = length & 0xff;
    b[i++] = type;
    b[i++] = flags;
    b[i++] = (id >>> 24) & 0x7f;
    b[i++] = (id >>> 16) & 0xff;
    b[i++] = (id >>> 8) & 0xff;
    b[i++] = id & 0xff;
    this.#used = i;
  }

  /** Copies `length` bytes of `source` from `from`. */
  copy(source: Uint8Array, from: number, length: number): void {
    if (length === source.byteLength) this.#fill.set(source, this.#used);
    else this.#fill.set(source.subarray(from, from + length), this.#used);
    this.#used += length;
  }

  /** Writes a 32-bit big-endian integer. */
  uint32(value: number): void {
    this.ensure(4);
    const b = this.#fill;
    const i = this.#used;
    b[i] = value >>> 24;
    b[i + 1] = (value >>> 16) & 0xff;
    b[i + 2] = (value >>> 8) & 0xff;
    b[i + 3] = value & 0xff;
    this.#used += 4;
  }

  /** Writes a whole frame. */
  frame(type: number, flags: number, id: number, payload: Uint8Array): void {
    this.ensure(9 + payload.byteLength);
    this.header(payload.byteLength, type, flags, id);
    this.copy(payload, 0, payload.byteLength);
  }

  /** Hands out what was framed and starts filling the other buffer. */
  take(): Uint8Array {
    const out = this.#fill.subarray(0, this.#used);
    const spare = this.#spare;
    this.#spare = this.#fill;
    this.#fill = spare;
    this.#used = 0;
    return out;
  }
}
