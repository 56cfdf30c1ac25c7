/**
 * Encodes bytes (a MAC, say) as lowercase hexadecimal.
 *
 * @param bytes The bytes.
 * @returns Two lowercase hex digits per byte.
 *
 * @example
 * ```ts
 * import { toHex } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * assert.strictEqual(toHex(new Uint8Array([0, 255])), "00ff");
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += HEX[byte];
  return out;
}

/**
 * Decodes hexadecimal into bytes.
 *
 * @param text An even number of hex digits.
 * @returns The bytes.
 * @throws {SyntaxError} If `text` is not hexadecimal.
 *
 * @example
 * ```ts
 * import { fromHex } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * assert.deepStrictEqual(fromHex("00ff"), new Uint8Array([0, 255]));
 * ```
 */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new SyntaxError(`Cannot decode "${text}": not hexadecimal`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  }
  return out;
}

const HEX: readonly string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);
