import assert from "node:assert/strict";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const decoder = new TextDecoder();

/** The `deno run` flags of the `build` task in deno.json, as users get them. */
async function taskFlags(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const words: string[] = config.tasks.build.command.split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  assert.equal(words.at(-1), "src/build/cli.ts");
  return words.slice(2, -1);
}

// deno task runs in the project directory and passes the caller's in INIT_CWD.
async function cli(
  args: string[],
  cwd = ROOT,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...await taskFlags(), `${ROOT}src/build/cli.ts`, ...args],
    cwd: ROOT,
    stdin: "null",
    env: { INIT_CWD: cwd, ...env },
  }).output();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

Deno.test("cli prints each connector's executable and permission flags", async () => {
  const out = await Deno.makeTempDir({ prefix: "build cli " });
  try {
    const result = await cli([
      "examples/fs",
      "--out",
      out,
      "--launcher",
      "--no-package",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const lines = result.stdout.split("\n");
    assert.ok(
      lines.some((l) =>
        /^EXECUTABLE +TYPE +PROTOCOLS +PERMISSION FLAGS +DECLARED IN MANIFEST$/
          .test(l)
      ),
      result.stdout,
    );
    for (
      const [exe, type, flags] of [
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
      ]
    ) {
      const row = new RegExp(`^${exe} +${type} +denofs +${flags} +-$`);
      assert.ok(lines.some((l) => row.test(l)), `${exe}:\n${result.stdout}`);
    }
    assert.match(
      result.stdout,
      /plakar pkg create \.\/manifest\.yaml v1\.0\.0/,
    );
    assert.match(result.stdout, /^ {2}cd '.*build cli .*' && /m);
    assert.match(
      result.stdout,
      / <permission flags> --preload stdout_guard\.js <executable>\.js \(its bundle, beside it\)$/m,
    );
    assert.ok((await Deno.stat(`${out}/denofs-storage.js`)).isFile);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("cli resolves relative paths against INIT_CWD", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const example = relative(cwd, `${ROOT}examples/fs`);
    const result = await cli(
      [example, "--out", "built", "--launcher", "--no-package", "--no-bundle"],
      cwd,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await Deno.stat(`${cwd}/built/manifest.yaml`)).isFile);
    // --no-bundle: the launchers run the entries, after the SDK's stdout
    // guard; no bundle is written.
    assert.match(
      result.stdout,
      / <permission flags> --preload stdout_guard\.js <entry>$/m,
    );
    assert.deepEqual(
      [...Deno.readDirSync(`${cwd}/built`)].map((e) => e.name).filter((
        name,
      ) => name.endsWith(".js")),
      ["stdout_guard.js"],
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("cli compile errors are one line: a DENORT_BIN of another version", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const denort = `${dir}/denort`;
    await Deno.writeTextFile(denort, "not a runtime, but says Deno/0.1.0 ");
    const result = await cli(["examples/fs", "--out", `${dir}/out`], ROOT, {
      DENORT_BIN: denort,
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^build: DENORT_BIN=".*" is the runtime of Deno 0\.1\.0 but the compiling deno is .*\n$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli --help lists the compile options", async () => {
  const result = await cli(["--help"]);
  assert.equal(result.code, 0);
  for (
    const option of [
      "--no-bundle",
      "--target",
      "--deno ",
      "--deno-version",
      "--verify-reproducible",
      "--plakar",
      "--no-package",
      "--pkg-version",
      "DENORT_BIN",
    ]
  ) {
    assert.ok(result.stdout.includes(option), option);
  }
});

Deno.test("cli reports a bad manifest as one line naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/manifest.yaml`,
      "name: bad\nconnectors:\n  - {type: importer, protocols: [fs], executable: x, entry: x.ts}\n",
    );
    const result = await cli([dir, "--out", `${dir}/out`, "--launcher"]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `build: ${dir}/manifest.yaml: connectors[0] (x): protocol "fs" is built into plakar as an importer and cannot be provided by a package\n`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli usage errors exit 2", async () => {
  for (
    const args of [[], ["examples/fs"], ["a", "b", "--out", "x"], ["--bogus"]]
  ) {
    const result = await cli(args);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(
      result.stderr,
      /Usage: deno task build <connector-dir> --out <dir> \[--launcher\]/,
    );
  }
});
