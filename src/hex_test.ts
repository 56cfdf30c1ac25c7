import assert from "node:assert/strict";
import { fromHex, toHex } from "./hex.ts";

Deno.test("toHex() and fromHex() round-trip every byte", () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(fromHex(toHex(bytes)), bytes);
  assert.equal(toHex(new Uint8Array([0xab, 0x01])), "ab01");
});

Deno.test("fromHex() refuses odd lengths and non-hex text", () => {
  assert.throws(() => fromHex("abc"), SyntaxError);
  assert.throws(() => fromHex("zz"), /Cannot decode "zz": not hexadecimal/);
});
