import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ImporterClient } from "../testing.ts";
import {
  example,
  excludeCase,
  fixture,
  PERMISSIONS,
  tempDir,
} from "./_helpers.ts";

const NAMES = [
  "plain.txt",
  "with space",
  "new\nline",
  "-leading-dash",
  "tab\there",
  "quote\"and'back\\slash",
  "ünïcödé-日本語-🦕",
];

async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/dir/sub`, { recursive: true });
  await Deno.mkdir(`${root}/empty`);
  for (const name of NAMES) {
    await Deno.writeTextFile(`${root}/dir/${name}`, name);
  }
  await Deno.writeFile(`${root}/empty-file`, new Uint8Array(0));
  const big = new Uint8Array(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
  await Deno.writeFile(`${root}/dir/sub/big.bin`, big);
  await Deno.writeTextFile(`${root}/secret`, "s");
  await Deno.chmod(`${root}/secret`, 0o600);
  await Deno.chmod(`${root}/dir/sub`, 0o700);
  await Deno.symlink("dir/plain.txt", `${root}/link`);
  await Deno.symlink("/nonexistent/target", `${root}/dangling`);
  await Deno.utime(`${root}/secret`, 1_600_000_000.25, 1_600_000_000.25);
}

Deno.test("importer example yields every entry with metadata and content", async () => {
  await using dir = await tempDir();
  const root = `${dir.path}/src`;
  await Deno.mkdir(root);
  await makeTree(root);
  const importer = ImporterClient.spawn(example("importer"));
  try {
    const info = await importer.init(`denofs://${root}`);
    assert.equal(info.root, root);
    assert.deepEqual(info.flags, ["localfs"]);
    assert.equal(info.type, "denofs");
    const entries = await importer.importAll();
    const byPath = new Map(entries.map((e) => [e.record.pathname, e]));

    // Ancestors first, then the root, then its content, directories first.
    const paths = entries.map((e) => e.record.pathname);
    assert.equal(paths[0], "/");
    assert.ok(paths.indexOf(root) < paths.indexOf(`${root}/dir`));
    assert.ok(
      paths.indexOf(`${root}/dir`) < paths.indexOf(`${root}/dir/plain.txt`),
    );

    for (const name of NAMES) {
      const entry = byPath.get(`${root}/dir/${name}`);
      assert.ok(entry, `missing ${JSON.stringify(name)}`);
      assert.equal(new TextDecoder().decode(entry.content), name);
      assert.equal(entry.record.fileInfo?.name, name);
    }
    const big = byPath.get(`${root}/dir/sub/big.bin`)!;
    assert.equal(big.size, 3 * 1024 * 1024 + 17);
    assert.equal(big.content?.[1000], (1000 * 7919) & 0xff);
    assert.equal(byPath.get(`${root}/empty-file`)?.size, 0);
    assert.equal(byPath.get(`${root}/empty-file`)?.record.hasReader, true);

    const secret = byPath.get(`${root}/secret`)!.record.fileInfo!;
    assert.equal(secret.mode, 0o600);
    assert.equal(secret.mtimeNs, 1_600_000_000_250_000_000n);
    assert.equal(byPath.get(`${root}/dir/sub`)?.record.fileInfo?.mode, 0o700);
    assert.equal(
      byPath.get(`${root}/dir/sub`)?.record.fileInfo?.kind,
      "directory",
    );
    assert.equal(
      byPath.get(`${root}/empty`)?.record.fileInfo?.kind,
      "directory",
    );

    const link = byPath.get(`${root}/link`)!.record;
    assert.equal(link.fileInfo?.kind, "symlink");
    assert.equal(link.target, "dir/plain.txt");
    assert.equal(link.hasReader, false);
    assert.equal(
      byPath.get(`${root}/dangling`)?.record.target,
      "/nonexistent/target",
    );
    assert.ok(entries.every((e) => e.record.error === undefined));
    await importer.close();
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("importer example turns an unreadable entry into an error record and goes on", async () => {
  await using dir = await tempDir();
  const root = `${dir.path}/src`;
  await Deno.mkdir(root);
  await Deno.writeTextFile(`${root}/a-before`, "a");
  await Deno.writeTextFile(`${root}/z-after`, "z");
  // A path longer than PATH_MAX: lstat fails for root too.
  const part = "d".repeat(250);
  const depth = 18;
  const script =
    `cd "$1" && for i in $(seq ${depth}); do mkdir ${part} && cd ${part}; done && echo x > f`;
  const made = await new Deno.Command("bash", {
    args: ["-c", script, "bash", root],
  }).output();
  assert.ok(made.success);
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await importer.init(`denofs://${root}`);
    const entries = await importer.importAll();
    const errors = entries.filter((e) => e.record.error !== undefined);
    assert.ok(errors.length >= 1, "expected an error record");
    assert.ok(errors[0]!.record.pathname.startsWith(`${root}/${part}/`));
    assert.match(errors[0]!.record.error!, /name too long|File name too long/i);
    assert.ok(entries.some((e) => e.record.pathname === `${root}/z-after`));
  } finally {
    await importer.process.close();
    await new Deno.Command("rm", { args: ["-rf", `${root}/${part}`] }).output();
  }
});

Deno.test("importer example skips what plakar's exclude patterns leave out, without reading excluded directories", async () => {
  await using dir = await tempDir();
  const root = `${dir.path}/src`;
  const { patterns, kept } = await excludeCase(root);
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await importer.init(`denofs://${root}`, {}, { excludes: patterns });
    const paths = (await importer.importAll()).map((e) => e.record.pathname)
      .filter((path) => path.startsWith(root));
    assert.deepEqual(paths, [root, ...kept]);
  } finally {
    await importer.process.close();
  }
});

Deno.test({
  name:
    "importer example stays on the root's file system with dont_traverse_fs=true, as plakar's fs importer",
  // Mounting a file system takes root.
  ignore: Deno.uid() !== 0,
  async fn() {
    await using dir = await tempDir();
    const root = `${dir.path}/src`;
    const mount = `${root}/mounted`;
    await Deno.mkdir(`${mount}`, { recursive: true });
    await Deno.writeTextFile(`${root}/here.txt`, "here");
    const mounted = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount],
    }).output();
    assert.ok(mounted.success, new TextDecoder().decode(mounted.stderr));
    try {
      await Deno.writeTextFile(`${mount}/there.txt`, "there");
      const paths = async (config: Record<string, string>) => {
        const importer = ImporterClient.spawn(example("importer"));
        try {
          await importer.init(`denofs://${root}`, config);
          return (await importer.importAll({ read: "none" }))
            .map((e) => e.record.pathname)
            .filter((path) => path.startsWith(root));
        } finally {
          await importer.process.close();
        }
      };
      const all = [root, `${root}/here.txt`, mount, `${mount}/there.txt`];
      assert.deepEqual(await paths({}), all);
      for (const value of ["true", "1", "T"]) {
        assert.deepEqual(
          await paths({ dont_traverse_fs: value }),
          [root, `${root}/here.txt`],
          `dont_traverse_fs=${value}`,
        );
      }
      // Anything but Go's true values is false, as in plakar.
      assert.deepEqual(await paths({ dont_traverse_fs: "yes" }), all);
    } finally {
      await new Deno.Command("umount", { args: [mount] }).output();
    }
  },
});

Deno.test("importer example reports a file that vanished before Open, and the import goes on", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/gone`, "soon gone");
  await Deno.writeTextFile(`${dir.path}/kept`, "kept");
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await importer.init(`denofs://${dir.path}`);
    const session = importer.import();
    const received = [];
    for await (const record of session) {
      received.push(record);
      if (record.pathname.endsWith("/gone")) {
        await Deno.remove(`${dir.path}/gone`);
      }
      if (!record.hasReader) await session.ack(record);
    }
    const gone = received.find((r) => r.pathname.endsWith("/gone"))!;
    await assert.rejects(
      new Response(importer.open(gone)).bytes(),
      (error: Error) => /No such file|not found/i.test(error.message),
    );
    const kept = received.find((r) => r.pathname.endsWith("/kept"))!;
    assert.equal(await new Response(importer.open(kept)).text(), "kept");
    await session.ack(gone, "could not read");
    await session.ack(kept);
    await session.done();
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("importer example fails Init with one clear sentence for a missing location", async () => {
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await assert.rejects(
      importer.init("denofs:///does/not/exist"),
      (error: Error) => {
        assert.match(
          error.message,
          /Cannot back up "\/does\/not\/exist": lstat \/does\/not\/exist: no such file or directory$/,
        );
        return true;
      },
    );
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("importer Open serves each reader once, then answers file does not exist", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/once`, "once");
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await importer.init(`denofs://${dir.path}`);
    const session = importer.import();
    let file;
    for await (const record of session) {
      if (record.pathname.endsWith("/once")) file = record;
    }
    assert.ok(file);
    assert.equal(await new Response(importer.open(file)).text(), "once");
    await assert.rejects(
      new Response(importer.open(file)).text(),
      /file does not exist/,
    );
    await session.done();
  } finally {
    await importer.process.close();
  }
});

Deno.test("importer Open of concurrent readers delivers each content intact", async () => {
  await using dir = await tempDir();
  const expected = new Map<string, string>();
  for (let i = 0; i < 12; i++) {
    const bytes = new Uint8Array(64 * 1024 + i);
    for (let j = 0; j < bytes.length; j += 65536) {
      crypto.getRandomValues(bytes.subarray(j, j + 65536));
    }
    const path = `${dir.path}/f${i}`;
    await Deno.writeFile(path, bytes);
    expected.set(path, createHash("sha256").update(bytes).digest("hex"));
  }
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await importer.init(`denofs://${dir.path}`);
    const entries = await importer.importAll({
      read: "digest",
      concurrency: 8,
    });
    for (const [path, digest] of expected) {
      assert.equal(
        entries.find((e) => e.record.pathname === path)?.sha256,
        digest,
      );
    }
  } finally {
    await importer.process.close();
  }
});

Deno.test("an importer declaring needack receives plakar's verdict on every record", async () => {
  await using dir = await tempDir();
  const log = `${dir.path}/acks.jsonl`;
  const importer = ImporterClient.spawn(
    fixture("acking", [...PERMISSIONS.none!, `--allow-write=${dir.path}`]),
  );
  try {
    const info = await importer.init("acking:///", { log });
    assert.deepEqual(info.flags, ["needack"]);
    const session = importer.import();
    const records = [];
    for await (const record of session) records.push(record);
    assert.equal(records.length, 4);
    const xattr = records[3]!;
    assert.deepEqual(xattr.xattr, { name: "user.tag", kind: "extended" });
    assert.equal(
      await new Response(importer.open(xattr)).bytes().then((b) => b.length),
      2,
    );
    await session.ack(records[0]!);
    await session.ack(records[1]!, "could not store");
    await session.ack(records[2]!);
    await session.ack(xattr);
    await session.done();
    const acks = (await Deno.readTextFile(log)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.deepEqual(acks, [
      { pathname: "/" },
      { pathname: "/a", error: "could not store" },
      { pathname: "/b" },
      { pathname: "/a", xattr: { name: "user.tag", kind: "extended" } },
    ]);
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("importer example walks a tree of any depth", async () => {
  await using dir = await tempDir();
  // Deeper than a recursive walk's stack allows (it failed near 1,600).
  const depth = 1_900;
  const deepest = `${dir.path}${"/d".repeat(depth)}`;
  await Deno.mkdir(deepest, { recursive: true });
  await Deno.writeTextFile(`${deepest}/leaf`, "leaf");
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await importer.init(`denofs://${dir.path}`);
    const entries = await importer.importAll();
    const leaf = entries.find((e) => e.record.pathname === `${deepest}/leaf`);
    assert.equal(new TextDecoder().decode(leaf?.content), "leaf");
    assert.equal(
      entries.filter((e) => e.record.pathname.startsWith(`${dir.path}/`))
        .length,
      depth + 1,
    );
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("importer example keeps the location's path as written, following only a final symlink, as plakar's fs importer", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(`${dir.path}/real/sub`, { recursive: true });
  await Deno.writeTextFile(`${dir.path}/real/sub/keep`, "keep");
  await Deno.writeTextFile(`${dir.path}/real/sub/skip`, "skip");
  await Deno.symlink("real", `${dir.path}/alias`);
  await Deno.symlink("alias/sub", `${dir.path}/top`);

  // Below a symlinked directory: paths and exclude patterns as written.
  const below = `${dir.path}/alias/sub`;
  let importer = ImporterClient.spawn(example("importer"));
  try {
    const info = await importer.init(`denofs://${below}/`, {}, {
      excludes: [`${below}/skip`],
    });
    assert.equal(info.root, below);
    const paths = (await importer.importAll()).map((e) => e.record.pathname);
    assert.deepEqual(paths.filter((p) => p.startsWith(`${dir.path}/`)), [
      `${dir.path}/alias`,
      below,
      `${below}/keep`,
    ]);
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }

  // A location that is a symlink: the link, then the tree it points to.
  const link = `${dir.path}/top`;
  importer = ImporterClient.spawn(example("importer"));
  try {
    const info = await importer.init(`denofs://${dir.path}/./x/../top`);
    assert.equal(info.root, link);
    const entries = await importer.importAll();
    const paths = entries.map((e) => e.record.pathname);
    assert.equal(new Set(paths).size, paths.length);
    assert.deepEqual(paths.filter((p) => p.startsWith(`${dir.path}/`)), [
      below.slice(0, below.lastIndexOf("/")),
      `${dir.path}/top`,
      below,
      `${below}/keep`,
      `${below}/skip`,
    ]);
    const top = entries.find((e) => e.record.pathname === link)!.record;
    assert.equal(top.fileInfo?.kind, "symlink");
    assert.equal(top.target, "alias/sub");
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("importer example reports names that are not valid UTF-8, each once, and orders names as bytes", async () => {
  await using dir = await tempDir();
  const make = (name: string) =>
    new Deno.Command("bash", {
      args: ["-c", `printf x > "$1/$(printf "$2")"`, "bash", dir.path, name],
    }).output();
  // Two invalid names that Deno reads the same, one valid name that reads
  // as they do, and names whose UTF-8 and UTF-16 orders differ.
  for (const name of ["caf\\xe9", "caf\\xe8", "bad\\xff"]) await make(name);
  await Deno.writeTextFile(`${dir.path}/caf\uFFFD`, "literal");
  await Deno.writeTextFile(`${dir.path}/\u{1F995}`, "");
  await Deno.writeTextFile(`${dir.path}/\uE000`, "");
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await importer.init(`denofs://${dir.path}`);
    const all = await importer.importAll();
    const summary = all
      .filter((e) => e.record.pathname.startsWith(`${dir.path}/`))
      .map((e) => [
        e.record.pathname.slice(dir.path.length + 1),
        new TextDecoder().decode(e.content),
      ]);
    // One entry per name Deno reads, the literal one's content for "caf?".
    assert.deepEqual(summary, [
      ["caf\uFFFD", "literal"],
      ["\uE000", ""],
      ["\u{1F995}", ""],
    ]);
    // The others, reported on their directory.
    const errors = all.filter((e) =>
      e.record.pathname === dir.path && e.record.error !== undefined
    ).map((e) => e.record.error);
    assert.equal(errors.length, 3);
    for (const error of errors) {
      assert.match(
        error!,
        /^"(bad|caf)\uFFFD" was left out: .* not valid UTF-8/,
      );
    }
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});

Deno.test("importer example records owners' names, as plakar's fs importer", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/mine`, "mine");
  const id = async (flag: string) =>
    new TextDecoder().decode(
      (await new Deno.Command("id", { args: [flag] }).output()).stdout,
    ).trim();
  const importer = ImporterClient.spawn(example("importer"));
  try {
    await importer.init(`denofs://${dir.path}`);
    const entries = await importer.importAll({ read: "none" });
    const mine = entries.find((e) => e.record.pathname === `${dir.path}/mine`)!
      .record.fileInfo!;
    assert.equal(mine.username, await id("-un"));
    assert.equal(mine.groupname, await id("-gn"));
  } finally {
    assert.equal((await importer.process.close()).code, 0);
  }
});
