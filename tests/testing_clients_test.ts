// The testing clients behave as plakar v1.1.4 does: what they send, what
// they open, and what they reject (kloset's backup loop and
// integration-grpc's clients).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  connectorCommand,
  ConnectorExitError,
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

Deno.test("a connector that dies reaches the test as its exit and its stderr, not as a broken pipe", async (t) => {
  const cases: {
    name: string;
    command: string[];
    fail?: string;
    code: number;
    during: string;
    says: RegExp;
  }[] = [
    {
      name: "an uncaught error before it serves",
      command: fixture("crash_on_start"),
      code: 1,
      during: "/importer.Importer/Init",
      says: /PLAKAR_TOKEN is not set: export it before starting/,
    },
    {
      name: "an uncaught error in a timer during Import",
      command: fixture("throwing"),
      fail: "stray-throw",
      code: 1,
      during: "/importer.Importer/Import",
      says: /The token refresher failed: 401 Unauthorized/,
    },
    {
      name: "Deno.exit during Import",
      command: fixture("throwing"),
      fail: "exit",
      code: 3,
      during: "/importer.Importer/Import",
      says: /quota exceeded, giving up$/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      const importer = ImporterClient.spawn(c.command);
      try {
        await assert.rejects(
          async () => {
            await importer.init("throwing:///", { fail: c.fail ?? "" });
            await importer.importAll();
          },
          (error: Error) => {
            assert.ok(error instanceof ConnectorExitError, String(error));
            assert.equal(error.status.code, c.code);
            assert.ok(
              error.message.startsWith(
                `The connector exited with code ${c.code} during ${c.during}; its stderr ends with:\n`,
              ),
              error.message,
            );
            assert.match(error.message, c.says);
            // Deno colours its own error report; the message is plain.
            assert.ok(!error.message.includes("\u001b"), error.message);
            return true;
          },
        );
      } finally {
        assert.equal((await importer.process.close()).code, c.code);
      }
    });
  }
});

Deno.test("a connector killed during a call reaches the test as the signal", async () => {
  const importer = ImporterClient.spawn(fixture("throwing"));
  await importer.init("throwing:///", { fail: "hang" });
  const importing = importer.importAll();
  const killed = new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
    importer.process.kill()
  );
  await assert.rejects(importing, (error: Error) => {
    assert.ok(error instanceof ConnectorExitError, String(error));
    assert.equal(
      error.message,
      "The connector was killed by SIGKILL during /importer.Importer/Import, and wrote nothing on stderr",
    );
    return true;
  });
  assert.equal((await killed).signal, "SIGKILL");
});

Deno.test("a call made after the connector died says so, rather than that the session was destroyed", async (t) => {
  await t.step("an uncaught error at start, then Init", async () => {
    const importer = ImporterClient.spawn(fixture("crash_on_start"));
    assert.equal((await importer.process.status).code, 1);
    await assert.rejects(
      importer.init("throwing:///"),
      (error: Error) => {
        assert.ok(error instanceof ConnectorExitError, String(error));
        assert.match(
          error.message,
          /^The connector had exited with code 1 before \/importer\.Importer\/Init; its stderr ends with:\n.*PLAKAR_TOKEN is not set/s,
        );
        return true;
      },
    );
    assert.equal((await importer.process.close()).code, 1);
  });
  await t.step(
    "killed from outside between calls, then Ping and shutdown()",
    async () => {
      const importer = ImporterClient.spawn(fixture("throwing"));
      await importer.init("throwing:///", {});
      Deno.kill(importer.process.pid, "SIGKILL");
      assert.equal((await importer.process.status).signal, "SIGKILL");
      await assert.rejects(
        importer.ping(),
        /^ConnectorExitError: The connector had been killed by SIGKILL before \/importer\.Importer\/Ping, and wrote nothing on stderr$/,
      );
      // The error of the first call that met the end, again.
      await assert.rejects(
        importer.shutdown(),
        /^ConnectorExitError: The connector had been killed by SIGKILL before \/importer\.Importer\/Ping, and wrote nothing on stderr$/,
      );
    },
  );
  await t.step(
    "the client's own connection dropped, then Ping while it exits",
    async () => {
      const importer = ImporterClient.spawn(fixture("throwing"));
      await importer.init("throwing:///", {});
      importer.process.connection.destroy();
      const ping = importer.ping();
      ping.catch(() => {});
      assert.equal((await importer.process.close()).code, 0);
      await assert.rejects(
        ping,
        /^ConnectorExitError: The connector had exited with code 0 before \/importer\.Importer\/Ping, and wrote nothing on stderr$/,
      );
    },
  );
  await t.step(
    "Get and Open streams made after it died: failing when read, harmless when cancelled unread",
    async () => {
      const key = { type: "packfile" as const, mac: new Uint8Array(32) };
      const storage = StorageClient.spawn(fixture("synthetic_storage"));
      await storage.init("synthetic:///", { size: "10" });
      Deno.kill(storage.process.pid, "SIGKILL");
      await storage.process.status;
      await storage.ping().catch(() => {});
      await storage.get(key).cancel();
      const unread = storage.get(key);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await assert.rejects(
        new Response(unread).arrayBuffer(),
        /^ConnectorExitError: The connector had been killed by SIGKILL before \/store\.Store\/Get/,
      );
      await storage.process.close();
      const importer = ImporterClient.spawn(fixture("throwing"));
      await importer.init("throwing:///", {});
      Deno.kill(importer.process.pid, "SIGKILL");
      await importer.process.status;
      await importer.ping().catch(() => {});
      await importer.open({
        pathname: "/f",
        fileInfo: {
          name: "f",
          kind: "file",
          size: 1,
          mode: 0o644,
          mtimeNs: 0n,
        },
        hasReader: true,
        target: "",
        xattrs: [],
        fileAttributes: 0,
      }).cancel();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await importer.process.close();
    },
  );
});

Deno.test("sending on a call after end() fails at once, on a live connector and on a dead one", async () => {
  const importer = ImporterClient.spawn(fixture("throwing"));
  await importer.init("throwing:///", {});
  const live = importer.process.connection.call("/importer.Importer/Import");
  live.end();
  await assert.rejects(
    live.send(new Uint8Array(1)),
    new Error(
      "Cannot send on /importer.Importer/Import: the client has ended it",
    ),
  );
  await live.status().catch(() => {});
  const dying = importer.process.connection.call("/importer.Importer/Ping");
  dying.end();
  Deno.kill(importer.process.pid, "SIGKILL");
  await importer.process.status;
  await assert.rejects(
    dying.send(new Uint8Array(1)),
    /the client has ended it/,
  );
  await dying.status().catch(() => {});
  await importer.process.close();
});

Deno.test("shutdown() in a finally block after a crash throws the crash again: the call it died in and why", async () => {
  const importer = ImporterClient.spawn(fixture("throwing"));
  let crash: unknown;
  await assert.rejects(
    async () => {
      try {
        await importer.init("throwing:///", { fail: "stray-throw" });
        await importer.importAll().catch((error) => {
          crash = error;
          throw error;
        });
      } finally {
        await importer.shutdown();
      }
    },
    (error: Error) => {
      assert.ok(error instanceof ConnectorExitError, String(error));
      assert.equal(error, crash);
      assert.match(
        error.message,
        /^The connector exited with code 1 during \/importer\.Importer\/Import; its stderr ends with:\n.*The token refresher failed: 401 Unauthorized/s,
      );
      return true;
    },
  );
});

Deno.test("a storage connector that dies under a Put fails the Put with its exit, not with plakar's EOF", async () => {
  const storage = StorageClient.spawn(fixture("synthetic_storage"));
  await storage.init("synthetic:///", { crashput: "" });
  await assert.rejects(
    storage.put(
      { type: "packfile", mac: new Uint8Array(32) },
      new Uint8Array(20 << 20),
    ),
    (error: Error) => {
      assert.ok(error instanceof ConnectorExitError, String(error));
      assert.equal(
        error.message,
        "The connector exited with code 14 during /store.Store/Put; its stderr ends with:\nthe disk controller went away",
      );
      return true;
    },
  );
  assert.equal((await storage.process.close()).code, 14);
});

// A package outside the repository, as an author's: one importer that
// reads what Init's config names, one more when `more` is given.
async function writePackage(
  dir: string,
  importer: string,
  more = "",
): Promise<void> {
  const sdk = new URL("../mod.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/importer.ts`,
    importer.replace("SDK", JSON.stringify(sdk)),
  );
  await Deno.writeTextFile(
    `${dir}/manifest.yaml`,
    `name: probe
connectors:
  - type: importer
    protocols: [probe]
    executable: probe-importer
    entry: importer.ts
    permissions:
      read: [${dir}/granted]
${more}`,
  );
}

const READING_IMPORTER = `import { runImporter } from SDK;
await runImporter(async (init) => {
  const text = await Deno.readTextFile(init.config.file!);
  return {
    origin: text.trim(),
    type: "probe",
    root: "/",
    async *records() {},
  };
});
`;

Deno.test("connectorCommand runs a package's connector with exactly the permissions its build grants", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/granted`);
  await Deno.writeTextFile(`${dir.path}/granted/token`, "granted\n");
  await Deno.writeTextFile(`${dir.path}/secret`, "secret\n");
  await writePackage(dir.path, READING_IMPORTER);
  const command = await connectorCommand(dir.path, "importer");
  for (
    const [file, expected] of [["granted/token", "granted"], ["secret", ""]]
  ) {
    const importer = ImporterClient.spawn(command);
    try {
      const init = importer.init("probe:///", { file: `${dir.path}/${file}` });
      if (expected) {
        assert.equal((await init).origin, expected);
      } else {
        // Declared: read on granted/ only; the rest is refused, as the
        // built connector would be.
        await assert.rejects(init, (error: GrpcError) => {
          assert.equal(
            error.details,
            `Requires read access to "${dir.path}/secret" (not granted to this connector)`,
          );
          return true;
        });
      }
    } finally {
      assert.equal((await importer.shutdown()).code, 0);
    }
  }
});

Deno.test("connectorCommand type-checks the connector first, as the build does", async () => {
  await using dir = await tempDir();
  await writePackage(
    dir.path,
    READING_IMPORTER.replace("text.trim()", "text.length"),
  );
  const manifest = new URL(`file://${dir.path}/manifest.yaml`);
  await assert.rejects(
    connectorCommand(manifest, "importer"),
    (error: Error) => {
      assert.match(
        error.message,
        /^\/.*\/importer\.ts does not type-check: \/.*\/importer\.ts:\d+:\d+: TS2345 .*origin: number.*\((\d+ errors in all: )?run "deno check importer\.ts" in \/\S+ to see (every error|them)\)$/,
      );
      return true;
    },
  );
  // Unchecked, it starts, and the SDK refuses the value at run time.
  const importer = ImporterClient.spawn(
    await connectorCommand(manifest, "importer", { check: false }),
  );
  try {
    await Deno.mkdir(`${dir.path}/granted`);
    await Deno.writeTextFile(`${dir.path}/granted/token`, "granted");
    await assert.rejects(
      importer.init("probe:///", { file: `${dir.path}/granted/token` }),
      /whose origin is 7, not a string$/,
    );
  } finally {
    await importer.shutdown();
  }
});

Deno.test("connectorCommand picks a connector by protocol, and says what is missing or ambiguous", async () => {
  await using dir = await tempDir();
  await writePackage(
    dir.path,
    READING_IMPORTER,
    `  - type: importer
    protocols: [probe2, probe3]
    location_flags: [localfs]
    executable: probe2-importer
    entry: importer.ts
`,
  );
  const manifest = `${await Deno.realPath(dir.path)}/manifest.yaml`;
  await assert.rejects(
    connectorCommand(dir.path, "importer"),
    new Error(
      `${manifest} declares 2 importers (probe, probe2/probe3): say which with the protocol option`,
    ),
  );
  const probe3 = await connectorCommand(dir.path, "importer", {
    protocol: "probe3",
  });
  assert.ok(probe3.includes("--allow-read"), probe3.join(" "));
  await assert.rejects(
    connectorCommand(dir.path, "importer", { protocol: "probe4" }),
    new Error(`${manifest} declares no importer for protocol "probe4"`),
  );
  await assert.rejects(
    connectorCommand(dir.path, "storage"),
    new Error(`${manifest} declares no storage`),
  );
  await assert.rejects(
    connectorCommand(`${dir.path}/nowhere`, "importer"),
    new Error(
      `No connector package at "${dir.path}/nowhere": no such file or directory`,
    ),
  );
  await assert.rejects(
    // A caller in plain JavaScript, or with a cast.
    connectorCommand(dir.path, "importers" as "importer"),
    new TypeError(
      `A connector's type is "importer", "exporter" or "storage", not "importers"`,
    ),
  );
  await Deno.remove(`${dir.path}/manifest.yaml`);
  await assert.rejects(
    connectorCommand(dir.path, "importer"),
    new Error(`No connector package at "${dir.path}": no manifest.yaml in it`),
  );
});

// Runs `connectorCommand` on the kv example from a script in a temporary
// directory, with no deno.json in scope and the given permission flags.
async function connectorCommandOutside(
  permissions: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  await using dir = await tempDir();
  const testing = new URL("../testing.ts", import.meta.url).href;
  const manifest = new URL("../examples/kv/manifest.yaml", import.meta.url);
  await Deno.writeTextFile(
    `${dir.path}/probe.ts`,
    `import { connectorCommand } from ${JSON.stringify(testing)};
const command = await connectorCommand(new URL(${
      JSON.stringify(manifest.href)
    }), "importer", { check: false });
console.log(command.at(-1));
`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-config",
      ...permissions,
      `${dir.path}/probe.ts`,
    ],
    cwd: dir.path,
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

Deno.test("testing.ts loads from outside this repository, with no deno.json of ours in scope", async () => {
  const out = await connectorCommandOutside(["-A"]);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(
    out.stdout.trim(),
    fileURLToPath(new URL("../examples/kv/importer.ts", import.meta.url)),
  );
});

Deno.test("connectorCommand without env access says so, rather than blaming the manifest", async () => {
  const out = await connectorCommandOutside(["--allow-read", "--allow-run"]);
  assert.equal(out.code, 1, out.stderr);
  assert.match(
    out.stderr,
    /^error: Uncaught \(in promise\) NotCapable: Requires env access to "\w+", run again with the --allow-env flag/,
  );
});
