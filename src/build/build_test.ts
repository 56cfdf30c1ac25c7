import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { ImporterClient } from "../../testing.ts";
import { build } from "./build.ts";
import { BuildError } from "./build_error.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/fs", import.meta.url));
const decoder = new TextDecoder();

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "build-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("build() makes launchers and a plakar manifest for the fs example", async () => {
  await withTempDir(async (dir) => {
    const out = `${dir}/out`;
    const result = await build(EXAMPLE, { out, launcher: true });
    assert.equal(result.name, "denofs");
    assert.equal(result.out, out);
    assert.equal(result.deno, Deno.execPath());
    assert.deepEqual(
      result.connectors.map((c) => [c.executable, c.type, c.flags.join(" ")]),
      [
        ["denofs-importer", "importer", "--allow-read --allow-env=GRPC_*"],
        [
          "denofs-exporter",
          "exporter",
          "--allow-read --allow-write --allow-env=GRPC_*",
        ],
        [
          "denofs-storage",
          "storage",
          "--allow-read --allow-write --allow-env=GRPC_*",
        ],
      ],
    );
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(files, [
      "denofs-exporter",
      "denofs-importer",
      "denofs-storage",
      "manifest.yaml",
    ]);
    for (const c of result.connectors) {
      assert.equal((await Deno.stat(c.path)).mode! & 0o777, 0o755);
      const script = await Deno.readTextFile(c.path);
      assert.ok(script.includes(` ${c.entry} "$@"`), script);
      assert.ok(script.includes(`DENO_DIR=${result.denoDir}\n`), script);
    }
    const manifest = parseYaml(await Deno.readTextFile(`${out}/manifest.yaml`));
    assert.deepEqual(manifest.connectors[0], {
      type: "importer",
      protocols: ["denofs"],
      location_flags: ["localfs"],
      executable: "denofs-importer",
    });
    assert.equal(manifest.name, "denofs");
  });
});

Deno.test("build() launchers serve the connector, from any HOME and directory", async () => {
  await withTempDir(async (dir) => {
    const { connectors } = await build(EXAMPLE, {
      out: `${dir}/out`,
      launcher: true,
    });
    const data = `${dir}/data`;
    await Deno.mkdir(data);
    await Deno.writeTextFile(`${data}/hello.txt`, "hello\n");
    const importer = ImporterClient.spawn([connectors[0]!.path], {
      cwd: "/",
      env: { HOME: dir, XDG_CACHE_HOME: `${dir}/cache` },
    });
    try {
      const info = await importer.init(`denofs://${data}`);
      assert.equal(info.type, "denofs");
      const entries = await importer.importAll();
      const hello = entries.find((e) =>
        e.record.pathname === `${data}/hello.txt`
      );
      assert.equal(decoder.decode(hello?.content), "hello\n");
    } finally {
      assert.equal(
        (await importer.process.close()).code,
        0,
        importer.process.stderr,
      );
    }

    // A connector refuses arguments: the launcher passes them on.
    const out = await new Deno.Command(connectors[1]!.path, {
      args: ["--help"],
      stdin: "null",
    }).output();
    assert.equal(out.code, 1);
    assert.match(decoder.decode(out.stderr), /^Usage: exporter\.ts /);
  });
});

Deno.test("build() copies validators and extra files and shows declared permissions", async () => {
  await withTempDir(async (dir) => {
    const src = `${dir}/src`;
    await Deno.mkdir(`${src}/schema`, { recursive: true });
    await Deno.writeTextFile(`${src}/schema/config.json`, '{"type": "object"}');
    await Deno.writeTextFile(`${src}/NOTICE`, "notice\n");
    await Deno.writeTextFile(`${src}/storage.ts`, "");
    await Deno.writeTextFile(
      `${src}/manifest.yaml`,
      [
        "name: remote",
        "connectors:",
        "  - type: storage",
        "    protocols: [remote]",
        "    executable: remote-storage",
        "    entry: storage.ts",
        "    validator: schema/config.json",
        "    extra_files: [NOTICE]",
        "    permissions:",
        "      net: [store.example:443]",
        "      env: [REMOTE_TOKEN]",
      ].join("\n"),
    );
    const result = await build(src, { out: `${dir}/out`, launcher: true });
    assert.deepEqual(result.connectors[0]?.flags, [
      "--allow-net",
      "--allow-env=GRPC_*,REMOTE_TOKEN",
    ]);
    assert.deepEqual(result.connectors[0]?.declaredFlags, [
      "--allow-net=store.example:443",
      "--allow-env=REMOTE_TOKEN",
    ]);
    assert.equal(
      await Deno.readTextFile(`${dir}/out/schema/config.json`),
      '{"type": "object"}',
    );
    assert.equal(await Deno.readTextFile(`${dir}/out/NOTICE`), "notice\n");
    const manifest = parseYaml(
      await Deno.readTextFile(`${dir}/out/manifest.yaml`),
    );
    assert.deepEqual(manifest.connectors[0], {
      type: "storage",
      validator: "schema/config.json",
      protocols: ["remote"],
      executable: "remote-storage",
      extra_files: ["NOTICE"],
    });
  });
});

Deno.test("build() without launcher says compiled builds do not exist yet", async () => {
  await assert.rejects(
    () => build(EXAMPLE, { out: "/nonexistent/out" }),
    (error: unknown) => {
      assert.ok(error instanceof BuildError);
      assert.match(error.message, /not implemented yet: pass --launcher/);
      return true;
    },
  );
});

Deno.test("build() refuses to write into the source directory", async () => {
  await assert.rejects(
    () => build(EXAMPLE, { out: `${EXAMPLE}/.`, launcher: true }),
    /it is the source directory/,
  );
});
