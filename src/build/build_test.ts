import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { ImporterClient } from "../../testing.ts";
import { build } from "./build.ts";
import { BuildError } from "./build_error.ts";
import { denoDir } from "./deno_cache.ts";

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
        ["denofs-importer", "importer", "--allow-read"],
        [
          "denofs-exporter",
          "exporter",
          "--allow-read --allow-write",
        ],
        [
          "denofs-storage",
          "storage",
          "--allow-read --allow-write",
        ],
      ],
    );
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(files, [
      "denofs-exporter",
      "denofs-exporter.js",
      "denofs-importer",
      "denofs-importer.js",
      "denofs-storage",
      "denofs-storage.js",
      "manifest.yaml",
      "stdout_guard.js",
    ]);
    assert.equal(result.bundled, true);
    for (const c of result.connectors) {
      assert.equal((await Deno.stat(c.path)).mode! & 0o777, 0o755);
      const script = await Deno.readTextFile(c.path);
      assert.equal(c.bundle, `${c.path}.js`);
      assert.ok(script.includes(` ${c.bundle} "$@"`), script);
      assert.ok(script.includes(`DENO_DIR=${result.denoDir}\n`), script);
      // One file: the SDK and @bufbuild/protobuf inlined, node: left out.
      const bundle = await Deno.readTextFile(c.bundle!);
      assert.match(bundle, /^\/\/ \S*src\/transport\/stdout_guard\.ts$/m);
      assert.match(bundle, /BinaryWriter/);
      const imports = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm)]
        .map((m) => m[1]!);
      assert.ok(imports.every((i) => i.startsWith("node:")), `${imports}`);
      assert.equal((await Deno.stat(c.bundle!)).mtime?.getTime(), 0);
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
    // Malformed configuration files above the bundles: deno must not read
    // them (it would refuse to start).
    await Deno.writeTextFile(`${dir}/deno.json`, "{ unfinished");
    await Deno.writeTextFile(`${dir}/package.json`, "{ unfinished");
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
    assert.match(decoder.decode(out.stderr), /^Usage: denofs-exporter\.js /);
  });
});

// A package outside this repository, importing the SDK by path, whose
// importer yields the root only, after `prelude` (module lines).
async function rootImporterPackage(
  src: string,
  name: string,
  prelude = "",
): Promise<void> {
  const mod = new URL("../../mod.ts", import.meta.url).href;
  await Deno.mkdir(src);
  // No deno.json of its own: the SDK must not need this repository's.
  await Deno.writeTextFile(
    `${src}/manifest.yaml`,
    `name: ${name}\nconnectors:\n  - {type: importer, protocols: [${name}], executable: ${name}-importer, entry: importer.ts}\n`,
  );
  await Deno.writeTextFile(
    `${src}/importer.ts`,
    `${prelude}import { runImporter } from "${mod}";
await runImporter((init) => ({
  origin: "${name}",
  type: init.proto,
  root: "/",
  async *records() {
    yield {
      pathname: "/",
      fileInfo: { name: "/", kind: "directory", size: 0, mode: 0o755, mtimeNs: 0n },
    };
  },
}));
`,
  );
}

// Builds `src` as launchers, bundled and not; runs each importer once as
// plakar would, and returns what each wrote on stderr.
async function launchersServeRoot(
  src: string,
  out: string,
  name: string,
): Promise<string[]> {
  const stderr: string[] = [];
  for (const bundle of [true, false]) {
    const { connectors } = await build(src, {
      out: `${out}-${bundle}`,
      launcher: true,
      bundle,
    });
    const importer = ImporterClient.spawn([connectors[0]!.path], {
      cwd: "/",
    });
    try {
      await importer.init(`${name}:///`);
      const entries = await importer.importAll();
      assert.deepEqual(entries.map((e) => e.record.pathname), ["/"]);
    } finally {
      assert.equal((await importer.shutdown()).code, 0);
    }
    stderr.push(importer.process.stderr);
  }
  return stderr;
}

Deno.test("build() builds a connector outside this repository that imports the SDK by path", async () => {
  await withTempDir(async (dir) => {
    await rootImporterPackage(`${dir}/kv`, "kvpath");
    await launchersServeRoot(`${dir}/kv`, `${dir}/out`, "kvpath");
  });
});

Deno.test("build() without bundling: launchers run the entry files themselves", async () => {
  await withTempDir(async (dir) => {
    const result = await build(EXAMPLE, {
      out: `${dir}/out`,
      launcher: true,
      bundle: false,
    });
    assert.equal(result.bundled, false);
    assert.deepEqual(
      [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).sort(),
      [
        "denofs-exporter",
        "denofs-importer",
        "denofs-storage",
        "manifest.yaml",
        "stdout_guard.js",
      ],
    );
    const importer = result.connectors[0]!;
    assert.equal(importer.bundle, undefined);
    const script = await Deno.readTextFile(importer.path);
    assert.ok(script.includes(` ${importer.entry} "$@"`), script);
    const out = await new Deno.Command(importer.path, {
      args: ["x"],
      stdin: "null",
    }).output();
    assert.equal(out.code, 1);
    assert.match(decoder.decode(out.stderr), /^Usage: importer\.ts /);
  });
});

Deno.test("build() launchers run the SDK's stdout guard first: what a module prints as it loads, before the SDK, goes to stderr", async () => {
  await withTempDir(async (dir) => {
    await rootImporterPackage(
      `${dir}/early`,
      "early",
      'import "./banner.ts";\n',
    );
    await Deno.writeTextFile(
      `${dir}/early/banner.ts`,
      'console.log("printed while loading");\nDeno.stdout.writeSync(new TextEncoder().encode("written while loading\\n"));\n',
    );
    const stderr = await launchersServeRoot(
      `${dir}/early`,
      `${dir}/out`,
      "early",
    );
    for (const text of stderr) {
      assert.match(text, /^printed while loading\nwritten while loading$/m);
    }
  });
});

Deno.test("build() stops with one line when a connector imports a missing module", async () => {
  await withTempDir(async (dir) => {
    const src = `${dir}/src`;
    await Deno.mkdir(src);
    await Deno.writeTextFile(
      `${src}/importer.ts`,
      'import { nothing } from "./missing.ts";\nconsole.error(nothing);\n',
    );
    await Deno.writeTextFile(
      `${src}/manifest.yaml`,
      [
        "name: broken",
        "connectors:",
        "  - type: importer",
        "    protocols: [broken]",
        "    executable: broken-importer",
        "    entry: importer.ts",
        "    location_flags: [localfs]",
      ].join("\n"),
    );
    await assert.rejects(
      () => build(src, { out: `${dir}/out`, launcher: true }),
      (e: unknown) => {
        assert.ok(e instanceof BuildError);
        assert.match(
          e.message,
          /^\S+\/importer\.ts does not type-check: \S+\/importer\.ts:\d+:\d+: TS2307 .*missing\.ts.* \((\d+ errors in all: )?run "deno check importer\.ts" in \S+ to see (every error|them)\)$/,
        );
        assert.ok(!e.message.includes("\n"), e.message);
        return true;
      },
    );
  });
});

Deno.test("build() refuses a connector that does not type-check, launchers too", async () => {
  await withTempDir(async (dir) => {
    const src = `${dir}/src`;
    await Deno.mkdir(src);
    await Deno.writeTextFile(
      `${src}/importer.ts`,
      'const size: number = "five";\nconsole.error(size);\n',
    );
    await Deno.writeTextFile(
      `${src}/manifest.yaml`,
      [
        "name: illtyped",
        "connectors:",
        "  - type: importer",
        "    protocols: [illtyped]",
        "    executable: illtyped-importer",
        "    entry: importer.ts",
      ].join("\n"),
    );
    for (const bundle of [true, false]) {
      await assert.rejects(
        () => build(src, { out: `${dir}/out`, launcher: true, bundle }),
        (e: unknown) => {
          assert.ok(e instanceof BuildError);
          assert.match(
            e.message,
            /^\S+\/importer\.ts does not type-check: \S+\/importer\.ts:\d+:\d+: TS2322 .*\((\d+ errors in all: )?run "deno check importer\.ts" in \S+ to see (every error|them)\)$/,
          );
          assert.ok(!e.message.includes("\n"), e.message);
          return true;
        },
        `bundle: ${bundle}`,
      );
    }
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
      "--allow-env=REMOTE_TOKEN",
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

// Whether this deno's runtime for this machine is already in DENO_DIR (then
// deno compile needs no download and cannot fail for want of it).
const runtimeCached = await exists(
  `${await denoDir(
    Deno.execPath(),
  )}/dl/release/v${Deno.version.deno}/denort-${Deno.build.target}.zip`,
);

Deno.test({
  name:
    "build() without launcher fails in one sentence naming DENORT_BIN when the runtime cannot be downloaded, leaving no output directory",
  ignore: runtimeCached,
  async fn() {
    await withTempDir(async (dir) => {
      // A proxy that refuses connections: the download fails, online or not.
      const proxy = ["HTTPS_PROXY", "https_proxy", "DENORT_BIN"].map((
        name,
      ) => [name, Deno.env.get(name)] as const);
      Deno.env.set("HTTPS_PROXY", "http://127.0.0.1:9");
      Deno.env.set("https_proxy", "http://127.0.0.1:9");
      Deno.env.delete("DENORT_BIN");
      try {
        await assert.rejects(
          () => build(EXAMPLE, { out: `${dir}/out` }),
          (error: unknown) => {
            assert.ok(error instanceof BuildError);
            assert.match(
              error.message,
              new RegExp(
                `^Cannot get the Deno ${
                  Deno.version.deno.replaceAll(".", "\\.")
                } runtime \\(denort\\) for ${Deno.build.target}: .*; set DENORT_BIN to a denort ${
                  Deno.version.deno.replaceAll(".", "\\.")
                } binary for ${Deno.build.target} \\(or, for a denort of another version, that version with --deno-version\\)\\.$`,
              ),
            );
            assert.ok(!error.message.includes("\n"), error.message);
            return true;
          },
        );
        // The output directory it made is gone again.
        await assert.rejects(Deno.lstat(`${dir}/out`), Deno.errors.NotFound);
      } finally {
        for (const [name, value] of proxy) {
          if (value === undefined) Deno.env.delete(name);
          else Deno.env.set(name, value);
        }
      }
    });
  },
});

Deno.test("build() refuses a DENORT_BIN of another Deno version", async () => {
  await withTempDir(async (dir) => {
    const denort = `${dir}/denort`;
    const fake = new Uint8Array(128);
    fake.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    fake.set(new TextEncoder().encode("Deno/1.0.0 "), 64);
    await Deno.writeFile(denort, fake);
    await assert.rejects(
      () => build(EXAMPLE, { out: `${dir}/out`, denort }),
      new RegExp(
        `DENORT_BIN="${denort}" is the runtime of Deno 1\\.0\\.0 but the compiling deno is ${
          Deno.version.deno.replaceAll(".", "\\.")
        }: they must be the same version`,
      ),
    );
  });
});

Deno.test("build() refuses options that do not fit launchers", async () => {
  await assert.rejects(
    () =>
      build(EXAMPLE, {
        out: "/nonexistent/out",
        launcher: true,
        targets: "all",
      }),
    /--target is for compiled builds/,
  );
  await assert.rejects(
    () =>
      build(EXAMPLE, {
        out: "/nonexistent/out",
        launcher: true,
        verifyReproducible: true,
      }),
    /--verify-reproducible is for compiled builds/,
  );
  await assert.rejects(
    () => build(EXAMPLE, { out: "/nonexistent/out", packageVersion: "1.0" }),
    /semver with a leading v/,
  );
  await assert.rejects(
    () =>
      build(EXAMPLE, {
        out: "/nonexistent/out",
        targets: ["x86_64-unknown-freebsd"],
      }),
    /"x86_64-unknown-freebsd" is not a target deno compile knows/,
  );
});

// A stand-in for a deno binary: answers --version, info, cache, and
// compile (writes a small file holding its arguments, the output's
// directory left out).
const FAKE_DENO = `#!/bin/sh
case "$1" in
  --version) echo "deno 2.7.11 (stable, release, x86_64-unknown-linux-gnu)" ;;
  info) echo '{"denoDir": "'"$FAKE_DENO_DIR"'"}' ;;
  cache) ;;
  compile)
    case " $* " in *" list-targets "*)
      echo "error: invalid value 'list-targets' for '--target <target>'" >&2
      echo "  [possible values: x86_64-unknown-linux-gnu, aarch64-unknown-linux-gnu, x86_64-pc-windows-msvc, x86_64-apple-darwin, aarch64-apple-darwin]" >&2
      exit 1 ;;
    esac
    out=""; prev=""
    for a in "$@"; do [ "$prev" = "--output" ] && out="$a"; prev="$a"; done
    printf '%s\\n' "$*" | sed "s#$out#$(basename "$out")#" > "$out"
    chmod 755 "$out" ;;
  *) exit 3 ;;
esac
`;

Deno.test("build() lays out one package per target, .exe for Windows, flags for the compiling deno", async () => {
  await withTempDir(async (dir) => {
    const deno = `${dir}/deno`;
    await Deno.writeTextFile(deno, FAKE_DENO, { mode: 0o755 });
    await Deno.chmod(deno, 0o755);
    await Deno.mkdir(`${dir}/denodir`);
    const previous = Deno.env.get("FAKE_DENO_DIR");
    Deno.env.set("FAKE_DENO_DIR", `${dir}/denodir`);
    try {
      const out = `${dir}/out`;
      const result = await build(EXAMPLE, {
        out,
        deno,
        targets: "all",
        verifyReproducible: true,
      });
      assert.equal(result.kind, "compiled");
      assert.equal(result.denoVersion, "2.7.11");
      assert.equal(result.reproducible, true);
      assert.deepEqual(
        result.packages.map((p) => [p.platform, p.target]),
        [
          ["linux_amd64", "x86_64-unknown-linux-gnu"],
          ["linux_arm64", "aarch64-unknown-linux-gnu"],
          ["windows_amd64", "x86_64-pc-windows-msvc"],
          ["darwin_amd64", "x86_64-apple-darwin"],
          ["darwin_arm64", "aarch64-apple-darwin"],
        ],
      );
      assert.deepEqual(
        [...Deno.readDirSync(out)].map((e) => e.name).sort(),
        [
          "darwin_amd64",
          "darwin_arm64",
          "linux_amd64",
          "linux_arm64",
          "windows_amd64",
        ],
      );
      const windows = result.packages[2]!;
      assert.deepEqual(windows.files.map((f) => f.name), [
        "denofs-importer.exe",
        "denofs-exporter.exe",
        "denofs-storage.exe",
      ]);
      const manifest = parseYaml(await Deno.readTextFile(windows.manifest));
      assert.equal(manifest.connectors[0].executable, "denofs-importer.exe");
      // Deno 2.7.11 serves gRPC on stdin/stdout too: the table's flags only.
      assert.deepEqual(result.connectors[0]!.flags, ["--allow-read"]);
      const args = await Deno.readTextFile(
        `${out}/darwin_arm64/denofs-importer`,
      );
      assert.match(
        args,
        /^compile --quiet --no-prompt --no-code-cache --no-config --v8-flags=--max-semi-space-size=8 --allow-read --preload (\S+\/plakar-deno-bundle-\w+\/)stdout_guard\.js --target aarch64-apple-darwin --output denofs-importer \1denofs-importer\.js\n$/,
      );
      // The bundles lived in a temporary directory, removed after.
      const bundle = args.trim().split(" ").at(-1)!;
      await assert.rejects(() => Deno.stat(bundle), Deno.errors.NotFound);
      for (const p of result.packages) {
        for (const f of p.files) {
          assert.equal(f.size, (await Deno.stat(f.path)).size);
          assert.match(f.sha256, /^[0-9a-f]{64}$/);
        }
      }

      // One target: the output directory is the package. Not bundled: the
      // entry is compiled.
      const one = await build(EXAMPLE, {
        out: `${dir}/one`,
        deno,
        targets: ["aarch64-apple-darwin"],
        bundle: false,
      });
      assert.equal(one.packages[0]!.dir, `${dir}/one`);
      assert.equal(one.manifest, `${dir}/one/manifest.yaml`);
      assert.match(
        await Deno.readTextFile(`${dir}/one/denofs-importer`),
        /^compile .* --output denofs-importer \S+\/examples\/fs\/importer\.ts\n$/,
      );
      await assert.rejects(
        () =>
          build(EXAMPLE, {
            out: `${dir}/two`,
            deno,
            targets: ["aarch64-pc-windows-msvc"],
          }),
        /Deno 2\.7\.11 cannot compile for aarch64-pc-windows-msvc/,
      );
    } finally {
      if (previous === undefined) Deno.env.delete("FAKE_DENO_DIR");
      else Deno.env.set("FAKE_DENO_DIR", previous);
    }
  });
});

Deno.test("build() refuses to write into the source directory", async () => {
  await assert.rejects(
    () => build(EXAMPLE, { out: `${EXAMPLE}/.`, launcher: true }),
    /it is the source directory/,
  );
});
