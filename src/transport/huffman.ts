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
const CODES = canonicalCodes(CODE_LENGTHS);

function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const order = Array.from(lengths.keys()).sort((a, b) =>
    lengths[a]! - lengths[b]! || a - b
  );
  const codes = new Uint32Array(lengths.length);
  let code = 0;
  let length = lengths[order[0]!]!;
  for (const symbol of order) {
    code *= 2 ** (lengths[symbol]! - length);
    length = lengths[symbol]!;
    codes[symbol] = code++;
  }
  return codes;
}

// The decoder is a state machine reading four bits at a time. A state is an
// internal node of the code tree (256 of them, the root being 0). Each entry
// of DECODE, indexed by state * 16 + nibble, holds the next state in its low
// byte, plus either SYMBOL and the symbol decoded in bits 16..23, or EOS_SEEN.
// No code is shorter than 5 bits, so a nibble completes at most one symbol.
const SYMBOL = 0x100;
const EOS_SEEN = 0x200;
const { DECODE, ACCEPTING } = buildDecoder();

function buildDecoder() {
  // children[node * 2 + bit]: > 0 an internal node, < 0 ~symbol, 0 unset.
  const children = new Int16Array(512);
  let nodes = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const length = CODE_LENGTHS[symbol]!;
    const code = CODES[symbol]!;
    let node = 0;
    for (let bit = length - 1; bit >= 0; bit--) {
      const slot = node * 2 + ((code >>> bit) & 1);
      if (bit === 0) {
        if (children[slot] !== 0) {
          throw new Error("Huffman code not prefix-free");
        }
        children[slot] = ~symbol;
      } else {
        if (children[slot]! < 0) {
          throw new Error("Huffman code not prefix-free");
        }
        if (children[slot] === 0) children[slot] = nodes++;
        node = children[slot]!;
      }
    }
  }
  if (nodes !== 256 || children.includes(0, 2)) {
    throw new Error("Huffman code not complete");
  }

  const decode = new Uint32Array(256 * 16);
  for (let state = 0; state < 256; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const child = children[node * 2 + ((nibble >>> bit) & 1)]!;
        if (child > 0) {
          node = child;
          continue;
        }
        node = 0;
        if (~child === EOS) entry |= EOS_SEEN;
        else entry |= SYMBOL | (~child << 16);
      }
      decode[state * 16 + nibble] = entry | node;
    }
  }

  // Valid padding is a strict prefix of EOS (all ones) of at most 7 bits,
  // so a string may only end at the root or 1..7 one-bits below it.
  const accepting = new Uint8Array(256);
  for (let node = 0, depth = 0; depth <= 7; depth++) {
    accepting[node] = 1;
    node = children[node * 2 + 1]!;
  }
  return { DECODE: decode, ACCEPTING: accepting };
}

let scratch = new Uint8Array(256);

/** Decodes a Huffman-coded string into one character per octet. */
export function huffmanDecode(bytes: Uint8Array): string {
  // Every symbol takes at least 5 bits.
  const max = Math.floor(bytes.length * 8 / 5);
  if (scratch.length < max) scratch = new Uint8Array(max * 2);
  const out = scratch;
  let length = 0;
  let state = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    let entry = DECODE[state * 16 + (byte >>> 4)]!;
    if (entry & SYMBOL) out[length++] = entry >>> 16;
    let failed = entry & EOS_SEEN;
    entry = DECODE[(entry & 0xff) * 16 + (byte & 0xf)]!;
    if (entry & SYMBOL) out[length++] = entry >>> 16;
    failed |= entry & EOS_SEEN;
    if (failed) throw new RangeError("Huffman string contains EOS");
    state = entry & 0xff;
  }
  if (!ACCEPTING[state]) {
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
