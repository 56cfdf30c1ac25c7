// Process behaviour of a connector, seen from the host: exit codes, stdout
// hygiene, refusals, and how failures reach plakar.
import assert from "node:assert/strict";
import {
  ConnectorProcess,
  type GrpcError,
  GrpcStatus,
  ImporterClient,
} from "../testing.ts";
import * as pb from "../proto/gen/importer/importer_pb.ts";
import { example, fixture } from "./_helpers.ts";

async function runRaw(
  command: string[],
  stdin: Uint8Array | "null",
): Promise<{ code: number; stdout: Uint8Array; stderr: string }> {
  const [program, ...args] = command;
  const child = new Deno.Command(program!, {
    args,
    stdin: stdin === "null" ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== "null") {
    const writer = child.stdin.getWriter();
    await writer.write(stdin).catch(() => {});
    await writer.close().catch(() => {});
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: out.stdout,
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("runImporter() exits 0 when stdin closes", async () => {
  const connector = ConnectorProcess.spawn(example("importer"));
  const status = await connector.close();
  assert.equal(status.code, 0);
  assert.equal(connector.stderr, "");
});

Deno.test("runImporter() exits 0 on stdin EOF right after the HTTP/2 preface", async () => {
  const preface = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  const result = await runRaw(example("importer"), preface);
  assert.equal(result.code, 0, result.stderr);
});

Deno.test("runImporter() refuses an argument with a one-line usage on stderr", async () => {
  const result = await runRaw([...example("importer"), "--help"], "null");
  assert.equal(result.code, 1);
  assert.equal(result.stdout.length, 0);
  assert.match(
    result.stderr,
    /^Usage: importer\.ts \(a plakar connector takes no arguments, got "--help"/,
  );
  assert.equal(result.stderr.trim().split("\n").length, 1);
});

Deno.test("runImporter() refuses a terminal on stdin with a one-line explanation", async () => {
  const command = example("importer").map((a) =>
    `'${a.replaceAll("'", "'\\''")}'`
  ).join(" ");
  // script(1) gives the connector a pseudo-terminal as stdin.
  const out = await new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn().output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 1, text);
  assert.match(
    text,
    /importer\.ts is a plakar connector: plakar starts it and speaks gRPC over its stdin and stdout/,
  );
});

Deno.test("runImporter() ends with a clear message when stdin is not HTTP/2", async () => {
  const result = await runRaw(
    example("importer"),
    new TextEncoder().encode("hello, are you a web server?\n"),
  );
  assert.equal(result.code, 1);
  // Nothing but HTTP/2 on stdout: at most the server's SETTINGS frame.
  assert.ok(
    result.stdout.length === 0 || result.stdout[3] === 0x04,
    `stdout: ${result.stdout}`,
  );
  assert.match(
    result.stderr,
    /stdin does not carry HTTP\/2 from plakar \(got "hello, are you a web ser"\)/,
  );
});

Deno.test("runImporter() ends with a clear message on garbage after the preface", async () => {
  const bytes = new Uint8Array([
    ...new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ...new Uint8Array(64).fill(0xff),
  ]);
  const [program, ...args] = example("importer");
  const child = new Deno.Command(program!, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(bytes);
  // Keep stdin open: the process must end on its own.
  const out = await child.output();
  await writer.close().catch(() => {});
  assert.equal(out.code, 1);
  assert.match(
    new TextDecoder().decode(out.stderr),
    /the gRPC connection with plakar on stdin\/stdout failed/,
  );
});

Deno.test("runImporter() sends console and stdout writes to stderr, before and while serving", async () => {
  const importer = ImporterClient.spawn(fixture("noisy"));
  try {
    await importer.init("noisy:///");
    const entries = await importer.importAll();
    assert.equal(entries.length, 1);
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
  const stderr = importer.process.stderr;
  for (
    const line of [
      "console.log at load",
      "console.info at load",
      "console.debug at load",
      "table cell",
      "console.count: 1",
      "console.time: ",
      "console.group",
      '  { dir: "console.dir" }',
      "Deno.stdout.write at load",
      "process.stdout.write at load",
      "console.log in init",
      "console.log in records",
    ]
  ) {
    assert.ok(
      stderr.includes(line),
      `missing ${JSON.stringify(line)} in ${stderr}`,
    );
  }
});

Deno.test("connector answers an unknown method with UNIMPLEMENTED and keeps serving", async () => {
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await assert.rejects(
      importer.process.connection.unary(
        "/importer.Importer/Explode",
        new Uint8Array(0),
      ),
      (error: GrpcError) => error.code === GrpcStatus.UNIMPLEMENTED,
    );
    await assert.rejects(
      importer.process.connection.unary("/store.Store/Mode", new Uint8Array(0)),
      (error: GrpcError) => error.code === GrpcStatus.UNIMPLEMENTED,
    );
    await assert.rejects(importer.ping(), /must call Init first/);
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("connector refuses a message over 4 MiB cleanly and keeps serving", async () => {
  const importer = ImporterClient.spawn(example("importer"));
  try {
    const huge = pb.InitRequest.encode({
      options: undefined,
      proto: "denofs",
      config: { location: "denofs:///", padding: "x".repeat(5 * 1024 * 1024) },
    }).finish();
    await assert.rejects(
      importer.process.connection.unary("/importer.Importer/Init", huge),
      (error: GrpcError) => error.code === GrpcStatus.RESOURCE_EXHAUSTED,
    );
    const info = await importer.init("denofs:///");
    assert.equal(info.root, "/");
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("a factory's error reaches the host as its own message", async () => {
  const cases: [string, number, RegExp][] = [
    [
      "init",
      GrpcStatus.UNKNOWN,
      /^Cannot reach "throwing:\/\/\/x": connection refused$/,
    ],
    ["init-config", GrpcStatus.INVALID_ARGUMENT, /^Unknown option "zz"$/],
    ["init-string", GrpcStatus.UNKNOWN, /^a bare string$/],
    [
      "init-undefined",
      GrpcStatus.UNKNOWN,
      /^The importer factory returned missing: it must return an object with origin, type, root and records\(\)$/,
    ],
    [
      "init-no-records",
      GrpcStatus.UNKNOWN,
      /^The importer factory returned an object without a records\(\) method$/,
    ],
    [
      "init-no-origin",
      GrpcStatus.UNKNOWN,
      /^The importer factory returned an object whose origin is missing, not a string$/,
    ],
  ];
  for (const [fail, code, message] of cases) {
    const importer = ImporterClient.spawn(fixture("throwing"));
    try {
      await assert.rejects(
        importer.init("throwing:///x", { fail, bogus: "zz" }),
        (error: GrpcError) => {
          assert.equal(error.code, code, fail);
          assert.match(error.details, message);
          return true;
        },
      );
    } finally {
      assert.equal((await importer.process.close()).code, 0);
    }
  }
});

Deno.test("errors while importing reach the host as the connector's messages", async () => {
  const cases: [string, RegExp][] = [
    ["records", /^The listing broke after the first record$/],
    ["no-fileinfo", /^Cannot import record "\/bad": it has no fileInfo/],
    [
      "relative",
      /^Cannot import record "relative": its pathname must be absolute/,
    ],
    [
      "bigint-size",
      /^Cannot import record "\/file": its fileInfo\.size is the bigint 1n, not a number of bytes \(convert it with Number\(\)\)$/,
    ],
    [
      "string-mode",
      /^Cannot import record "\/file": its fileInfo\.mode is the string "0644", not a number of permission bits such as 0o644$/,
    ],
    [
      "unknown-kind",
      /^Cannot import record "\/file": its fileInfo\.kind is the string "regular": it must be one of file, directory, /,
    ],
    [
      "no-mtime",
      /^Cannot import record "\/file": its fileInfo\.mtimeNs is missing, not nanoseconds since the epoch as a bigint/,
    ],
  ];
  for (const [fail, message] of cases) {
    const importer = ImporterClient.spawn(fixture("throwing"));
    try {
      await importer.init("throwing:///", { fail });
      await assert.rejects(importer.importAll(), (error: GrpcError) => {
        assert.equal(error.code, GrpcStatus.UNKNOWN);
        assert.match(error.details, message);
        return true;
      });
      await importer.ping();
    } finally {
      assert.equal((await importer.process.close()).code, 0);
    }
  }
});

Deno.test("an Open failure reaches the host for that record only", async () => {
  const importer = ImporterClient.spawn(fixture("throwing"));
  try {
    await importer.init("throwing:///", { fail: "open" });
    const entries = await importer.importAll();
    const file = entries.find((e) => e.record.pathname === "/file")!;
    assert.match(file.openError!, /Cannot open \/file: device not ready/);
    await importer.ping();
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("open() returning bytes instead of a stream fails that record with what to do", async () => {
  const importer = ImporterClient.spawn(fixture("throwing"));
  try {
    await importer.init("throwing:///", { fail: "open-bytes" });
    const entries = await importer.importAll();
    const file = entries.find((e) => e.record.pathname === "/file")!;
    assert.match(
      file.openError!,
      /: open\(\) of "\/file" returned a Uint8Array of 1 byte, not a ReadableStream<Uint8Array> \(wrap bytes with ReadableStream\.from\(\[bytes\]\)\)$/,
    );
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
  assert.doesNotMatch(importer.process.stderr, /\bat /);
});

Deno.test("a bug in the connector's code reaches the host as its message and stderr as its stack", async () => {
  const importer = ImporterClient.spawn(fixture("throwing"));
  try {
    await assert.rejects(
      importer.init("throwing:///", { fail: "init-bug" }),
      (error: GrpcError) => {
        assert.match(error.details, /^Cannot read properties of undefined/);
        return true;
      },
    );
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
  assert.match(
    importer.process.stderr,
    /TypeError: Cannot read properties of undefined .*\n\s+at .*fixtures\/throwing\.ts:\d+/,
  );
});

Deno.test("a crash outside any call ends the process with its cause on stderr", async () => {
  const importer = ImporterClient.spawn(fixture("throwing"));
  await importer.init("throwing:///", { fail: "crash" });
  await assert.rejects(importer.importAll());
  const status = await importer.process.status;
  assert.notEqual(status.code, 0);
  await importer.process.close();
  assert.match(
    importer.process.stderr,
    /Unexpected crash in a background task/,
  );
});

Deno.test("a permission the connector lacks is reported as such", async () => {
  const importer = ImporterClient.spawn(
    [...example("importer")].map((
      a,
    ) => (a === "--allow-read" ? "--allow-read=/nonexistent" : a)),
  );
  try {
    await assert.rejects(importer.init("denofs:///etc"), (error: GrpcError) => {
      assert.match(
        error.details,
        /^Cannot back up "\/etc": Requires read access to "\/etc" \(not granted to this connector\)$/,
      );
      return true;
    });
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});
