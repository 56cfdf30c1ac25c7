// The HPACK Huffman code (RFC 7541, Appendix B).
//
// The code is canonical: ordering the symbols by (code length, symbol) and
// counting upwards, widening with zero bits whenever the length grows, gives
// back every code of the RFC's table. So only the lengths are stored here.

// Code length in bits of each octet 0..255, then of EOS (symbol 256).
// deno-fmt-ignore
const LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0x00
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 0x10
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,         // 0x20
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,              // 0x30
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,                // 0x40
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,             // 0x50
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,                // 0x60
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,            // 0x70
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 0x80
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 0x90
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 0xa0
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 0xb0
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 0xc0
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 0xd0
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 0xe0
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 0xf0
  30,                                                             // EOS
];

const EOS = 256;
const CODE_LENGTHS = Uint8Array.from(LENGTHS);
const MAX_LENGTH = 30;

// How many codes have each length, and the symbols ordered by (code length,
// symbol): all that canonical decoding needs. Built by counting, in a few
// hundred steps: a connector answers its first request a few milliseconds
// after it starts, and a 4-bit decoding table (4,096 entries, built in 16,384
// steps of cold code) took 2-3 ms of that.
const COUNTS = new Uint16Array(MAX_LENGTH + 1);
const SYMBOLS = new Uint16Array(EOS + 1);
// The code of each symbol, for the encoder.
const CODES = new Uint32Array(EOS + 1);
{
  for (const length of CODE_LENGTHS) COUNTS[length]!++;
  const offsets = new Uint16Array(MAX_LENGTH + 2);
  const next = new Uint32Array(MAX_LENGTH + 1);
  for (let length = 1, code = 0; length <= MAX_LENGTH; length++) {
    offsets[length + 1] = offsets[length]! + COUNTS[length]!;
    // The first code of a length follows the last of the shorter ones,
    // widened by one bit.
    code = (code + COUNTS[length - 1]!) * 2;
    next[length] = code;
  }
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const length = CODE_LENGTHS[symbol]!;
    SYMBOLS[offsets[length]!++] = symbol;
    CODES[symbol] = next[length]!++;
  }
}

let scratch = new Uint8Array(256);

/** Decodes a Huffman-coded string into one character per octet. */
export function huffmanDecode(bytes: Uint8Array): string {
  // Every symbol takes at least 5 bits.
  const max = Math.floor(bytes.length * 8 / 5);
  if (scratch.length < max) scratch = new Uint8Array(max * 2);
  const out = scratch;
  let length = 0;
  // The code read so far (bits of the current symbol), the first code of
  // that length, the index in SYMBOLS of that first code; whether the bits
  // are all ones (padding is a prefix of EOS).
  let code = 0;
  let bits = 0;
  let first = 0;
  let index = 0;
  let ones = true;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    for (let shift = 7; shift >= 0; shift--) {
      const bit = (byte >>> shift) & 1;
      code |= bit;
      ones &&= bit === 1;
      const count = COUNTS[++bits]!;
      if (code - first < count) {
        const symbol = SYMBOLS[index + code - first]!;
        if (symbol === EOS) throw new RangeError("Huffman string contains EOS");
        out[length++] = symbol;
        code =
          bits =
          first =
          index =
            0;
        ones = true;
      } else {
        index += count;
        first = (first + count) * 2;
        code *= 2;
      }
    }
  }
  // At most 7 bits of padding, all ones.
  if (bits > 7 || !ones) {
    throw new RangeError("Huffman string has invalid padding");
  }
  return latin1(out.subarray(0, length));
}

/** The length in octets of `text`'s Huffman coding. */
export function huffmanEncodedLength(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    bits += CODE_LENGTHS[octet(text, i)]!;
  }
  return Math.ceil(bits / 8);
}

/** Huffman-codes `text`, one octet per character. */
export function huffmanEncode(text: string): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(text));
  huffmanEncodeInto(text, out, 0);
  return out;
}

/**
 * Writes `text`'s Huffman coding into `out` at `offset`, which must have
 * room for huffmanEncodedLength(text) octets, and returns the end offset.
 */
export function huffmanEncodeInto(
  text: string,
  out: Uint8Array,
  offset: number,
): number {
  // Fewer than 8 pending bits, so adding up to 24 stays within 31 bits.
  let pending = 0;
  let bits = 0;
  let at = offset;
  const put = (code: number, length: number) => {
    pending = (pending << length) | code;
    bits += length;
    while (bits >= 8) {
      bits -= 8;
      out[at++] = pending >>> bits;
    }
    pending &= (1 << bits) - 1;
  };
  for (let i = 0; i < text.length; i++) {
    const symbol = octet(text, i);
    const code = CODES[symbol]!;
    const length = CODE_LENGTHS[symbol]!;
    if (length > 24) {
      put(code >>> 16, length - 16);
      put(code & 0xffff, 16);
    } else {
      put(code, length);
    }
  }
  // Pad with the most significant bits of EOS, all ones.
  if (bits > 0) put((1 << (8 - bits)) - 1, 8 - bits);
  return at;
}

function octet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code > 0xff) {
    throw new RangeError(`Cannot encode U+${code.toString(16)} as an octet`);
  }
  return code;
}

/** One character per octet (ISO-8859-1, not the WHATWG "latin1" label). */
export function latin1(bytes: Uint8Array): string {
  if (bytes.length <= 4096) return fromCharCodes(bytes);
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    text += fromCharCodes(bytes.subarray(i, i + 4096));
  }
  return text;
}

// apply() takes a typed array as is, several times faster than spreading it.
function fromCharCodes(codes: Uint8Array): string {
  return String.fromCharCode.apply(null, codes as unknown as number[]);
}
