// HPACK (RFC 7541) header compression for the HTTP/2 transport. Names and
// values are octet strings held as one character per octet (Latin-1).
import {
  huffmanDecode,
  huffmanEncodedLength,
  huffmanEncodeInto,
  latin1,
} from "./huffman.ts";

/** A malformed header block (COMPRESSION_ERROR) or too long a header list. */
export class HpackError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HpackError";
  }
}

// RFC 7541, Appendix A. Index i is STATIC_TABLE[i - 1].
const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ["accept-charset", ""],
  ["accept-encoding", "gzip, deflate"],
  ["accept-language", ""],
  ["accept-ranges", ""],
  ["accept", ""],
  ["access-control-allow-origin", ""],
  ["age", ""],
  ["allow", ""],
  ["authorization", ""],
  ["cache-control", ""],
  ["content-disposition", ""],
  ["content-encoding", ""],
  ["content-language", ""],
  ["content-length", ""],
  ["content-location", ""],
  ["content-range", ""],
  ["content-type", ""],
  ["cookie", ""],
  ["date", ""],
  ["etag", ""],
  ["expect", ""],
  ["expires", ""],
  ["from", ""],
  ["host", ""],
  ["if-match", ""],
  ["if-modified-since", ""],
  ["if-none-match", ""],
  ["if-range", ""],
  ["if-unmodified-since", ""],
  ["last-modified", ""],
  ["link", ""],
  ["location", ""],
  ["max-forwards", ""],
  ["proxy-authenticate", ""],
  ["proxy-authorization", ""],
  ["range", ""],
  ["referer", ""],
  ["refresh", ""],
  ["retry-after", ""],
  ["server", ""],
  ["set-cookie", ""],
  ["strict-transport-security", ""],
  ["transfer-encoding", ""],
  ["user-agent", ""],
  ["vary", ""],
  ["via", ""],
  ["www-authenticate", ""],
];

const ENTRY_OVERHEAD = 32;
const EMPTY = new Uint8Array(0);
const MAX_INTEGER = 0x7fffffff;

/**
 * Decodes the header blocks of one HTTP/2 connection, in order: the dynamic
 * table carries over from block to block. After an HpackError the table may
 * be out of sync with the peer's, so the connection must be closed; except
 * for too long a header list, whose block is still decoded to its end.
 */
export class HpackDecoder {
  readonly #maxTableSize: number;
  readonly #maxHeaderListSize: number;
  #capacity: number;
  #size = 0;
  // Dynamic table, oldest first, from #first on; index 62 is the last entry.
  #entries: Array<readonly [string, string]> = [];
  #first = 0;
  #block: Uint8Array = EMPTY;
  #at = 0;

  /**
   * @param maxTableSize The SETTINGS_HEADER_TABLE_SIZE advertised: the
   * largest dynamic table size the peer may ask for.
   * @param maxHeaderListSize The largest header list accepted, counted as
   * in SETTINGS_MAX_HEADER_LIST_SIZE (name + value + 32 per field).
   */
  constructor(maxTableSize = 4096, maxHeaderListSize = 65536) {
    this.#maxTableSize = maxTableSize;
    this.#capacity = maxTableSize;
    this.#maxHeaderListSize = maxHeaderListSize;
  }

  /** Decodes one complete header block (HEADERS plus any CONTINUATION). */
  decode(block: Uint8Array): Array<[string, string]> {
    this.#block = block;
    this.#at = 0;
    try {
      return this.#decodeFields();
    } finally {
      this.#block = EMPTY;
    }
  }

  #decodeFields(): Array<[string, string]> {
    const block = this.#block;
    const fields: Array<[string, string]> = [];
    let listSize = 0;
    let tooLarge = false;
    let sizeUpdateAllowed = true;
    while (this.#at < block.length) {
      const first = block[this.#at]!;
      let name: string;
      let value: string;
      if (first & 0x80) {
        // Indexed header field (6.1).
        [name, value] = this.#lookup(this.#readInteger(7));
      } else if (first & 0x40) {
        // Literal with incremental indexing (6.2.1).
        [name, value] = this.#readLiteral(6);
        this.#insert(name, value);
      } else if (first & 0x20) {
        // Dynamic table size update (6.3), only before the first field.
        if (!sizeUpdateAllowed) {
          throw new HpackError("Dynamic table size update after a field");
        }
        const capacity = this.#readInteger(5);
        if (capacity > this.#maxTableSize) {
          throw new HpackError(
            `Dynamic table size ${capacity} above ${this.#maxTableSize}`,
          );
        }
        this.#capacity = capacity;
        this.#evict(0);
        continue;
      } else {
        // Literal without indexing (6.2.2) or never indexed (6.2.3).
        [name, value] = this.#readLiteral(4);
      }
      sizeUpdateAllowed = false;
      // Past the limit, keep decoding (to keep the dynamic table in step)
      // without keeping the fields, then fail.
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > this.#maxHeaderListSize) tooLarge = true;
      if (!tooLarge) fields.push([name, value]);
    }
    if (tooLarge) {
      throw new HpackError(
        `Header list larger than ${this.#maxHeaderListSize} octets`,
      );
    }
    return fields;
  }

  // An integer with an N-bit prefix (5.1).
  #readInteger(prefixBits: number): number {
    const block = this.#block;
    if (this.#at >= block.length) throw new HpackError("Truncated integer");
    const mask = (1 << prefixBits) - 1;
    let value = block[this.#at++]! & mask;
    if (value < mask) return value;
    for (let shift = 0;; shift += 7) {
      if (this.#at >= block.length) {
        throw new HpackError("Truncated integer");
      }
      if (shift > 28) throw new HpackError("Integer too long");
      const byte = block[this.#at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER) throw new HpackError("Integer too large");
      if (!(byte & 0x80)) return value;
    }
  }

  // A literal field whose name index has an N-bit prefix (6.2).
  #readLiteral(prefixBits: number): [string, string] {
    const index = this.#readInteger(prefixBits);
    const name = index === 0 ? this.#readString() : this.#lookup(index)[0];
    return [name, this.#readString()];
  }

  // A string literal (5.2).
  #readString(): string {
    const block = this.#block;
    const huffman = ((block[this.#at] ?? 0) & 0x80) !== 0;
    const length = this.#readInteger(7);
    if (length > block.length - this.#at) {
      throw new HpackError("Truncated string");
    }
    const bytes = block.subarray(this.#at, this.#at + length);
    this.#at += length;
    if (!huffman) return latin1(bytes);
    try {
      return huffmanDecode(bytes);
    } catch (error) {
      throw new HpackError((error as Error).message, { cause: error });
    }
  }

  #lookup(index: number): readonly [string, string] {
    if (index === 0) throw new HpackError("Index 0");
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const age = index - STATIC_TABLE.length;
    if (age > this.#entries.length - this.#first) {
      throw new HpackError(`Index ${index} out of range`);
    }
    return this.#entries[this.#entries.length - age]!;
  }

  // Adds an entry, evicting the oldest ones to make room (4.4).
  #insert(name: string, value: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    this.#evict(size);
    if (size > this.#capacity) return;
    this.#entries.push([name, value]);
    this.#size += size;
  }

  // Evicts the oldest entries until `room` more octets fit (4.3, 4.4).
  #evict(room: number): void {
    const entries = this.#entries;
    while (this.#size + room > this.#capacity && this.#first < entries.length) {
      const [name, value] = entries[this.#first]!;
      entries[this.#first++] = EVICTED;
      this.#size -= name.length + value.length + ENTRY_OVERHEAD;
    }
    if (this.#first === entries.length) {
      entries.length = 0;
      this.#first = 0;
    } else if (this.#first >= 64 && this.#first * 2 >= entries.length) {
      entries.splice(0, this.#first);
      this.#first = 0;
    }
  }
}

const EVICTED = ["", ""] as const;

// Static table lookups for the encoder: the first index with a name, and
// the index of each (name, value) pair with a non-empty value.
const STATIC_NAMES = new Map<string, number>();
const STATIC_FIELDS = new Map<string, Map<string, number>>();
STATIC_TABLE.forEach(([name, value], i) => {
  if (!STATIC_NAMES.has(name)) STATIC_NAMES.set(name, i + 1);
  let values = STATIC_FIELDS.get(name);
  if (values === undefined) STATIC_FIELDS.set(name, values = new Map());
  values.set(value, i + 1);
});

/**
 * Encodes a header list without touching the dynamic table: static indices
 * where a field or name matches, literals without indexing otherwise.
 */
export function encodeHeaders(
  headers: ReadonlyArray<readonly [string, string]>,
): Uint8Array {
  // Besides its strings, a field takes at most 1 + 6 + 6 octets (a string
  // length under 2^35 fits in 6).
  let bound = 0;
  for (const [name, value] of headers) {
    bound += 13 + name.length + value.length;
  }
  const out = new Uint8Array(bound);
  let at = 0;
  for (const [name, value] of headers) {
    const index = STATIC_FIELDS.get(name)?.get(value);
    if (index !== undefined) {
      at = writeInteger(out, at, 0x80, 7, index);
      continue;
    }
    const nameIndex = STATIC_NAMES.get(name);
    if (nameIndex === undefined) {
      out[at++] = 0x00;
      at = writeString(out, at, name);
    } else {
      at = writeInteger(out, at, 0x00, 4, nameIndex);
    }
    at = writeString(out, at, value);
  }
  return out.subarray(0, at);
}

function writeInteger(
  out: Uint8Array,
  at: number,
  flags: number,
  prefixBits: number,
  value: number,
): number {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out[at++] = flags | value;
    return at;
  }
  out[at++] = flags | mask;
  value -= mask;
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value;
  return at;
}

function writeString(out: Uint8Array, at: number, text: string): number {
  const huffmanLength = huffmanEncodedLength(text);
  if (huffmanLength < text.length) {
    at = writeInteger(out, at, 0x80, 7, huffmanLength);
    return huffmanEncodeInto(text, out, at);
  }
  at = writeInteger(out, at, 0x00, 7, text.length);
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}
