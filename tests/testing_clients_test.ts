// The testing clients behave as plakar v1.1.4 does: what they send, what
// they open, and what they reject (kloset's backup loop and
// integration-grpc's clients).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  type ExportEntry,
  ExporterClient,
  GrpcError,
  ImporterClient,
  StorageClient,
} from "../testing.ts";
import { denoCommand, example, fixture, tempDir } from "./_helpers.ts";

const ROOT: ExportEntry = {
  pathname: "/",
  fileInfo: { name: "/", kind: "directory", size: 0, mode: 0o755, mtimeNs: 0n },
};

const hostChecks = () =>
  ImporterClient.spawn(fixture("host_checks", ["--allow-write"]));

function misbehaving(service: "importer" | "exporter" | "storage"): string[] {
  const entry = fileURLToPath(
    new URL("./fixtures/misbehaving.ts", import.meta.url),
  );
  return denoCommand(entry, [], [service]);
}

Deno.test("importAll opens regular files sent without content, as plakar does: empty ones read as empty, others fail with the cause", async () => {
  const importer = hostChecks();
  try {
    await importer.init("hostchecks:///", { case: "no-open" });
    const entries = await importer.importAll({ read: "digest" });
    const f = entries.find((e) => e.record.pathname === "/f")!;
    assert.equal(f.record.hasReader, false);
    // The SDK answers with the cause, where plakar would otherwise say
    // "file does not exist".
    assert.match(
      f.openError ?? "",
      /"\/f" has no content to read: the importer sent this regular file of 5 bytes without open/,
    );
    const e = entries.find((e) => e.record.pathname === "/e")!;
    assert.deepEqual([e.openError, e.size, e.sha256], [
      undefined,
      0,
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ]);
  } finally {
    await importer.process.close();
  }
});

Deno.test("Init sends what plakar sends: noXattr false, the location as <proto>://<path>", async () => {
  const importer = hostChecks();
  try {
    await importer.init("hostchecks:/data", { case: "init" });
    const entries = await importer.importAll({ read: "none" });
    const init = JSON.parse(
      entries.find((e) => e.record.pathname === "/init")!.record.error!,
    );
    assert.equal(init.proto, "hostchecks");
    assert.equal(init.location, "hostchecks:///data");
    assert.equal(init.options.noXattr, false);
    await assert.rejects(
      importer.init("/data"),
      /Cannot tell the protocol of location "\/data"/,
    );
  } finally {
    await importer.process.close();
  }
});

Deno.test("importAll leaves what Init's excludes exclude unopened, and says so", async () => {
  const importer = hostChecks();
  try {
    await importer.init("hostchecks:///", { case: "excluded" }, {
      excludes: ["*.log"],
    });
    const entries = await importer.importAll({ read: "digest" });
    const skipped = entries.find((e) => e.record.pathname === "/skip.log")!;
    assert.equal(skipped.excluded, true);
    assert.equal(skipped.openError, undefined);
    assert.equal(
      entries.find((e) => e.record.pathname === "/")!.excluded,
      undefined,
    );
  } finally {
    await importer.process.close();
  }
});

Deno.test("an error after the importer's last record is kept aside, as plakar ignores it, and the SDK writes it on stderr", async () => {
  const importer = hostChecks();
  try {
    await importer.init("hostchecks:///", { case: "late-ack-error" });
    const session = importer.import();
    for await (const record of session) await session.ack(record);
    await session.done();
    assert.equal(session.finished, true);
    assert.ok(session.lateError instanceof GrpcError);
    assert.match(session.lateError.details, /ack of \/g failed/);
  } finally {
    await importer.process.close();
  }
  assert.match(
    importer.process.stderr,
    /The importer failed after its last record, which plakar does not report: ack of \/g failed/,
  );
});

Deno.test("the importer client rejects what plakar rejects: no record, no file info, an empty chunk", async () => {
  for (
    const [which, reason] of [
      ["no-record", /neither a record nor finished/],
      ["no-fileinfo", /invalid record \/f: missing fileinfo/],
    ] as const
  ) {
    const importer = ImporterClient.spawn(misbehaving("importer"));
    try {
      await importer.init("bad:///", { case: which });
      await assert.rejects(importer.importAll({ read: "none" }), reason);
    } finally {
      await importer.process.kill();
    }
  }
  const importer = ImporterClient.spawn(misbehaving("importer"));
  try {
    await importer.init("bad:///");
    const entries = await importer.importAll({ read: "bytes" });
    assert.match(entries[0]!.openError ?? "", /an empty chunk of \/f/);
  } finally {
    await importer.process.kill();
  }
});

Deno.test("the exporter client fails on a result plakar cannot decode", async () => {
  const exporter = ExporterClient.spawn(misbehaving("exporter"));
  try {
    await exporter.init("bad:///");
    await assert.rejects(
      exporter.export([ROOT]),
      /invalid result for \/f: missing fileinfo/,
    );
  } finally {
    await exporter.process.kill();
  }
});

Deno.test("export sends content for every regular file, empty when none is given, and none for other kinds", async () => {
  await using dir = await tempDir();
  const exporter = ExporterClient.spawn(example("exporter"));
  try {
    await exporter.init(`denofs://${dir.path}`);
    const results = await exporter.export([
      ROOT,
      {
        pathname: "/empty",
        fileInfo: {
          name: "empty",
          kind: "file",
          size: 0,
          mode: 0o600,
          mtimeNs: 0n,
        },
      },
    ]);
    assert.deepEqual(results.map((r) => r.error), ["", ""]);
    const info = await Deno.lstat(`${dir.path}/empty`);
    assert.equal(info.isFile, true);
    assert.equal(info.size, 0);
    await assert.rejects(
      exporter.export([{
        pathname: "/d",
        fileInfo: {
          name: "d",
          kind: "directory",
          size: 0,
          mode: 0o755,
          mtimeNs: 0n,
        },
        body: new Uint8Array(1),
      }]),
      /Cannot export "\/d" with a body/,
    );
  } finally {
    await exporter.process.close();
  }
});

Deno.test("the storage client rejects what plakar rejects: no read bit, a short MAC, not one answer", async () => {
  const storage = StorageClient.spawn(misbehaving("storage"));
  try {
    await storage.init("bad:///");
    await assert.rejects(storage.mode(), /mode 2 lacks the read bit/);
    await assert.rejects(
      storage.list("packfile"),
      /invalid MAC length: 31/,
    );
    await assert.rejects(
      storage.open(),
      /cardinality violation: .*Open with no message/,
    );
    await assert.rejects(
      storage.size(),
      /cardinality violation: .*Size with more than one message/,
    );
  } finally {
    await storage.process.kill();
  }
});

Deno.test("shutdown() calls Close, as plakar does before it exits, then waits for the process", async () => {
  await using dir = await tempDir();
  const importer = hostChecks();
  await importer.init("hostchecks:///", { closed: `${dir.path}/closed` });
  await importer.importAll();
  const status = await importer.shutdown();
  assert.equal(status.code, 0);
  await Deno.lstat(`${dir.path}/closed`);
});

Deno.test("shutdown() after a failed Init ends the process without calling Close", async () => {
  const importer = hostChecks();
  await assert.rejects(
    importer.init("hostchecks:///", { case: "fail-init" }),
    /this importer refuses Init/,
  );
  const status = await importer.shutdown();
  assert.equal(status.code, 0);
});

Deno.test("a status message longer than one HTTP/2 frame reaches the host whole, and the connection stays", async () => {
  const importer = hostChecks();
  try {
    await importer.init("hostchecks:///", { case: "long-error" });
    await assert.rejects(importer.importAll(), (error: unknown) => {
      assert.ok(error instanceof GrpcError);
      assert.equal(
        error.details,
        `${"é".repeat(5000)} ${"日本".repeat(2000)}`,
      );
      return true;
    });
    await importer.ping();
  } finally {
    await importer.process.close();
  }
});
