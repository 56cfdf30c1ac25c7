import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type FileInfo, type FileKind, statFileInfo } from "../mod.ts";
import {
  type ExportEntry,
  ExporterClient,
  type ExportResult,
  GrpcError,
  GrpcStatus,
} from "../testing.ts";
import * as pb from "../proto/gen/exporter/exporter_pb.ts";
import type { Record as WireRecord } from "../proto/gen/connectors_pb.ts";
import { toGoFileMode } from "../mod.ts";
import { example, fixture, PERMISSIONS, tempDir } from "./_helpers.ts";
import type { Seen } from "./fixtures/lazy_exporter.ts";

const MIB = 1024 * 1024;

/** A whole-millisecond time (Deno sets and reads times to the millisecond). */
function time(i: number): bigint {
  return 1_600_000_000_000_000_000n + BigInt(i) * 86_400_123_000_000n;
}

/** Deterministic bytes that differ from one seed to the next. */
function pattern(size: number, seed: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

function info(
  name: string,
  kind: FileKind,
  mode: number,
  mtimeNs: bigint,
  more: Partial<FileInfo> = {},
): FileInfo {
  return {
    name,
    kind,
    size: 0,
    mode,
    mtimeNs,
    uid: Deno.uid() ?? 0,
    gid: Deno.gid() ?? 0,
    ...more,
  };
}

function dir(pathname: string, mode: number, mtimeNs: bigint): ExportEntry {
  const name = pathname.slice(pathname.lastIndexOf("/") + 1);
  return { pathname, fileInfo: info(name, "directory", mode, mtimeNs) };
}

function file(
  pathname: string,
  body: Uint8Array,
  mode = 0o644,
  mtimeNs = time(0),
  more: Partial<FileInfo> = {},
): ExportEntry {
  const name = pathname.slice(pathname.lastIndexOf("/") + 1);
  return {
    pathname,
    fileInfo: info(name, "file", mode, mtimeNs, {
      size: body.byteLength,
      ...more,
    }),
    body,
  };
}

function symlink(
  pathname: string,
  target: string,
  mtimeNs: bigint,
): ExportEntry {
  const name = pathname.slice(pathname.lastIndexOf("/") + 1);
  return {
    pathname,
    target,
    fileInfo: info(name, "symlink", 0o777, mtimeNs, { size: target.length }),
  };
}

function text(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function assertSameBytes(
  actual: Uint8Array,
  expected: Uint8Array,
  what: string,
): void {
  assert.equal(actual.byteLength, expected.byteLength, `size of ${what}`);
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  assert.equal(at, -1, `${what} differs from byte ${at}`);
}

/** Asserts one clean result per entry, in order, each with its header. */
function assertAllRestored(
  results: ExportResult[],
  entries: ExportEntry[],
): void {
  assert.deepEqual(
    results,
    entries.map((e) => ({
      pathname: e.pathname,
      error: "",
      hasFileInfo: true,
    })),
  );
}

/** Names in a directory, sorted. */
async function names(path: string): Promise<string[]> {
  const found = [];
  for await (const entry of Deno.readDir(path)) found.push(entry.name);
  return found.sort();
}

/** Every path under `root` whose name looks like a temporary file. */
async function leftovers(root: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    const path = `${root}/${entry.name}`;
    if (entry.name.startsWith(".denofs-")) found.push(path);
    if (entry.isDirectory) found.push(...await leftovers(path));
  }
  return found;
}

/** A snapshot path under a restore root. */
function under(root: string, pathname: string): string {
  return pathname === "/" ? root : root + pathname;
}

/**
 * The command prefix that makes file permission bits apply to this process
 * (root bypasses them: setpriv drops that capability), or `undefined` when
 * they cannot be made to apply. Probed by writing into a 0500 directory.
 */
async function permissionsApplied(): Promise<string[] | undefined> {
  const prefix = Deno.uid() === 0
    ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    : [];
  const probe = await Deno.makeTempDir({ prefix: "plakar-deno-probe-" });
  try {
    await Deno.chmod(probe, 0o500);
    const [program, ...args] = [...prefix, "sh", "-c", 'touch "$0/x"', probe];
    const output = await new Deno.Command(program!, {
      args,
      stderr: "null",
    }).output();
    return output.success ? undefined : prefix;
  } catch {
    return undefined;
  } finally {
    await Deno.chmod(probe, 0o700);
    await Deno.remove(probe, { recursive: true });
  }
}

const ENFORCING_PREFIX = await permissionsApplied();

const ODD_NAMES = [
  "with space",
  "new\nline",
  "ünïcödé-日本語-🦕",
  "-leading-dash",
];

Deno.test("exporter example restores a tree byte for byte with modes, times and odd names", async () => {
  await using tmp = await tempDir();
  const root = `${tmp.path}/restore`;
  const sizes: [string, number, number][] = [
    ["zero", 0, 0o644],
    ["one", 1, 0o600],
    ["exactly-1mib", MIB, 0o644],
    ["1mib-plus-1", MIB + 1, 0o755],
    ["three-mib", 3 * MIB, 0o700],
  ];
  const entries: ExportEntry[] = [
    dir("/", 0o755, time(1)),
    dir("/dir", 0o755, time(2)),
    ...sizes.map(([name, size, mode], i) =>
      file(`/dir/${name}`, pattern(size, i), mode, time(10 + i))
    ),
    ...ODD_NAMES.map((name, i) =>
      file(`/dir/${name}`, text(`content of ${name}`), 0o644, time(20 + i))
    ),
    dir("/dir/private", 0o700, time(3)),
    file("/dir/private/secret", text("s"), 0o600, time(30)),
    dir("/empty", 0o755, time(4)),
    dir("/empty-private", 0o700, time(5)),
  ];
  const exporter = ExporterClient.spawn(example("exporter"));
  try {
    const init = await exporter.init(`denofs://${root}`);
    assert.equal(init.root, root);
    assert.deepEqual(init.flags, ["localfs"]);
    assert.equal(init.type, "denofs");
    assertAllRestored(await exporter.export(entries), entries);

    for (const entry of entries) {
      const path = under(root, entry.pathname);
      const what = JSON.stringify(entry.pathname);
      const actual = await statFileInfo(path);
      assert.equal(actual.kind, entry.fileInfo.kind, `kind of ${what}`);
      assert.equal(actual.mode, entry.fileInfo.mode, `mode of ${what}`);
      assert.equal(actual.mtimeNs, entry.fileInfo.mtimeNs, `mtime of ${what}`);
      if (entry.body instanceof Uint8Array) {
        assertSameBytes(await Deno.readFile(path), entry.body, what);
      }
    }
    // Nothing else: no temporary file left behind, nothing misnamed.
    assert.deepEqual(await names(root), ["dir", "empty", "empty-private"]);
    assert.deepEqual(
      await names(`${root}/dir`),
      [...sizes.map(([name]) => name), ...ODD_NAMES, "private"].sort(),
    );
    assert.deepEqual(await names(`${root}/dir/private`), ["secret"]);
    assert.deepEqual(await names(`${root}/empty`), []);
    await exporter.close();
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

Deno.test("exporter example restores symlinks, dangling ones too", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  // Already there: replaced by the symlink of the same name.
  await Deno.writeTextFile(`${root}/existing`, "old content");
  const entries: ExportEntry[] = [
    dir("/", 0o755, time(1)),
    file("/target.txt", text("pointed at"), 0o644, time(2)),
    symlink("/link", "target.txt", time(3)),
    symlink("/dangling", "/nonexistent/target", time(4)),
    dir("/sub", 0o755, time(5)),
    symlink("/sub/up", "../target.txt", time(6)),
    symlink("/existing", "sub", time(7)),
  ];
  const exporter = ExporterClient.spawn(example("exporter"));
  try {
    await exporter.init(`denofs://${root}`);
    assertAllRestored(await exporter.export(entries), entries);
    for (const entry of entries.filter((e) => e.fileInfo.kind === "symlink")) {
      const path = under(root, entry.pathname);
      const actual = await statFileInfo(path);
      assert.equal(actual.kind, "symlink", `kind of ${entry.pathname}`);
      assert.equal(await Deno.readLink(path), entry.target);
      assert.equal(
        actual.mtimeNs,
        entry.fileInfo.mtimeNs,
        `mtime of ${entry.pathname}`,
      );
    }
    assert.equal(await Deno.readTextFile(`${root}/link`), "pointed at");
    assert.equal(await Deno.readTextFile(`${root}/sub/up`), "pointed at");
    await assert.rejects(Deno.stat(`${root}/dangling`), Deno.errors.NotFound);
    assert.deepEqual(await names(`${root}/existing`), ["up"]);
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

Deno.test({
  name:
    "exporter example applies directory modes and times after writing their content",
  ignore: ENFORCING_PREFIX === undefined,
  async fn() {
    await using tmp = await tempDir();
    const root = tmp.path;
    const entries: ExportEntry[] = [
      dir("/", 0o755, time(1)),
      dir("/ro", 0o500, time(2)),
      file("/ro/f", text("in a read-only directory"), 0o644, time(3)),
      dir("/ro/sub", 0o700, time(4)),
      file("/ro/sub/big", pattern(MIB + 7, 9), 0o600, time(5)),
      dir("/ro/empty", 0o555, time(6)),
      file("/ro/z", text("last"), 0o644, time(7)),
      file("/after", text("after"), 0o644, time(8)),
    ];
    // Permission bits apply to the exporter, even when the tests run as root.
    const exporter = ExporterClient.spawn([
      ...ENFORCING_PREFIX!,
      ...example("exporter"),
    ]);
    try {
      await exporter.init(`denofs://${root}`);
      assertAllRestored(await exporter.export(entries), entries);
      for (const entry of entries) {
        const path = under(root, entry.pathname);
        const actual = await statFileInfo(path);
        assert.equal(actual.mode, entry.fileInfo.mode, `mode of ${path}`);
        assert.equal(
          actual.mtimeNs,
          entry.fileInfo.mtimeNs,
          `mtime of ${path}`,
        );
        if (entry.body instanceof Uint8Array) {
          assertSameBytes(await Deno.readFile(path), entry.body, path);
        }
      }
      assert.deepEqual(await names(`${root}/ro`), ["empty", "f", "sub", "z"]);
    } finally {
      assert.equal((await exporter.process.close()).code, 0);
      await Deno.chmod(`${root}/ro`, 0o700).catch(() => {});
    }
  },
});

Deno.test("exporter example restores records of one inode as hard links", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const shared = pattern(MIB + 100, 1);
  const linked = { nlink: 2, dev: 7n, ino: 42n };
  const entries: ExportEntry[] = [
    dir("/", 0o755, time(1)),
    file("/a", shared, 0o640, time(2), linked),
    dir("/d", 0o755, time(3)),
    file("/d/b", shared, 0o640, time(2), linked),
    // Same inode number on another device, and a lone file: not links.
    file("/other-dev", text("other"), 0o644, time(4), { ...linked, dev: 8n }),
    file("/single", shared, 0o644, time(5), { dev: 7n, ino: 42n, nlink: 1 }),
    file("/after", text("after"), 0o644, time(6)),
    // Several links but no inode (an importer that could not tell): kept
    // apart, not linked to one another.
    file("/x", text("x"), 0o644, time(7), { nlink: 2 }),
    file("/y", text("y"), 0o644, time(7), { nlink: 2 }),
  ];
  const exporter = ExporterClient.spawn(example("exporter"));
  try {
    await exporter.init(`denofs://${root}`);
    assertAllRestored(await exporter.export(entries), entries);
    const a = await statFileInfo(`${root}/a`);
    const b = await statFileInfo(`${root}/d/b`);
    assert.equal(b.ino, a.ino);
    assert.equal(b.dev, a.dev);
    assert.equal(a.nlink, 2);
    assert.equal(a.mode, 0o640);
    assertSameBytes(await Deno.readFile(`${root}/d/b`), shared, "/d/b");
    for (const alone of ["/other-dev", "/single", "/after"]) {
      const actual = await statFileInfo(`${root}${alone}`);
      assert.notEqual(actual.ino, a.ino, `${alone} is not a link of /a`);
      assert.equal(actual.nlink, 1, `nlink of ${alone}`);
    }
    assertSameBytes(await Deno.readFile(`${root}/single`), shared, "/single");
    assert.equal(await Deno.readTextFile(`${root}/other-dev`), "other");
    assert.equal(await Deno.readTextFile(`${root}/after`), "after");
    assert.equal(await Deno.readTextFile(`${root}/x`), "x");
    assert.equal(await Deno.readTextFile(`${root}/y`), "y");
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

Deno.test("exporter example reports a failing record and goes on with the next ones", async () => {
  await using tmp = await tempDir();
  const root = `${tmp.path}/restore`;
  const entries: ExportEntry[] = [
    dir("/", 0o755, time(1)),
    file("/plain", text("plain")),
    file("/../escape", pattern(2 * MIB + 3, 2)),
    file("/before", text("before")),
    file("/plain/child", pattern(MIB, 3)),
    dir("/d", 0o755, time(2)),
    file("/d/inside", text("inside")),
    file("/d", text("a file where a directory is")),
    file("/after", pattern(MIB + 1, 4)),
  ];
  const exporter = ExporterClient.spawn(example("exporter"));
  try {
    await exporter.init(`denofs://${root}`);
    const results = await exporter.export(entries);
    assert.deepEqual(
      results.map((r) => r.pathname),
      entries.map((e) => e.pathname),
    );
    assert.ok(results.every((r) => r.hasFileInfo));
    const failed = new Map(
      results.filter((r) => r.error !== "").map((r) => [r.pathname, r.error]),
    );
    assert.deepEqual([...failed.keys()], ["/../escape", "/plain/child", "/d"]);
    assert.equal(
      failed.get("/../escape"),
      'Cannot restore "/../escape": it escapes the restore root',
    );
    assert.match(failed.get("/plain/child")!, /: not a directory$/);
    assert.match(failed.get("/d")!, /: (is a directory|directory not empty)$/);

    await assert.rejects(
      Deno.lstat(`${tmp.path}/escape`),
      Deno.errors.NotFound,
    );
    assert.equal(await Deno.readTextFile(`${root}/plain`), "plain");
    assert.equal(await Deno.readTextFile(`${root}/before`), "before");
    assert.equal(await Deno.readTextFile(`${root}/d/inside`), "inside");
    assertSameBytes(
      await Deno.readFile(`${root}/after`),
      pattern(MIB + 1, 4),
      "/after",
    );
    assert.deepEqual(await leftovers(root), []);
    assert.deepEqual(await names(tmp.path), ["restore"]);
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

Deno.test("Export skips the content an exporter leaves unread and restores the next records", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const bodies = new Map<string, Uint8Array>([
    ["/lazy-big", pattern(2 * MIB + 5, 1)],
    ["/read-1", pattern(MIB + 9, 2)],
    ["/lazy-empty", new Uint8Array(0)],
    ["/read-2", text("two")],
    ["/partial-big", pattern(3 * MIB, 3)],
    ["/read-3", pattern(MIB, 4)],
    ["/cancel-big", pattern(MIB + 1, 5)],
    ["/read-4", new Uint8Array(0)],
    ["/lazy-one", text("x")],
    ["/read-5", pattern(5, 6)],
  ]);
  const entries: ExportEntry[] = [
    dir("/", 0o755, time(1)),
    ...[...bodies].map(([path, body]) => file(path, body)),
    dir("/last-dir", 0o755, time(2)),
  ];
  const exporter = ExporterClient.spawn(
    fixture("lazy_exporter", PERMISSIONS.exporter),
  );
  try {
    await exporter.init(`lazy://${root}`);
    assertAllRestored(await exporter.export(entries), entries);
    const seen: Seen[] = JSON.parse(
      await Deno.readTextFile(`${root}/seen.json`),
    );
    const expected: Seen[] = entries.map(({ pathname, body }) => {
      const name = pathname.slice(1);
      if (!(body instanceof Uint8Array) || name.startsWith("lazy-")) {
        return { pathname, read: 0 };
      }
      if (name.startsWith("partial-")) return { pathname, read: MIB };
      if (name.startsWith("cancel-")) return { pathname, read: 0 };
      return { pathname, read: body.byteLength, sha256: sha256(body) };
    });
    assert.deepEqual(seen, expected);
    await exporter.ping();
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

Deno.test("Export fails a record whose content is still read after write() returned, and says so for a later read, rather than restoring it cut", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const after = pattern(MIB + 3, 8);
  const entries: ExportEntry[] = [
    dir("/", 0o755, time(1)),
    file("/background-big", pattern(3 * MIB, 7)),
    file("/read-after", after),
    file("/stash-one", text("stashed")),
  ];
  const exporter = ExporterClient.spawn(
    fixture("lazy_exporter", PERMISSIONS.exporter),
  );
  try {
    await exporter.init(`lazy://${root}`);
    const results = await exporter.export(entries);
    assert.deepEqual(
      results.map((r) => r.pathname),
      entries.map((e) => e.pathname),
    );
    assert.match(
      results[1]!.error,
      /^write\(\) returned while the content of "\/background-big" was still being read, so what it restored of it is cut: read a record's content before write\(\) settles$/,
    );
    assert.deepEqual(
      [results[0]!.error, results[2]!.error, results[3]!.error],
      [
        "",
        "",
        "",
      ],
    );
    const seen: Seen[] = JSON.parse(
      await Deno.readTextFile(`${root}/seen.json`),
    );
    const byPath = new Map(seen.map((s) => [s.pathname, s]));
    // The reader in the background was cut off loudly.
    const background = byPath.get("/background-big")!;
    assert.ok(background.read < 3 * MIB, String(background.read));
    assert.match(background.error ?? "", /after its write\(\) returned/);
    // The next record is intact.
    assert.deepEqual(byPath.get("/read-after"), {
      pathname: "/read-after",
      read: after.byteLength,
      sha256: sha256(after),
    });
    const stash = byPath.get("/stash-one")!;
    assert.equal(stash.read, 0);
    assert.match(stash.error ?? "", /after its write\(\) returned/);
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
  assert.match(
    exporter.process.stderr,
    /The exporter read the content of "\/stash-one" after its write\(\) returned, and the rest of it was skipped/,
  );
  assert.doesNotMatch(exporter.process.stderr, /background-big/);
});

Deno.test("Export reports what write() throws as that record's error and goes on", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const entries: ExportEntry[] = [
    file("/read-1", text("one")),
    file("/throw-me", pattern(MIB + 2, 1)),
    file("/read-2", pattern(MIB + 3, 2)),
  ];
  const exporter = ExporterClient.spawn(
    fixture("lazy_exporter", PERMISSIONS.exporter),
  );
  try {
    await exporter.init(`lazy://${root}`);
    const results = await exporter.export(entries);
    assert.deepEqual(results, [
      { pathname: "/read-1", error: "", hasFileInfo: true },
      {
        pathname: "/throw-me",
        error: 'Cannot restore "/throw-me": refused by the fixture',
        hasFileInfo: true,
      },
      { pathname: "/read-2", error: "", hasFileInfo: true },
    ]);
    const seen: Seen[] = JSON.parse(
      await Deno.readTextFile(`${root}/seen.json`),
    );
    assert.deepEqual(seen.map((s) => [s.pathname, s.sha256]), [
      ["/read-1", sha256(text("one"))],
      ["/read-2", sha256(pattern(MIB + 3, 2))],
    ]);
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

/** A wire record of a regular file, as plakar sends it. */
function wireFile(pathname: string, size: number): WireRecord {
  return {
    hasReader: true,
    pathname,
    error: "",
    isXattr: false,
    xattrName: "",
    xattrType: 0,
    target: "",
    fileInfo: {
      name: pathname.slice(1),
      size: BigInt(size),
      mode: toGoFileMode("file", 0o644),
      modTime: { seconds: 1_600_000_000n, nanos: 0 },
      dev: 0n,
      ino: 0n,
      uid: 0n,
      gid: 0n,
      nlink: 1,
      username: "",
      groupname: "",
      flags: 0,
    },
    extendedAttributes: [],
    fileAttributes: 0,
  };
}

/** Runs one raw Export call; returns the results' pathnames and the error. */
async function rawExport(
  exporter: ExporterClient,
  packets: pb.ExportRequest["packet"][],
): Promise<{ results: string[]; error: unknown }> {
  const call = exporter.process.connection.call(
    "/plakar.exporter.Exporter/Export",
  );
  for (const packet of packets) {
    await call.send(pb.ExportRequest.encode({ packet }).finish());
  }
  call.end();
  const results: string[] = [];
  try {
    for await (const message of call.messages()) {
      results.push(
        pb.ExportResponse.decode(message).result?.header?.pathname ?? "",
      );
    }
  } catch (error) {
    return { results, error };
  }
  return { results, error: undefined };
}

Deno.test("Export ends with FAILED_PRECONDITION on content without a record, and the exporter keeps serving", async () => {
  await using tmp = await tempDir();
  const exporter = ExporterClient.spawn(example("exporter"));
  try {
    await exporter.init(`denofs://${tmp.path}`);
    const { results, error } = await rawExport(exporter, [
      { $case: "chunk", value: text("orphan") },
      { $case: "chunk", value: new Uint8Array(0) },
    ]);
    assert.deepEqual(results, []);
    assert.ok(error instanceof GrpcError, `expected a GrpcError: ${error}`);
    assert.equal(error.code, GrpcStatus.FAILED_PRECONDITION);
    assert.equal(
      error.details,
      "Protocol error: plakar sent file content without a record before it",
    );
    await exporter.ping();
    const after = [file("/after", text("after"))];
    assertAllRestored(await exporter.export(after), after);
    assert.equal(await Deno.readTextFile(`${tmp.path}/after`), "after");
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

Deno.test("Export ends with FAILED_PRECONDITION when content lacks its end marker", async () => {
  await using tmp = await tempDir();
  const exporter = ExporterClient.spawn(example("exporter"));
  try {
    await exporter.init(`denofs://${tmp.path}`);
    const { results, error } = await rawExport(exporter, [
      { $case: "record", value: wireFile("/first", 3) },
      { $case: "chunk", value: text("abc") },
      // No empty chunk: the next record arrives in the middle of the content.
      { $case: "record", value: wireFile("/second", 0) },
      { $case: "chunk", value: new Uint8Array(0) },
    ]);
    assert.deepEqual(results, []);
    assert.ok(error instanceof GrpcError, `expected a GrpcError: ${error}`);
    assert.equal(error.code, GrpcStatus.FAILED_PRECONDITION);
    assert.equal(
      error.details,
      'Protocol error: the content of "/first" ended without its end marker',
    );
    assert.deepEqual(await names(tmp.path), []);
    await exporter.ping();
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

// As root, the exporter runs without the capability to override file
// permissions, so that it meets them as an unprivileged user does.
const UNPRIVILEGED: string[] = Deno.uid() === 0
  ? ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
  : [];

Deno.test("exporter example restores again over an earlier restore, read-only directories too", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  const entries = (content: string) => [
    dir("/", 0o755, time(1)),
    dir("/ro", 0o555, time(2)),
    file("/ro/f", text(content), 0o444, time(3)),
  ];
  for (const content of ["first", "second"]) {
    const exporter = ExporterClient.spawn([
      ...UNPRIVILEGED,
      ...example("exporter"),
    ]);
    try {
      await exporter.init(`denofs://${root}`);
      assertAllRestored(
        await exporter.export(entries(content)),
        entries(content),
      );
    } finally {
      assert.equal((await exporter.process.close()).code, 0);
    }
    assert.equal(await Deno.readTextFile(`${root}/ro/f`), content);
    const ro = await statFileInfo(`${root}/ro`);
    assert.equal(ro.mode, 0o555);
    assert.equal(ro.mtimeNs, time(2));
  }
  assert.deepEqual(await leftovers(root), []);
});

Deno.test("Export still gives directories their modes and times when the restore stops early", async () => {
  await using tmp = await tempDir();
  const exporter = ExporterClient.spawn(example("exporter"));
  try {
    await exporter.init(`denofs://${tmp.path}`);
    const directory = wireFile("/d", 0);
    directory.hasReader = false;
    directory.fileInfo!.mode = toGoFileMode("directory", 0o555);
    const { results, error } = await rawExport(exporter, [
      { $case: "record", value: directory },
      { $case: "record", value: wireFile("/d/f", 3) },
      // The stream breaks in the middle of the content.
      { $case: "chunk", value: text("abc") },
    ]);
    assert.deepEqual(results, ["/d"]);
    assert.ok(error instanceof GrpcError, `expected a GrpcError: ${error}`);
    const d = await statFileInfo(`${tmp.path}/d`);
    assert.equal(d.mode, 0o555);
    assert.equal(d.mtimeNs, 1_600_000_000_000_000_000n);
    assert.deepEqual(await names(`${tmp.path}/d`), []);
  } finally {
    assert.equal((await exporter.process.close()).code, 0);
  }
});

Deno.test("exporter example gives directories open to their owner their own mode at once: a restore killed early leaves them so", async () => {
  // plakar ends its connectors with SIGKILL when the user interrupts a
  // restore: finish() never runs.
  await using tmp = await tempDir();
  const exporter = ExporterClient.spawn(example("exporter"));
  await exporter.init(`denofs://${tmp.path}`);
  const dir = (pathname: string, mode: number): ExportEntry => ({
    pathname,
    fileInfo: {
      name: pathname.slice(pathname.lastIndexOf("/") + 1),
      kind: "directory",
      size: 0,
      mode,
      mtimeNs: 0n,
    },
  });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => stop = resolve);
  const exporting = exporter.export((async function* () {
    yield dir("/d", 0o755);
    yield dir("/d/shared", 0o2775);
    yield dir("/d/sealed", 0o500);
    await stopped;
  })()).catch(() => undefined);
  try {
    // The last directory is there: the ones before it have been handled.
    while (
      !await Deno.lstat(`${tmp.path}/d/sealed`).then(() => true, () => false)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await exporter.process.kill();
  } finally {
    stop();
    await exporting;
  }
  const mode = async (path: string) =>
    (await Deno.lstat(`${tmp.path}${path}`)).mode! & 0o7777;
  assert.equal(await mode("/d"), 0o755);
  assert.equal(await mode("/d/shared"), 0o2775);
  // Not open to its owner: it stays so until finish(), to be written into.
  assert.equal(await mode("/d/sealed"), 0o700);
});
