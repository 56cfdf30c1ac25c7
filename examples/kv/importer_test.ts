import assert from "node:assert/strict";
import { connectorCommand, ImporterClient } from "../../testing.ts";

// The importer as its build runs it: the permissions it will have, and
// type-checked.
const command = await connectorCommand(
  new URL("./manifest.yaml", import.meta.url),
  "importer",
);

Deno.test("kv importer turns each key into a file", async () => {
  const importer = ImporterClient.spawn(command);
  let status: Deno.CommandStatus;
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
    // Close, as plakar does; if the connector died, this says how and why.
    status = await importer.shutdown();
  }
  assert.equal(status.code, 0);
});
