import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  compileArgs,
  compileFailure,
  type CompileOptions,
  compileTarget,
  DENO_TARGETS,
  denoInfo,
  digestFile,
  givenRuntime,
  identifyRuntime,
  npmCacheMarkers,
  parseDenoVersion,
  platformName,
  supportedTargets,
} from "./compile.ts";
import { BuildError } from "./build_error.ts";
import { denoDir } from "./deno_cache.ts";

const encoder = new TextEncoder();

function options(overrides: Partial<CompileOptions> = {}): CompileOptions {
  return {
    deno: {
      path: "/bin/deno",
      version: "2.7.11",
      target: "x86_64-unknown-linux-gnu",
    },
    entry: "/src/conn/importer.ts",
    permissionFlags: ["--allow-read", "--allow-env=APP_TOKEN"],
    target: compileTarget("x86_64-unknown-linux-gnu"),
    output: "/out/conn-importer",
    ...overrides,
  };
}

Deno.test("DENO_TARGETS maps Deno's six targets to plakar's GOOS_GOARCH", () => {
  assert.deepEqual(
    DENO_TARGETS.map((t) => [t.triple, platformName(t), t.suffix]),
    [
      ["x86_64-unknown-linux-gnu", "linux_amd64", ""],
      ["aarch64-unknown-linux-gnu", "linux_arm64", ""],
      ["x86_64-pc-windows-msvc", "windows_amd64", ".exe"],
      ["aarch64-pc-windows-msvc", "windows_arm64", ".exe"],
      ["x86_64-apple-darwin", "darwin_amd64", ""],
      ["aarch64-apple-darwin", "darwin_arm64", ""],
    ],
  );
  assert.throws(() => compileTarget("all"), BuildError);
});

Deno.test("parseDenoVersion() reads deno --version", () => {
  assert.deepEqual(
    parseDenoVersion(
      "deno 2.9.6 (stable, release, aarch64-apple-darwin)\nv8 15.0\ntypescript 6.0.3\n",
    ),
    { version: "2.9.6", target: "aarch64-apple-darwin" },
  );
  assert.equal(parseDenoVersion("node v22.0.0"), undefined);
});

Deno.test("denoInfo() and supportedTargets() ask the deno binary", async () => {
  const info = await denoInfo(Deno.execPath());
  assert.deepEqual(info, {
    path: Deno.execPath(),
    version: Deno.version.deno,
    target: Deno.build.target,
  });
  const targets = await supportedTargets(Deno.execPath());
  assert.ok(targets.includes("x86_64-unknown-linux-gnu"), targets.join());
  assert.ok(targets.includes("aarch64-apple-darwin"), targets.join());
  await assert.rejects(() => denoInfo("/nonexistent/deno"), BuildError);
});

Deno.test("identifyRuntime() reads ELF, Mach-O and PE headers and the version", () => {
  const version = encoder.encode("xx Deno/2.9.6 yy");
  const elf = (machine: number) => {
    const bytes = new Uint8Array(128);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    new DataView(bytes.buffer).setUint16(0x12, machine, true);
    bytes.set(version, 80);
    return bytes;
  };
  assert.deepEqual(identifyRuntime(elf(0xb7)), {
    target: "aarch64-unknown-linux-gnu",
    version: "2.9.6",
  });
  const macho = new Uint8Array(128);
  new DataView(macho.buffer).setUint32(0, 0xfeedfacf, true);
  new DataView(macho.buffer).setUint32(4, 0x0100000c, true);
  assert.deepEqual(identifyRuntime(macho), { target: "aarch64-apple-darwin" });
  const pe = new Uint8Array(256);
  pe.set([0x4d, 0x5a]);
  const view = new DataView(pe.buffer);
  view.setUint32(0x3c, 0x80, true);
  view.setUint32(0x80, 0x50450000);
  view.setUint16(0x84, 0x8664, true);
  assert.deepEqual(identifyRuntime(pe), { target: "x86_64-pc-windows-msvc" });
  assert.deepEqual(
    identifyRuntime(encoder.encode("Deno/ Deno/1.2.3.4 Deno/2.0.1")),
    {
      version: "2.0.1",
    },
  );
  assert.deepEqual(identifyRuntime(new Uint8Array(3)), {});
});

Deno.test("givenRuntime() checks the version against the compiling deno", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/denort`, "... Deno/2.7.11 ...");
    assert.deepEqual(await givenRuntime(`${dir}/denort`, "2.7.11"), {
      path: `${dir}/denort`,
      version: "2.7.11",
    });
    await assert.rejects(
      () => givenRuntime(`${dir}/denort`, "2.9.6"),
      /is the runtime of Deno 2\.7\.11 but the compiling deno is 2\.9\.6/,
    );
    await assert.rejects(
      () => givenRuntime(`${dir}/missing`, "2.9.6"),
      /^BuildError: DENORT_BIN=".*missing" cannot be read/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compileArgs() excludes files and keeps the permission flags as given", () => {
  const args = compileArgs(options({
    exclude: ["/cache/npm/a/1.0.0/.scripts-warned-1"],
    include: ["/src/conn"],
    target: compileTarget("x86_64-pc-windows-msvc"),
    output: "/out/conn-importer.exe",
  }));
  assert.deepEqual(args, [
    "compile",
    "--quiet",
    "--no-prompt",
    "--no-code-cache",
    "--include",
    "/src/conn",
    "--exclude",
    "/cache/npm/a/1.0.0/.scripts-warned-1",
    "--v8-flags=--max-semi-space-size=8",
    "--allow-read",
    "--allow-env=APP_TOKEN",
    "--target",
    "x86_64-pc-windows-msvc",
    "--output",
    "/out/conn-importer.exe",
    "/src/conn/importer.ts",
  ]);
  // A bundle: no configuration file is looked for.
  assert.deepEqual(
    compileArgs(options({ noConfig: true })).slice(0, 5),
    ["compile", "--quiet", "--no-prompt", "--no-code-cache", "--no-config"],
  );
});

Deno.test("compileFailure() is one sentence naming DENORT_BIN when denort is missing", () => {
  const stderr = [
    "error: Writing deno compile executable to temporary file '/out/x.tmp-1'",
    "",
    "Caused by:",
    "    0: Setting up base binary.",
    "    1: error sending request for url (https://dl.deno.land/release/v2.7.11/denort-aarch64-apple-darwin.zip): client error (Connect)",
    "",
    "Stack backtrace:",
    "   0: <unknown>",
  ].join("\n");
  assert.equal(
    compileFailure(
      stderr,
      options({
        target: compileTarget("aarch64-apple-darwin"),
        denort: {
          path: "/r/denort",
          target: "x86_64-unknown-linux-gnu",
          version: "2.7.11",
        },
      }),
    ),
    "Cannot get the Deno 2.7.11 runtime (denort) for aarch64-apple-darwin: https://dl.deno.land/release/v2.7.11/denort-aarch64-apple-darwin.zip cannot be downloaded; set DENORT_BIN to a denort 2.7.11 binary for aarch64-apple-darwin (DENORT_BIN is the runtime for x86_64-unknown-linux-gnu, so it serves only that target: build aarch64-apple-darwin separately with --target).",
  );
  const other = compileFailure(
    'error: Module not found "file:///src/conn/missing.ts".\n    at file:///src/conn/importer.ts:1:8\n\nStack backtrace:\n   0: <unknown>\n',
    options(),
  );
  assert.equal(
    other,
    'deno compile of /src/conn/importer.ts for x86_64-unknown-linux-gnu failed: error: Module not found "file:///src/conn/missing.ts".',
  );
});

Deno.test("npmCacheMarkers() finds only Deno's .scripts-warned files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pkg = `${dir}/npm/registry.npmjs.org/protobufjs/7.6.6`;
    await Deno.mkdir(`${pkg}/dist`, { recursive: true });
    await Deno.writeTextFile(`${pkg}/.scripts-warned-2`, "");
    await Deno.writeTextFile(`${pkg}/.scripts-warned-1`, "");
    await Deno.writeTextFile(`${pkg}/.npmignore`, "");
    await Deno.writeTextFile(`${pkg}/dist/.scripts-warned-3`, "");
    await Deno.writeTextFile(
      `${dir}/npm/registry.npmjs.org/protobufjs/registry.json`,
      "{}",
    );
    assert.deepEqual(await npmCacheMarkers(dir), [
      `${pkg}/.scripts-warned-1`,
      `${pkg}/.scripts-warned-2`,
    ]);
    assert.deepEqual(await npmCacheMarkers(`${dir}/nothing`), []);
    // The real cache, whatever it holds, is walked without error.
    await npmCacheMarkers(await denoDir(Deno.execPath()));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("digestFile() hashes a file larger than one read", async () => {
  const path = await Deno.makeTempFile();
  try {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => i % 251);
    await Deno.writeFile(path, bytes);
    const expected = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    assert.deepEqual(await digestFile(path), {
      size: bytes.length,
      sha256: expected,
    });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("compile.ts imports nothing that needs permissions at load", async () => {
  // The build task loads it: the permission table must not bring along
  // anything (such as the SDK's runtime) that needs a permission at load.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      fileURLToPath(new URL("./permissions.ts", import.meta.url)),
    ],
    stdin: "null",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
});
