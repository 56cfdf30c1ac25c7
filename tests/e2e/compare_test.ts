/**
 * Tests of `compareTrees`: each kind of difference is caught, the options
 * relax exactly what they say. Real files in temporary directories.
 *
 * Run with `deno test --allow-read --allow-write --allow-ffi
 * tests/e2e/compare_test.ts` (without `--allow-ffi` the nanosecond tests are
 * skipped and times are compared to the millisecond).
 */

import { deepStrictEqual, ok } from "node:assert/strict";
import {
  compareTrees,
  firstContentDifference,
  PLAKAR_FS_ROUNDTRIP,
} from "./compare.ts";
import {
  generateTree,
  lstatMtimeNs,
  mtimeSupport,
  setMtimeNs,
} from "./tree.ts";

const NS = mtimeSupport().resolutionNs === 1;
const IS_ROOT =
  Deno.permissions.querySync({ name: "sys", kind: "uid" }).state ===
    "granted" && Deno.uid() === 0;
const T0 = 1_500_000_000_123_456_789n;

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const p = `${dir}/${e.name}`;
      out.push(p);
      if (e.isDirectory) await visit(p);
    }
  };
  await visit(root);
  return out;
}

/** Gives every entry of `root`, and `root`, the modification time T0. */
async function normalizeMtimes(root: string): Promise<void> {
  const paths = await walk(root);
  paths.sort((a, b) => b.split("/").length - a.split("/").length);
  for (const p of [...paths, root]) await setMtimeNs(p, T0);
}

/**
 * Builds the same tree twice with `setup`, applies `mutate` to the second
 * copy, normalizes the times of both, applies `after` (for time changes) and
 * returns the differences.
 */
async function diffAfter(
  setup: (root: string) => Promise<void>,
  mutate: (b: string) => Promise<void>,
  options: Parameters<typeof compareTrees>[2] = {},
  after: (b: string) => Promise<void> = async () => {},
): Promise<string[]> {
  const base = await Deno.makeTempDir({ prefix: "compare_test_" });
  try {
    const a = `${base}/a`;
    const b = `${base}/b`;
    for (const root of [a, b]) {
      await Deno.mkdir(root);
      await Deno.chmod(root, 0o755);
      await setup(root);
    }
    await mutate(b);
    await normalizeMtimes(a);
    await normalizeMtimes(b);
    await after(b);
    return await compareTrees(a, b, options);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

const text = new TextEncoder();

async function basicTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/dir/sub`, { recursive: true });
  await Deno.mkdir(`${root}/empty`);
  await Deno.writeFile(`${root}/dir/file.txt`, text.encode("hello\n"));
  await Deno.writeFile(`${root}/new\nline`, text.encode("n"));
  await Deno.chmod(`${root}/dir/file.txt`, 0o644);
  await Deno.chmod(`${root}/new\nline`, 0o644);
  await Deno.symlink("dir/file.txt", `${root}/link`);
  await Deno.symlink("nowhere", `${root}/dangling`);
}

Deno.test("identical trees give no difference", async () => {
  deepStrictEqual(await diffAfter(basicTree, async () => {}), []);
});

Deno.test("two generated trees differ only by the absolute symlink", async () => {
  const base = await Deno.makeTempDir({ prefix: "compare_test_" });
  try {
    const opts = { bigFileSize: 3 * 1024 * 1024 + 7, smallFileCount: 30 };
    await generateTree(`${base}/a`, opts);
    await generateTree(`${base}/b`, opts);
    const diffs = await compareTrees(`${base}/a`, `${base}/b`);
    deepStrictEqual(diffs.length, 1, diffs.join("\n"));
    ok(diffs[0]!.startsWith(`"links/absolute": symlink target differs`));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("missing and extra entries", async () => {
  const diffs = await diffAfter(basicTree, async (b) => {
    await Deno.remove(`${b}/dir/file.txt`);
    await Deno.writeFile(`${b}/extra`, text.encode("x"));
  });
  deepStrictEqual(diffs.sort(), [
    `"dir/file.txt": only in a (file)`,
    `"extra": only in b (file)`,
  ]);
});

Deno.test("missing empty directory and missing populated directory", async () => {
  const diffs = await diffAfter(basicTree, async (b) => {
    await Deno.remove(`${b}/empty`);
    await Deno.remove(`${b}/dir`, { recursive: true });
  });
  deepStrictEqual(diffs.sort(), [
    `"dir": only in a (directory, with 2 entries below)`,
    `"empty": only in a (directory, empty)`,
  ]);
});

Deno.test("type differences", async () => {
  const diffs = await diffAfter(basicTree, async (b) => {
    await Deno.remove(`${b}/empty`);
    await Deno.writeFile(`${b}/empty`, new Uint8Array());
    await Deno.remove(`${b}/link`);
    await Deno.writeFile(`${b}/link`, text.encode("hello\n"));
  });
  deepStrictEqual(diffs.sort(), [
    `"empty": type differs: directory != file`,
    `"link": type differs: symlink != file`,
  ]);
});

Deno.test("contents differ beyond the first block, same size", async () => {
  const size = 1024 * 1024 + 5;
  const diffs = await diffAfter(async (root) => {
    await Deno.writeFile(`${root}/big`, new Uint8Array(size).fill(7));
  }, async (b) => {
    const f = await Deno.open(`${b}/big`, { write: true });
    await f.seek(1024 * 1024 + 2, Deno.SeekMode.Start);
    await f.write(new Uint8Array([8]));
    f.close();
  });
  deepStrictEqual(diffs, [`"big": contents differ from byte offset 1048578`]);
});

Deno.test("size difference (one file a prefix of the other)", async () => {
  const diffs = await diffAfter(basicTree, async (b) => {
    await Deno.writeFile(`${b}/dir/file.txt`, text.encode("hello\nmore"));
  });
  deepStrictEqual(diffs, [
    `"dir/file.txt": size differs: 6 != 10`,
    `"dir/file.txt": contents differ from byte offset 6`,
  ]);
});

Deno.test("contents option off skips byte comparison only", async () => {
  const diffs = await diffAfter(basicTree, async (b) => {
    await Deno.writeFile(`${b}/dir/file.txt`, text.encode("HELLO\n"));
  }, { contents: false });
  deepStrictEqual(diffs, []);
});

Deno.test("permission bits, setuid included; option off", async () => {
  const mutate = async (b: string): Promise<void> => {
    await Deno.chmod(`${b}/dir/file.txt`, 0o600);
    await Deno.chmod(`${b}/dir/sub`, 0o4755);
  };
  deepStrictEqual((await diffAfter(basicTree, mutate)).sort(), [
    `"dir/file.txt": permissions differ: 0644 != 0600`,
    `"dir/sub": permissions differ: 0755 != 04755`,
  ]);
  deepStrictEqual(
    await diffAfter(basicTree, mutate, { permissions: false }),
    [],
  );
});

Deno.test("symlink targets, dangling ones included", async () => {
  const diffs = await diffAfter(basicTree, async (b) => {
    await Deno.remove(`${b}/dangling`);
    await Deno.symlink("elsewhere", `${b}/dangling`);
  });
  deepStrictEqual(diffs, [
    `"dangling": symlink target differs: "nowhere" != "elsewhere"`,
  ]);
});

Deno.test("names with a newline are shown escaped", async () => {
  const diffs = await diffAfter(basicTree, async (b) => {
    await Deno.writeFile(`${b}/new\nline`, text.encode("m"));
  });
  deepStrictEqual(diffs, [`"new\\nline": contents differ from byte offset 0`]);
});

Deno.test({
  name: "file mtime: 1 ns is a difference, tolerance accepts up to its value",
  ignore: !NS,
  fn: async () => {
    const bump = (delta: bigint) => async (b: string): Promise<void> => {
      await setMtimeNs(`${b}/dir/file.txt`, T0 + delta);
    };
    const none = async () => {};
    deepStrictEqual(await diffAfter(basicTree, none, {}, bump(1n)), [
      `"dir/file.txt": mtime differs: 1500000000.123456789 != ` +
      `1500000000.123456790 (-1 ns)`,
    ]);
    deepStrictEqual(
      await diffAfter(basicTree, none, PLAKAR_FS_ROUNDTRIP, bump(999n)),
      [],
    );
    deepStrictEqual(
      (await diffAfter(basicTree, none, PLAKAR_FS_ROUNDTRIP, bump(1000n)))
        .length,
      1,
    );
    deepStrictEqual(
      await diffAfter(basicTree, none, { fileMtimes: false }, bump(5n)),
      [],
    );
  },
});

Deno.test("file mtime difference of one second (any resolution)", async () => {
  const diffs = await diffAfter(basicTree, async () => {}, {}, async (b) => {
    await setMtimeNs(`${b}/dir/file.txt`, T0 + 1_000_000_000n);
  });
  deepStrictEqual(diffs.length, 1);
  ok(diffs[0]!.startsWith(`"dir/file.txt": mtime differs: `));
});

Deno.test("symlink mtime is compared; symlinkMtimes: false skips it", async () => {
  const after = async (b: string): Promise<void> => {
    await setMtimeNs(`${b}/link`, T0 + 2_000_000_000n);
  };
  const diffs = await diffAfter(basicTree, async () => {}, {}, after);
  deepStrictEqual(diffs.length, 1);
  ok(diffs[0]!.startsWith(`"link": mtime differs: `));
  // The target was not touched.
  deepStrictEqual(
    await diffAfter(basicTree, async () => {}, { symlinkMtimes: false }, after),
    [],
  );
});

Deno.test("directory mtime (empty one) is compared; dirMtimes: false skips it", async () => {
  const after = async (b: string): Promise<void> => {
    await setMtimeNs(`${b}/empty`, T0 - 3_000_000_000n);
  };
  const diffs = await diffAfter(basicTree, async () => {}, {}, after);
  deepStrictEqual(diffs.length, 1);
  ok(diffs[0]!.startsWith(`"empty": mtime differs: `));
  deepStrictEqual(
    await diffAfter(basicTree, async () => {}, { dirMtimes: false }, after),
    [],
  );
});

Deno.test("root attributes; rootAttributes: false skips them", async () => {
  const after = async (b: string): Promise<void> => {
    await Deno.chmod(b, 0o700);
    await setMtimeNs(b, T0 + 4_000_000_000n);
  };
  const diffs = await diffAfter(basicTree, async () => {}, {}, after);
  deepStrictEqual(diffs.length, 2);
  deepStrictEqual(diffs[0], `(root): permissions differ: 0755 != 0700`);
  ok(diffs[1]!.startsWith(`(root): mtime differs: `));
  deepStrictEqual(
    await diffAfter(
      basicTree,
      async () => {},
      { rootAttributes: false },
      after,
    ),
    [],
  );
});

Deno.test({
  name: "ownership is compared only when asked",
  ignore: !IS_ROOT,
  fn: async () => {
    const mutate = async (b: string): Promise<void> => {
      await Deno.chown(`${b}/dir/file.txt`, 65534, 65534);
    };
    deepStrictEqual(await diffAfter(basicTree, mutate), []);
    deepStrictEqual(await diffAfter(basicTree, mutate, { ownership: true }), [
      `"dir/file.txt": owner differs: 0:0 != 65534:65534`,
    ]);
  },
});

Deno.test("ignore by path prefix or predicate", async () => {
  const mutate = async (b: string): Promise<void> => {
    await Deno.remove(`${b}/dir`, { recursive: true });
    await Deno.writeFile(`${b}/extra`, text.encode("x"));
  };
  deepStrictEqual(
    await diffAfter(basicTree, mutate, { ignore: ["dir", "extra"] }),
    [],
  );
  deepStrictEqual(
    await diffAfter(basicTree, mutate, { ignore: (p) => p === "extra" }),
    [`"dir": only in a (directory, with 2 entries below)`],
  );
});

Deno.test("maxDifferences stops early", async () => {
  const setup = async (root: string): Promise<void> => {
    for (let i = 0; i < 10; i++) {
      await Deno.writeFile(`${root}/f${i}`, text.encode("a"));
    }
  };
  const diffs = await diffAfter(setup, async (b) => {
    for (let i = 0; i < 10; i++) {
      await Deno.writeFile(`${b}/f${i}`, text.encode("b"));
    }
  }, { maxDifferences: 3 });
  deepStrictEqual(diffs.length, 4);
  deepStrictEqual(diffs[3], "... stopped after 3 differences");
});

Deno.test("firstContentDifference on equal, prefix and different files", async () => {
  const dir = await Deno.makeTempDir({ prefix: "compare_test_" });
  try {
    const data = new Uint8Array(2 * 1024 * 1024 + 3).map((_, i) => i * 31);
    await Deno.writeFile(`${dir}/x`, data);
    await Deno.writeFile(`${dir}/y`, data);
    await Deno.writeFile(`${dir}/z`, data.subarray(0, 1024 * 1024));
    deepStrictEqual(await firstContentDifference(`${dir}/x`, `${dir}/y`), -1);
    deepStrictEqual(
      await firstContentDifference(`${dir}/x`, `${dir}/z`),
      1024 * 1024,
    );
    const last = 2 * 1024 * 1024 + 2;
    data[last] = data[last]! ^ 1;
    await Deno.writeFile(`${dir}/y`, data);
    deepStrictEqual(
      await firstContentDifference(`${dir}/x`, `${dir}/y`),
      2 * 1024 * 1024 + 2,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "tree mtimes are set and read back to the nanosecond",
  ignore: !NS,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "compare_test_" });
    try {
      await Deno.writeFile(`${dir}/f`, new Uint8Array());
      await Deno.symlink("f", `${dir}/l`);
      await setMtimeNs(`${dir}/f`, 981_173_106_123_456_789n);
      await setMtimeNs(`${dir}/l`, 1_012_709_106_987_654_321n);
      deepStrictEqual(await lstatMtimeNs(`${dir}/f`), 981_173_106_123_456_789n);
      deepStrictEqual(
        await lstatMtimeNs(`${dir}/l`),
        1_012_709_106_987_654_321n,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
