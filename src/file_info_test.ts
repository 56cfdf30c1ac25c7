import assert from "node:assert/strict";
import { fileInfoFromStats, statFileInfo } from "./file_info.ts";
import { lstatSync } from "node:fs";
import { applyFileInfo, applyFileInfoSync } from "./apply_file_info.ts";

Deno.test("statFileInfo() describes files, directories and symlinks without following them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/f`, "12345");
    await Deno.chmod(`${dir}/f`, 0o640);
    await Deno.symlink("f", `${dir}/l`);
    const file = await statFileInfo(`${dir}/f`);
    assert.deepEqual([file.name, file.kind, file.size, file.mode], [
      "f",
      "file",
      5,
      0o640,
    ]);
    const link = await statFileInfo(`${dir}/l`);
    assert.deepEqual([link.kind, link.size], ["symlink", 1]);
    assert.equal((await statFileInfo(dir)).kind, "directory");
    assert.ok(file.ino !== undefined && file.ino > 0n);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test('statFileInfo() names entries as plakar\'s fs importer does: the root is "/"', async () => {
  assert.equal((await statFileInfo("/")).name, "/");
  assert.equal((await statFileInfo("//")).name, "/");
  const dir = await Deno.makeTempDir();
  try {
    assert.equal((await statFileInfo(`${dir}/`)).name, dir.split("/").at(-1));
  } finally {
    await Deno.remove(dir);
  }
});

Deno.test("applyFileInfo() sets a symlink's own time and leaves its target alone", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/f`, "x");
    await Deno.symlink("f", `${dir}/l`);
    const before = await statFileInfo(`${dir}/f`);
    const link = await statFileInfo(`${dir}/l`);
    await applyFileInfo(`${dir}/l`, {
      ...link,
      mode: 0o600,
      mtimeNs: 1_000_000_000_000_000_000n,
    });
    assert.equal(
      (await statFileInfo(`${dir}/l`)).mtimeNs,
      1_000_000_000_000_000_000n,
    );
    const after = await statFileInfo(`${dir}/f`);
    assert.equal(after.mtimeNs, before.mtimeNs);
    assert.equal(after.mode, before.mode);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyFileInfoSync() applies mode and time like applyFileInfo(), to files and symlinks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a`, "x");
    await Deno.writeTextFile(`${dir}/b`, "x");
    await Deno.symlink("a", `${dir}/l`);
    const info = await statFileInfo(`${dir}/a`);
    const wanted = {
      ...info,
      mode: 0o604,
      mtimeNs: 1_234_567_890_123_000_000n,
    };
    await applyFileInfo(`${dir}/a`, wanted);
    applyFileInfoSync(`${dir}/b`, wanted);
    const [a, b] = [
      await statFileInfo(`${dir}/a`),
      await statFileInfo(`${dir}/b`),
    ];
    assert.deepEqual([b.mode, b.mtimeNs], [0o604, 1_234_567_890_123_000_000n]);
    assert.deepEqual([b.mode, b.mtimeNs], [a.mode, a.mtimeNs]);
    const link = await statFileInfo(`${dir}/l`);
    applyFileInfoSync(`${dir}/l`, {
      ...link,
      mtimeNs: 1_000_000_000_000_000_000n,
    });
    assert.equal(
      (await statFileInfo(`${dir}/l`)).mtimeNs,
      1_000_000_000_000_000_000n,
    );
    assert.equal(
      (await statFileInfo(`${dir}/a`)).mtimeNs,
      1_234_567_890_123_000_000n,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("applyFileInfoSync() reports a missing entry", () => {
  const info = {
    name: "gone",
    kind: "file" as const,
    size: 0,
    mode: 0o600,
    mtimeNs: 0n,
  };
  assert.throws(
    () => applyFileInfoSync("/nonexistent-dir-for-test/gone", info),
    Deno.errors.NotFound,
  );
});

Deno.test("fileInfoFromStats() leaves out an inode number JavaScript cannot hold exactly", () => {
  const stats = lstatSync(Deno.cwd(), { bigint: true });
  const exact = fileInfoFromStats({ ...stats, nlink: 2n }, "d");
  assert.deepEqual([exact.ino, exact.nlink], [stats.ino, 2]);
  // Two such inodes (overlayfs with xino) read the same as numbers.
  assert.equal(
    Number(9223372036854796027n),
    Number(9223372036854796028n),
  );
  const big = fileInfoFromStats(
    { ...stats, ino: 9223372036854796027n, nlink: 2n },
    "d",
  );
  assert.deepEqual([big.ino, big.nlink], [0n, 1]);
});

Deno.test("applyFileInfo() rounds times before 1970 down to the millisecond", async () => {
  const file = await Deno.makeTempFile();
  try {
    const info = await statFileInfo(file);
    await applyFileInfo(file, { ...info, mtimeNs: -1_500_000n });
    assert.equal((await statFileInfo(file)).mtimeNs, -2_000_000n);
    await applyFileInfo(file, { ...info, mtimeNs: 1_500_000n });
    assert.equal((await statFileInfo(file)).mtimeNs, 1_000_000n);
  } finally {
    await Deno.remove(file);
  }
});
