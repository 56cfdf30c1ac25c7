import assert from "node:assert/strict";
import { ImporterClient } from "../../testing.ts";

const entry = new URL("./importer.ts", import.meta.url).pathname;

Deno.test("kv importer turns each key into a file", async () => {
  const importer = ImporterClient.spawn([
    Deno.execPath(),
    "run",
    "--quiet",
    entry,
  ]);
  try {
    const info = await importer.init("kv://demo", {
      greeting: "hello",
      answer: "42",
    });
    assert.deepEqual(info.flags, ["stream"]);
    const entries = await importer.importAll();
    const files = Object.fromEntries(
      entries.filter((e) => e.content).map((e) => [
        e.record.pathname,
        new TextDecoder().decode(e.content),
      ]),
    );
    assert.deepEqual(files, { "/greeting": "hello", "/answer": "42" });
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});
