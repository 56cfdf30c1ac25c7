/**
 * End-to-end tests against the real plakar v1.1.4: the `denofs` example
 * package is built with `deno task build`, packaged with `plakar pkg
 * create`, installed with `plakar pkg add`, and used by plakar itself as
 * importer, exporter and repository storage.
 *
 * ```sh
 * deno task e2e                      # = deno test -A tests/e2e/plakar_e2e.ts
 * PLAKAR_BIN=/path/to/plakar deno task e2e
 * deno task e2e:compiled             # the same scenarios, compiled binaries
 * ```
 *
 * Two builds (`E2E_BUILD`):
 *
 * - `launcher` (the default): `--launcher` executables, which run the
 *   sources with the deno that ran the build;
 * - `compiled`: `deno compile` binaries made by Deno `E2E_DENO_VERSION`
 *   (default 2.7.11, the one release whose runtime can be had offline),
 *   with `DENORT_BIN`, or else the runtime `../shared/tools/offline-denort/
 *   provision` prints when it is there. Each binary is compiled twice and
 *   must be byte-identical, must not contain the sources' path, and is
 *   copied into a fresh directory before packaging; plakar then runs with
 *   no `deno` on `PATH` and an empty `DENO_DIR`. With `E2E_HIDE_SOURCES=1`
 *   (CI, on its throwaway clone) `examples/fs` is also moved away while the
 *   scenarios run.
 *
 * plakar comes from `PLAKAR_BIN` when that file exists, otherwise from
 * `tools/install_plakar.sh` (which reuses or builds one). Every scenario has
 * its own plakar home (`HOME` and `XDG_*_HOME`, not `-datadir`: the `cached`
 * daemon plakar spawns only receives `-cachedir`) and its own repository;
 * the package and the generated tree are shared. The name does not end in
 * `_test.ts`, so `deno task test` leaves it out.
 *
 * Modification times: the tree has whole-millisecond times (Deno sets and
 * reads times to the millisecond; `compare.ts` reads nanoseconds through
 * FFI), so every comparison is exact, plakar's built-in fs exporter's
 * rounding up to the microsecond included.
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  DENO_VERSION,
  denortBin,
  fileContains,
  movePackage,
  pathWithoutDeno,
} from "./_compiled.ts";
import { excludeCase } from "../_helpers.ts";
import { compareTrees } from "./compare.ts";
import { generateTree } from "./tree.ts";
import { type Output, run as runCommand } from "../../tools/run_command.ts";

const ROOT_DIR = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = `${ROOT_DIR}examples/fs`;
const COMPILED = Deno.env.get("E2E_BUILD") === "compiled";
const MODE = COMPILED ? "compiled" : "launcher";

const encoder = new TextEncoder();
const MIB = 1024 * 1024;

function log(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

// ---------------------------------------------------------------------------
// Timings.

interface ScenarioTiming {
  name: string;
  ms: number;
  steps: [string, number][];
}

const timings: ScenarioTiming[] = [];

/** Times the steps of one scenario and prints them when it ends. */
class Stopwatch {
  readonly #name: string;
  readonly #start = performance.now();
  readonly #steps: [string, number][] = [];

  constructor(name: string) {
    this.#name = name;
  }

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.#steps.push([name, performance.now() - t0]);
    }
  }

  done(): void {
    const ms = performance.now() - this.#start;
    timings.push({ name: this.#name, ms, steps: this.#steps });
    log(
      `${this.#name}: ${seconds(ms)} s (${
        this.#steps.map(([n, t]) => `${n} ${seconds(t)}`).join(", ")
      })`,
    );
  }
}

// ---------------------------------------------------------------------------
// Processes.

async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Output> {
  return await runCommand(command, args, {
    ...options,
    ...(command === "setpriv"
      ? {
        hint:
          "util-linux; needed to run plakar as root without CAP_DAC_OVERRIDE",
      }
      : {}),
  });
}

function describe(what: string, out: Output): string {
  return `${what} exited ${out.code}\n--- stdout\n${
    out.stdout.slice(-4000)
  }\n--- stderr\n${out.stderr.slice(-4000)}`;
}

function koLines(out: Output): string[] {
  return out.stderr.split("\n").filter((line) => line.includes(" KO "));
}

// The capabilities that let root read a mode-000 file.
const DROP_DAC = [
  "--bounding-set=-dac_override,-dac_read_search",
  "--inh-caps=-dac_override,-dac_read_search",
];

/**
 * What plakar runs with besides its home: for compiled builds, a `PATH`
 * without any `deno` and a `DENO_DIR` that does not exist.
 */
let connectorEnv: Record<string, string> = {};

/** One isolated plakar home. */
class PlakarHome {
  readonly dir: string;
  readonly #bin: string;

  private constructor(dir: string, bin: string) {
    this.dir = dir;
    this.#bin = bin;
  }

  /** A fresh home under `parent`, first-run banner done, denofs installed. */
  static async create(
    parent: string,
    name: string,
    bin: string,
    ptar?: string,
  ): Promise<PlakarHome> {
    const dir = `${parent}/${name}`;
    for (const sub of ["home", "cache", "data", "config"]) {
      await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
    }
    const home = new PlakarHome(dir, bin);
    await home.ok(["-disable-security-check"]);
    if (ptar !== undefined) await home.ok(["pkg", "add", ptar]);
    return home;
  }

  get env(): Record<string, string> {
    return {
      HOME: `${this.dir}/home`,
      XDG_CACHE_HOME: `${this.dir}/cache`,
      XDG_DATA_HOME: `${this.dir}/data`,
      XDG_CONFIG_HOME: `${this.dir}/config`,
      DENO_NO_UPDATE_CHECK: "1",
      ...connectorEnv,
    };
  }

  /** Runs plakar; with `dropDac`, without the capabilities to bypass modes. */
  run(
    args: string[],
    options: { cwd?: string; dropDac?: boolean } = {},
  ): Promise<Output> {
    const env = this.env;
    const cwd = options.cwd ?? this.dir;
    return options.dropDac
      ? run("setpriv", [...DROP_DAC, this.#bin, ...args], { cwd, env })
      : run(this.#bin, args, { cwd, env });
  }

  /** Runs plakar and fails the test unless it exits 0. */
  async ok(
    args: string[],
    options: { cwd?: string; dropDac?: boolean } = {},
  ): Promise<Output> {
    const out = await this.run(args, options);
    assert.equal(out.code, 0, describe(`plakar ${args.join(" ")}`, out));
    return out;
  }

  /**
   * Backs up `location` into `repo`, with `flags` before the location;
   * returns the snapshot id.
   */
  async backup(
    repo: string,
    location: string,
    options: {
      dropDac?: boolean;
      errors?: number;
      flags?: string[];
      /** What plakar may warn about (stderr is otherwise empty). */
      warnings?: RegExp;
    } = {},
  ): Promise<{ id: string; out: Output }> {
    const out = await this.ok(
      ["-quiet", "at", repo, "backup", ...options.flags ?? [], location],
      options,
    );
    const match = out.stdout.match(
      /^([0-9a-f]{8}): backup completed (without errors|with (\d+) errors?)/m,
    );
    assert.ok(match, describe(`plakar backup ${location}`, out));
    assert.equal(
      Number(match[3] ?? 0),
      options.errors ?? 0,
      describe(`plakar backup ${location}`, out),
    );
    if (!options.errors) {
      // Nothing from plakar nor from the connectors (warnings, stray logs).
      const unexpected = out.stderr.split("\n").filter((line) =>
        line !== "" && !options.warnings?.test(line)
      );
      assert.deepEqual(
        unexpected,
        [],
        describe(`plakar backup ${location}`, out),
      );
    }
    return { id: match[1]!, out };
  }

  /** Checks `repo`, which must have no error. */
  async check(repo: string): Promise<void> {
    const out = await this.ok(["-quiet", "at", repo, "check"]);
    assert.match(out.stdout, /check completed without errors/);
    assert.equal(out.stderr, "", describe("plakar check", out));
  }

  /** Restores snapshot `id` of `repo` to `to`, which must have no error. */
  async restore(repo: string, id: string, to: string): Promise<void> {
    const out = await this.ok(["-quiet", "at", repo, "restore", "-to", to, id]);
    assert.equal(out.stderr, "", describe("plakar restore", out));
  }

  /** The importer type plakar recorded for snapshot `id`. */
  async importerType(repo: string, id: string): Promise<string | undefined> {
    const out = await this.ok(["at", repo, "info", id]);
    return out.stdout.match(/^Importer:\n - Type: (\S+)$/m)?.[1];
  }
}

// ---------------------------------------------------------------------------
// Shared set-up: plakar, the package, the tree. Made once, on first use.

interface Setup {
  work: string;
  plakar: string;
  ptar: string;
  tree: string;
}

let failed = false;
let setup: Promise<Setup> | undefined;

async function findPlakar(): Promise<string> {
  const given = Deno.env.get("PLAKAR_BIN");
  if (given !== undefined && given !== "") {
    try {
      if ((await Deno.stat(given)).isFile) return given;
    } catch { /* install_plakar.sh installs it there */ }
  }
  const out = await run("bash", [`${ROOT_DIR}tools/install_plakar.sh`]);
  assert.equal(out.code, 0, describe("tools/install_plakar.sh", out));
  const path = out.stdout.trim().split("\n").at(-1);
  assert.ok(path, describe("tools/install_plakar.sh", out));
  return path;
}

async function buildPackage(work: string, plakar: string): Promise<string> {
  const out = COMPILED ? await buildCompiled(work) : await buildLaunchers(work);
  const manifest = await Deno.readTextFile(`${out}/manifest.yaml`);
  assert.doesNotMatch(manifest, /^\s*(entry|permissions):/m);

  const home = await PlakarHome.create(work, "pkg-home", plakar);
  const created = await home.ok(
    ["pkg", "create", "./manifest.yaml", "v1.0.0"],
    {
      cwd: out,
    },
  );
  const ptar = created.stdout.match(/Plugin created successfully: (.+\.ptar)$/m)
    ?.[1];
  assert.ok(ptar, describe("plakar pkg create", created));
  return ptar;
}

const EXECUTABLES = ["denofs-importer", "denofs-exporter", "denofs-storage"];

async function buildLaunchers(work: string): Promise<string> {
  const out = `${work}/pkg`;
  const built = await run(
    Deno.execPath(),
    ["task", "build", EXAMPLE, "--out", out, "--launcher", "--no-package"],
    { cwd: ROOT_DIR },
  );
  assert.equal(built.code, 0, describe("deno task build", built));
  for (const name of EXECUTABLES) {
    assert.match(built.stdout, new RegExp(`^${name} `, "m"));
    const info = await Deno.stat(`${out}/${name}`);
    assert.equal(info.mode! & 0o111, 0o111, `${name} is not executable`);
  }
  const importer = await Deno.readTextFile(`${out}/denofs-importer`);
  assert.match(importer, / --allow-read /);
  assert.doesNotMatch(importer, /--allow-write|--allow-net|--allow-env/);
  return out;
}

async function buildCompiled(work: string): Promise<string> {
  const built = `${work}/built`;
  const denort = await denortBin();
  const args = [
    "task",
    "build",
    EXAMPLE,
    "--out",
    built,
    "--deno-version",
    DENO_VERSION,
    "--verify-reproducible",
    "--no-package",
  ];
  // The build compiles bundles written in the temporary directory: malformed
  // configuration files above it must not be read.
  const tmp = `${work}/tmp/dir`;
  await Deno.mkdir(tmp, { recursive: true });
  await Deno.writeTextFile(`${work}/tmp/deno.json`, "{ unfinished");
  await Deno.writeTextFile(`${work}/tmp/package.json`, "{ unfinished");
  const result = await run(Deno.execPath(), args, {
    cwd: ROOT_DIR,
    env: {
      TMPDIR: tmp,
      ...(denort !== undefined ? { DENORT_BIN: denort } : {}),
    },
  });
  assert.equal(result.code, 0, describe("deno task build (compiled)", result));
  log(result.stdout.trimEnd());
  for (
    const [name, flags] of [
      ["denofs-importer", "--allow-read"],
      ["denofs-exporter", "--allow-read --allow-write"],
      ["denofs-storage", "--allow-read --allow-write"],
    ]
  ) {
    const row = new RegExp(
      `^${name} +\\S+ +denofs +${flags} +-$`,
      "m",
    );
    assert.match(result.stdout, row);
    assert.match(
      result.stdout,
      new RegExp(
        `^\\S+ +${name} +[\\d.]+ MiB \\(\\d+ B\\) +[0-9a-f]{64}$`,
        "m",
      ),
    );
  }
  assert.match(result.stdout, /^Reproducible: /m);

  // The package alone, in a directory of its own.
  const out = `${work}/pkg`;
  await movePackage(built, out);
  for (const name of EXECUTABLES) {
    const path = `${out}/${name}`;
    const head = (await Deno.readFile(path)).subarray(0, 4);
    assert.deepEqual([...head], [0x7f, 0x45, 0x4c, 0x46], `${name} is not ELF`);
    assert.ok(
      !await fileContains(path, ROOT_DIR),
      `${name} contains the path of the sources ${ROOT_DIR}`,
    );
  }
  connectorEnv = {
    PATH: await pathWithoutDeno(),
    DENO_DIR: `${work}/no-deno-dir`,
  };
  const which = await run("sh", ["-c", "command -v deno"], {
    env: connectorEnv,
  });
  assert.notEqual(which.code, 0, `deno is on plakar's PATH: ${which.stdout}`);
  if (Deno.env.get("E2E_HIDE_SOURCES") === "1") await hideSources();
  return out;
}

// examples/fs moved away while the scenarios run (CI's throwaway clone).
const HIDDEN = `${ROOT_DIR}examples/.fs-hidden-by-e2e`;
let hidden = false;

async function hideSources(): Promise<void> {
  await Deno.rename(EXAMPLE, HIDDEN);
  hidden = true;
  globalThis.addEventListener("unload", () => restoreSources());
  log(`moved ${EXAMPLE} to ${HIDDEN} while the scenarios run`);
}

function restoreSources(): void {
  if (!hidden) return;
  Deno.renameSync(HIDDEN, EXAMPLE);
  hidden = false;
}

function getSetup(): Promise<Setup> {
  setup ??= (async () => {
    const t0 = performance.now();
    const work = await Deno.makeTempDir({ prefix: "plakar-e2e-" });
    const plakar = await findPlakar();
    const version = await run(plakar, [
      "-cachedir",
      `${work}/v/c`,
      "-datadir",
      `${work}/v/d`,
      "-configdir",
      `${work}/v/f`,
      "version",
    ]);
    assert.match(
      version.stdout,
      /plakar\/v1\.1\.4/,
      describe("plakar version", version),
    );
    const t1 = performance.now();
    const ptar = await buildPackage(work, plakar);
    const t2 = performance.now();
    const tree = `${work}/tree`;
    await generateTree(tree, { mtimePrecision: "ms" });
    const t3 = performance.now();
    log(
      `set-up in ${work}: plakar ${plakar} (${
        seconds(t1 - t0)
      } s), ${MODE} build + pkg create ${seconds(t2 - t1)} s, tree ${
        seconds(t3 - t2)
      } s`,
    );
    return { work, plakar, ptar, tree };
  })();
  return setup;
}

/** Runs a scenario: marks the run failed if it throws, times it. */
function scenario(
  name: string,
  fn: (s: Setup, watch: Stopwatch) => Promise<void>,
): void {
  Deno.test({
    name: COMPILED ? `${name} [compiled]` : name,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      try {
        const s = await getSetup();
        const watch = new Stopwatch(name);
        await fn(s, watch);
        watch.done();
      } catch (error) {
        failed = true;
        throw error;
      }
    },
  });
}

async function assertSameTree(a: string, b: string): Promise<void> {
  const diffs = await compareTrees(a, b);
  assert.deepEqual(diffs, [], `${a} and ${b} differ:\n${diffs.join("\n")}`);
}

// ---------------------------------------------------------------------------
// Scenarios.

scenario(
  "denofs importer: backup, check, restore with plakar's fs exporter, identical tree",
  async ({ work, plakar, ptar, tree }, watch) => {
    const home = await PlakarHome.create(work, "s1", plakar, ptar);
    const repo = `${home.dir}/repo`;
    await home.ok(["at", repo, "create", "-plaintext"]);
    const { id } = await watch.step(
      "backup",
      () => home.backup(repo, `denofs://${tree}`),
    );
    assert.equal(await home.importerType(repo, id), "denofs");
    await watch.step("check", () => home.check(repo));
    const restored = `${home.dir}/restored`;
    await watch.step("restore", () => home.restore(repo, id, restored));
    await watch.step("compare", () => assertSameTree(tree, restored));

    // Same records as plakar's own fs importer, as plakar lists them.
    const fs = await watch.step("fs backup", () => home.backup(repo, tree));
    const ls = (snapshot: string) =>
      home.ok(["at", repo, "ls", "-recursive", `${snapshot}:${tree}`]);
    const [ours, theirs] = await watch.step(
      "ls",
      () => Promise.all([ls(id), ls(fs.id)]),
    );
    assert.ok(ours.stdout.split("\n").length > 10_000);
    assert.equal(ours.stdout, theirs.stdout);
  },
);

scenario(
  "denofs importer: -ignore leaves out what it leaves out with plakar's fs importer",
  async ({ work, plakar, ptar }, watch) => {
    const home = await PlakarHome.create(work, "s5", plakar, ptar);
    const repo = `${home.dir}/repo`;
    await home.ok(["at", repo, "create", "-plaintext"]);
    const src = `${home.dir}/src`;
    const { patterns, kept } = await excludeCase(src);
    const flags = patterns.flatMap((pattern) => ["-ignore", pattern]);
    const backup = async (location: string) =>
      (await home.backup(repo, location, { flags })).id;
    const ours = await watch.step("backup", () => backup(`denofs://${src}`));
    const theirs = await watch.step("fs backup", () => backup(src));
    const ls = async (id: string) =>
      (await home.ok(["at", repo, "ls", "-recursive", `${id}:${src}`])).stdout
        .split("\n").map((line) => line.split(" ").pop()).filter((p) => p);
    const listed = await ls(ours);
    assert.deepEqual(listed, await ls(theirs));
    assert.deepEqual(listed, kept);
  },
);

scenario(
  "denofs exporter: restore a plakar fs snapshot, identical tree",
  async ({ work, plakar, ptar, tree }, watch) => {
    const home = await PlakarHome.create(work, "s2", plakar, ptar);
    const repo = `${home.dir}/repo`;
    await home.ok(["at", repo, "create", "-plaintext"]);
    const { id } = await watch.step("fs backup", () => home.backup(repo, tree));
    const restored = `${home.dir}/restored`;
    await watch.step(
      "restore",
      () => home.restore(repo, id, `denofs://${restored}`),
    );
    await watch.step("compare", () => assertSameTree(tree, restored));
  },
);

scenario(
  "denofs storage: create, backup, check, ls, restore, identical tree",
  async ({ work, plakar, ptar, tree }, watch) => {
    const home = await PlakarHome.create(work, "s3", plakar, ptar);
    const holder = `${home.dir}/holder`;
    await Deno.mkdir(holder);
    await Deno.writeTextFile(`${holder}/notes.txt`, "beside the repository\n");
    const dir = `${holder}/repo`;
    const repo = `denofs://${dir}`;
    await watch.step(
      "create",
      () => home.ok(["at", repo, "create", "-plaintext"]),
    );
    assert.ok((await Deno.stat(`${dir}/CONFIG`)).isFile);
    const { id } = await watch.step("backup", () => home.backup(repo, tree));
    const packfiles = [...Deno.readDirSync(`${dir}/packfile`)];
    assert.ok(packfiles.length > 0, "no packfile stored through denofs");
    await watch.step("check", () => home.check(repo));
    const ls = await watch.step("ls", () => home.ok(["at", repo, "ls"]));
    assert.match(ls.stdout, new RegExp(`\\b${id}\\b.*${tree}$`, "m"));
    const restored = `${home.dir}/restored`;
    await watch.step("restore", () => home.restore(repo, id, restored));
    await watch.step("compare", () => assertSameTree(tree, restored));
    // A backup of the directory that holds the repository leaves the
    // repository out, as with plakar's own fs storage.
    const outer = await watch.step(
      "backup the repository's directory",
      () =>
        home.backup(repo, holder, {
          warnings: /^warn: skipping entry from repository: /,
        }),
    );
    assert.match(outer.out.stderr, /skipping entry from repository: /);
    const again = `${home.dir}/restored-holder`;
    await home.restore(repo, outer.id, again);
    assert.deepEqual(
      [...Deno.readDirSync(again)].map((e) => e.name),
      ["notes.txt"],
    );
  },
);

scenario(
  "denofs importer: an unreadable file is reported, a missing location is one clear error",
  async ({ work, plakar, ptar }, watch) => {
    const home = await PlakarHome.create(work, "s4", plakar, ptar);
    const repo = `${home.dir}/repo`;
    await home.ok(["at", repo, "create", "-plaintext"]);

    const src = `${home.dir}/src`;
    await Deno.mkdir(`${src}/sub`, { recursive: true });
    await Deno.writeTextFile(`${src}/readable.txt`, "readable\n");
    await Deno.writeTextFile(`${src}/sub/secret.txt`, "secret\n");
    await Deno.writeFile(`${src}/sub/big.bin`, new Uint8Array(2 * MIB + 3));
    await Deno.chmod(`${src}/sub/secret.txt`, 0o000);
    // Root reads mode-000 files unless plakar runs without these capabilities.
    const dropDac = Deno.uid() === 0;

    const { id, out } = await watch.step(
      "backup unreadable",
      () => home.backup(repo, `denofs://${src}`, { dropDac, errors: 1 }),
    );
    const ko = koLines(out);
    assert.equal(ko.length, 1, describe("plakar backup", out));
    assert.ok(ko[0]!.includes(`${src}/sub/secret.txt`), ko[0]!);
    assert.match(ko[0]!, /[Pp]ermission denied/);
    const restored = `${home.dir}/restored`;
    await home.restore(repo, id, restored);
    assert.equal(
      await Deno.readTextFile(`${restored}/readable.txt`),
      "readable\n",
    );
    assert.equal(
      (await Deno.stat(`${restored}/sub/big.bin`)).size,
      2 * MIB + 3,
    );

    const missing = `${home.dir}/does-not-exist`;
    const failed = await watch.step(
      "backup missing",
      () => home.run(["-quiet", "at", repo, "backup", `denofs://${missing}`]),
    );
    assert.notEqual(
      failed.code,
      0,
      describe("plakar backup (missing)", failed),
    );
    const lines = (failed.stdout + failed.stderr).split("\n").filter((l) =>
      l.trim() !== ""
    );
    assert.equal(lines.length, 1, describe("plakar backup (missing)", failed));
    assert.ok(lines[0]!.includes(missing), lines[0]!);
    assert.match(lines[0]!, /: lstat [^ ]+: no such file or directory/);
    const snapshots = await home.ok(["at", repo, "ls"]);
    assert.equal(snapshots.stdout.trim().split("\n").length, 1);
  },
);

// ---------------------------------------------------------------------------
// Clean-up: plakar's cached daemons exit by themselves about 5 s after their
// last client; wait for those of this run (never kill them), then remove
// everything unless a scenario failed.

async function daemonsUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const argv = (await Deno.readTextFile(`/proc/${entry.name}/cmdline`))
        .split("\0");
      if (argv.includes("cached") && argv.some((a) => a.startsWith(dir))) {
        pids.push(Number(entry.name));
      }
    } catch { /* gone */ }
  }
  return pids;
}

Deno.test({
  name: "e2e timings and clean-up",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    restoreSources();
    if (setup === undefined) return;
    const { work } = await setup;
    log("scenario wall times:");
    for (const t of timings) log(`  ${seconds(t.ms).padStart(6)} s  ${t.name}`);
    const deadline = Date.now() + 15_000;
    let pids = await daemonsUnder(work);
    while (pids.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      pids = await daemonsUnder(work);
    }
    if (pids.length > 0) log(`plakar cached still running: ${pids.join(", ")}`);
    if (failed) {
      log(`kept for inspection: ${work}`);
    } else {
      await Deno.remove(work, { recursive: true });
    }
  },
});
