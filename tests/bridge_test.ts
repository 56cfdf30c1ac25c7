// The loopback bridge (the transport of runtimes before Deno 2.9.4), run
// here on purpose: it serves, carries large contents, and once it is up the
// connector cannot reach 127.0.0.1 itself.
import assert from "node:assert/strict";
import { GrpcError, ImporterClient } from "../testing.ts";
import { derivePermissions } from "../src/build/permissions.ts";
import { fixture, tempDir } from "./_helpers.ts";

// What a localfs importer compiled with Deno 2.7.11 gets.
const FLAGS = derivePermissions({
  type: "importer",
  locationFlags: ["localfs"],
  runtime: "2.7.11",
}).flags;

Deno.test("the bridge needs --allow-net=127.0.0.1, which the table grants old runtimes", () => {
  assert.deepEqual(FLAGS, [
    "--allow-read",
    "--allow-net=127.0.0.1",
    "--allow-env=GRPC_*",
  ]);
});

Deno.test("the bridge serves Init, Import and a 5 MiB Open", async () => {
  await using dir = await tempDir();
  const big = `${dir.path}/big.txt`;
  await Deno.writeTextFile(big, "0123456789abcdef".repeat(5 * 65536 + 3));
  const importer = ImporterClient.spawn(fixture("bridged", FLAGS));
  try {
    const info = await importer.init(`forbidlocal://${dir.path}`, {
      try: "read",
      target: big,
      at: "open",
    });
    assert.equal(info.origin, "forbidden");
    const entries = await importer.importAll();
    assert.equal(entries[1]?.record.pathname, "/attempt");
    assert.equal(entries[1]?.size, 16 * (5 * 65536 + 3));
    assert.equal(entries[1]?.openError, undefined);
  } finally {
    const status = await importer.process.close();
    assert.equal(status.code, 0, importer.process.stderr);
    assert.equal(importer.process.stderr, "");
  }
});

Deno.test("once the bridge is up, the connector cannot reach 127.0.0.1", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })().catch(() => {});
  const importer = ImporterClient.spawn(fixture("bridged", FLAGS));
  try {
    const target = `127.0.0.1:${listener.addr.port}`;
    const error = await importer.init("forbidlocal:///", {
      try: "connect",
      target,
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof GrpcError, String(error));
    assert.match(error.details, /^Requires net access to "127\.0\.0\.1:\d+"/);
    assert.equal(accepted, 0);
    // Still serving.
    await importer.init("forbidlocal:///");
  } finally {
    const status = await importer.process.close();
    listener.close();
    await serving;
    assert.equal(status.code, 0, importer.process.stderr);
  }
});
