/**
 * `deno task demo`: the whole path from TypeScript to plakar, in a throwaway
 * directory. Finds (or installs) plakar v1.1.4, builds `examples/fs` into a
 * package with launchers, installs it into a throwaway plakar home, backs up
 * a small sample tree through the `denofs://` importer, restores it through
 * the `denofs://` exporter and compares the two trees.
 *
 * ```sh
 * deno task demo            # PLAKAR_BIN=/path/to/plakar to use another binary
 * deno task demo --keep     # keep the throwaway directory to look around
 * ```
 *
 * Exit status 0 when the restored tree is identical to the sample.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { build } from "../src/build/build.ts";
import { BuildError } from "../src/build/build_error.ts";
import { compareTrees } from "../tests/e2e/compare.ts";
import { generateTree } from "../tests/e2e/tree.ts";
import { type Output, run } from "./run_command.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function say(line = ""): void {
  Deno.stdout.writeSync(encoder.encode(line + "\n"));
}

class DemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DemoError";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

async function findPlakar(): Promise<string> {
  // Where tools/install_plakar.sh keeps (or puts) the binary.
  const target = Deno.env.get("PLAKAR_BIN") ||
    `${Deno.env.get("HOME")}/.cache/plakar-deno/plakar-v1.1.4/plakar`;
  const installing = !await exists(target);
  if (installing) {
    say(
      `  installing plakar v1.1.4 into ${target} (first run only; builds it with Go)`,
    );
  }
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}tools/install_plakar.sh`],
    stdin: "null",
    stdout: "piped",
    stderr: installing ? "inherit" : "piped",
  }).output();
  if (!out.success) {
    throw new DemoError(
      `Cannot find or install plakar v1.1.4 with tools/install_plakar.sh: ${
        decoder.decode(out.stderr).trim() || `exit ${out.code}`
      }`,
    );
  }
  return decoder.decode(out.stdout).trim().split("\n").at(-1)!;
}

function seconds(t0: number): string {
  return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

async function main(args: string[]): Promise<number> {
  const keep = args.includes("--keep");
  const start = performance.now();
  const work = await Deno.makeTempDir({ prefix: "plakar-deno-demo-" });
  let ok = false;
  let plakar = "plakar";
  // A plakar home of our own: nothing of yours is read or written.
  const env: Record<string, string> = {
    HOME: `${work}/home`,
    XDG_CACHE_HOME: `${work}/home/.cache`,
    XDG_DATA_HOME: `${work}/home/.local/share`,
    XDG_CONFIG_HOME: `${work}/home/.config`,
    DENO_NO_UPDATE_CHECK: "1",
  };
  try {
    say(`plakar Deno SDK demo, in a throwaway directory: DEMO=${work}`);
    plakar = await findPlakar();
    say(`  plakar:   ${plakar}`);

    const commands: string[] = [];
    const plakarRun = async (
      plakarArgs: string[],
      cwd = work,
    ): Promise<Output> => {
      const command = `plakar ${plakarArgs.join(" ")}`;
      commands.push(cwd === work ? command : `(cd ${cwd} && ${command})`);
      const out = await run(plakar, plakarArgs, { cwd, env });
      if (out.code !== 0) {
        throw new DemoError(
          `plakar ${plakarArgs.join(" ")} failed (exit ${out.code}): ${
            (out.stderr || out.stdout).trim()
          }`,
        );
      }
      return out;
    };
    await Deno.mkdir(env.HOME!, { recursive: true });
    await plakarRun(["-disable-security-check"]);

    // 1. Build and install the package.
    let t0 = performance.now();
    const pkg = `${work}/pkg`;
    const built = await build(`${ROOT}examples/fs`, {
      out: pkg,
      launcher: true,
    });
    commands.push(`deno task build examples/fs --out ${pkg} --launcher`);
    const created = await plakarRun(
      ["pkg", "create", "./manifest.yaml", "v1.0.0"],
      pkg,
    );
    const ptar = created.stdout.match(/Plugin created successfully: (.+)$/m)
      ?.[1];
    if (ptar === undefined) {
      throw new DemoError("plakar pkg create made no package");
    }
    await plakarRun(["pkg", "add", ptar]);
    say(
      `  package:  $DEMO/${ptar.slice(work.length + 1)} (${
        built.connectors.map((c) => c.executable).join(", ")
      }), installed in ${seconds(t0)}`,
    );

    // 2. Back up a sample tree through our importer.
    const sample = `${work}/sample`;
    await generateTree(sample, {
      bigFileSize: 3 * 1024 * 1024 + 5,
      smallFileCount: 300,
      filesPerDir: 50,
      depth: 6,
      mtimePrecision: "ms",
    });
    const repo = `${work}/repo`;
    await plakarRun(["at", repo, "create", "-plaintext"]);
    t0 = performance.now();
    const backup = await plakarRun([
      "-quiet",
      "at",
      repo,
      "backup",
      `denofs://${sample}`,
    ]);
    const id = backup.stdout.match(/^([0-9a-f]{8}): backup completed/m)?.[1];
    if (id === undefined) {
      throw new DemoError(`unexpected backup output: ${backup.stdout.trim()}`);
    }
    const backupTime = seconds(t0);
    const info = (await plakarRun(["at", repo, "info", id])).stdout;
    const section = (name: string) =>
      info.split(/^(?=\S)/m).find((s) => s.startsWith(`${name}:`)) ?? "";
    const field = (text: string, name: string) =>
      text.match(new RegExp(`^ - ${name}: (.+)$`, "m"))?.[1] ?? "?";
    const summary = section("Summary");
    say(
      `  backup:   snapshot ${id} of denofs://$DEMO/sample (importer: ${
        field(section("Importer"), "Type")
      }) in ${backupTime}`,
    );
    say(
      `            ${field(summary, "Files")} files, ${
        field(summary, "Directories")
      } directories, ${field(summary, "Symlinks")} symlinks, ${
        field(summary, "Size")
      }, ${field(summary, "Errors")} errors`,
    );

    // 3. Restore it through our exporter.
    const restored = `${work}/restored`;
    t0 = performance.now();
    const restore = await plakarRun([
      "-quiet",
      "at",
      repo,
      "restore",
      "-to",
      `denofs://${restored}`,
      id,
    ]);
    const failures = restore.stderr.split("\n").filter((l) =>
      l.includes(" KO ")
    );
    say(
      `  restore:  snapshot ${id} to denofs://$DEMO/restored, ${failures.length} errors, in ${
        seconds(t0)
      }`,
    );

    // 4. Compare.
    const diffs = await compareTrees(sample, restored);
    if (diffs.length === 0) {
      say(
        "  diff:     identical (contents, sizes, types, permission bits, symlink targets, empty directories, mtimes)",
      );
    } else {
      say(`  diff:     ${diffs.length} differences:`);
      for (const line of diffs.slice(0, 20)) say(`            ${line}`);
    }
    say();
    say(
      "What ran (plakar with HOME and XDG_*_HOME under $DEMO/home):",
    );
    for (const command of commands) {
      say(`  $ ${command.replaceAll(work, "$DEMO")}`);
    }
    say();
    say(`Done in ${seconds(start)}.`);
    ok = diffs.length === 0 && failures.length === 0;
    return ok ? 0 : 1;
  } finally {
    if (keep || !ok) {
      say(`Kept ${work} (plakar home: ${work}/home).`);
      say(
        `Look around: HOME=${work}/home XDG_CACHE_HOME=${env.XDG_CACHE_HOME} XDG_DATA_HOME=${env.XDG_DATA_HOME} XDG_CONFIG_HOME=${env.XDG_CONFIG_HOME} ${plakar} at ${work}/repo ls`,
      );
    } else {
      await Deno.remove(work, { recursive: true });
    }
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (!(error instanceof DemoError) && !(error instanceof BuildError)) {
      throw error;
    }
    Deno.stderr.writeSync(encoder.encode(`demo: ${error.message}\n`));
    Deno.exit(1);
  }
}
