import assert from "node:assert/strict";
import { RUNTIME_FLAGS } from "./runtime_flags.ts";

Deno.test("RUNTIME_FLAGS are accepted by deno and cap the young generation", async () => {
  // A program that allocates fast and keeps little, as a connector does (a
  // byte stream read to its end per record): the heap V8 reserves for it
  // stays smaller with the flags.
  const program = `
    for (let i = 0; i < 20000; i++) {
      const body = new ReadableStream({
        type: "bytes",
        pull(c) { c.close(); c.byobRequest?.respond(0); },
      });
      await body.getReader({ mode: "byob" }).read(new Uint8Array(16));
    }
    console.log(Deno.memoryUsage().heapTotal);
  `;
  const heapTotal = async (flags: readonly string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", ...flags, "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = out.stdin.getWriter();
    await writer.write(new TextEncoder().encode(program));
    await writer.close();
    const { code, stdout, stderr } = await out.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.equal(new TextDecoder().decode(stderr), "");
    return Number(new TextDecoder().decode(stdout));
  };
  const capped = await heapTotal(RUNTIME_FLAGS);
  const free = await heapTotal([]);
  assert.ok(
    capped < free,
    `heap with the flags ${capped} B, without ${free} B`,
  );
});
