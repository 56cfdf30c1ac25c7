import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { BuildError } from "./build_error.ts";
import { bundleConnector } from "./bundle.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/fs", import.meta.url));

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "bundle-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("bundleConnector() gives the same bytes and time for the same sources", async () => {
  await withTempDir(async (dir) => {
    const paths = [`${dir}/a/x.js`, `${dir}/b/x.js`];
    for (const output of paths) {
      await bundleConnector({
        deno: Deno.execPath(),
        entry: `${EXAMPLE}/storage.ts`,
        output,
        check: false,
        cwd: EXAMPLE,
      });
    }
    const [a, b] = await Promise.all(paths.map((p) => Deno.readFile(p)));
    assert.ok(a!.byteLength > 10_000);
    assert.deepEqual(a, b);
    for (const p of paths) {
      assert.equal((await Deno.stat(p)).mtime?.getTime(), 0);
    }
    // npm modules by name, not by their place in Deno's cache.
    const text = new TextDecoder().decode(a);
    assert.match(
      text,
      /^\/\/ npm:@bufbuild\/protobuf\/[\d.]+\/dist\/\S+\.js$/m,
    );
    assert.doesNotMatch(text, /registry\.npmjs\.org/);
  });
});

Deno.test("bundleConnector() names CommonJS npm modules by package, not by Deno's cache", async () => {
  await withTempDir(async (dir) => {
    // yaml is CommonJS for Deno: its modules are keyed by path in the bundle.
    await Deno.writeTextFile(
      `${dir}/entry.ts`,
      'import { parse } from "npm:yaml@^2.8.0";\nDeno.stderr.writeSync(new TextEncoder().encode(JSON.stringify(parse("a: 1"))));\n',
    );
    await bundleConnector({
      deno: Deno.execPath(),
      entry: `${dir}/entry.ts`,
      output: `${dir}/out.js`,
      check: false,
      cwd: dir,
    });
    const text = await Deno.readTextFile(`${dir}/out.js`);
    assert.match(text, /"npm:yaml\/[\d.]+\/dist\/\S+\.js"/);
    assert.doesNotMatch(text, /registry\.npmjs\.org/);
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-env", `${dir}/out.js`],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(run.stderr), '{"a":1}');
  });
});

Deno.test("bundleConnector() type-checks only when asked, and fails in one line", async () => {
  await withTempDir(async (dir) => {
    const entry = `${dir}/importer.ts`;
    await Deno.writeTextFile(
      entry,
      'const n: number = "one";\nexport { n };\n',
    );
    const options = {
      deno: Deno.execPath(),
      entry,
      output: `${dir}/out.js`,
      cwd: dir,
    };
    await bundleConnector({ ...options, check: false });
    assert.match(await Deno.readTextFile(`${dir}/out.js`), /"one"/);
    await assert.rejects(
      () => bundleConnector({ ...options, check: true }),
      (e: unknown) => {
        assert.ok(e instanceof BuildError);
        assert.match(
          e.message,
          /^\S+\/importer\.ts does not type-check: \S+\/importer\.ts:\d+:\d+: TS2322 .*not assignable to type 'number'.* \((\d+ errors in all: )?run "deno check importer\.ts" in \S+ to see (every error|them)\)$/,
        );
        assert.ok(!e.message.includes("\n"), e.message);
        return true;
      },
    );
  });
});

Deno.test("bundleConnector() names a deno that cannot be run", async () => {
  await assert.rejects(
    () =>
      bundleConnector({
        deno: "/nonexistent/deno",
        entry: `${EXAMPLE}/importer.ts`,
        output: "/nonexistent/out.js",
        check: false,
        cwd: EXAMPLE,
      }),
    /^BuildError: Cannot run "\/nonexistent\/deno" to bundle \S+\/importer\.ts: /,
  );
});
