/**
 * `deno task build <connector-dir> --out <dir> [options]`: builds a
 * connector package that `plakar pkg create` accepts (one compiled binary
 * per connector and target, or `--launcher` scripts), prints each
 * connector's executable and permission flags (and each binary's size and
 * SHA-256), and runs `plakar pkg create` when plakar is on `PATH`.
 *
 * Exit status: 0 built, 1 the build failed (one line on stderr), 2 usage.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { build, type BuildOptions } from "./build.ts";
import { BuildError } from "./build_error.ts";
import { formatReport } from "./report.ts";

const USAGE = [
  "Usage: deno task build <connector-dir> --out <dir> [--launcher] [--no-bundle]",
  "         [--target <deno-target>|all]... [--deno <path> | --deno-version <x.y.z>]",
  "         [--verify-reproducible] [--plakar <path> | --no-package] [--pkg-version vX.Y.Z]",
  "",
  "  --launcher             sh launchers running deno run (this machine only) instead of deno compile",
  "  --no-bundle            build from the entry files as they are, not from one bundle per connector",
  "                         (slower start-up; launchers then follow edits to the sources)",
  "  --target               a deno compile target, or all (default: the compiling deno's own)",
  "  --deno                 the deno that compiles (default: the one running the build)",
  "  --deno-version         fetch that Deno release with npx -y deno@<x.y.z> and compile with it",
  "  --verify-reproducible  compile each binary twice and fail unless they are identical",
  "  --plakar               the plakar that runs pkg create (default: plakar, if on PATH)",
  "  --no-package           do not run plakar pkg create",
  "  --pkg-version          the version given to plakar pkg create (default: v1.0.0)",
  "",
  "DENORT_BIN=<denort>: the Deno runtime deno compile embeds, instead of downloading it.",
].join("\n");

const encoder = new TextEncoder();

function write(stream: { writeSync(p: Uint8Array): number }, text: string) {
  const bytes = encoder.encode(text + "\n");
  let at = 0;
  while (at < bytes.length) at += stream.writeSync(bytes.subarray(at));
}

/**
 * Runs the build command.
 *
 * @param args The command's arguments.
 * @param cwd Where relative paths start (`deno task` runs in the project
 *   directory and passes the caller's directory in `INIT_CWD`).
 * @returns The exit status.
 *
 * @example Compiling the fs example for this machine with Deno 2.7.11
 * ```ts ignore
 * import { main } from "./cli.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   await main(["examples/fs", "--out", "dist/denofs", "--deno-version", "2.7.11"], Deno.cwd()),
 *   0,
 * );
 * ```
 */
export async function main(args: string[], cwd: string): Promise<number> {
  let values: {
    out?: string;
    launcher?: boolean;
    "no-bundle"?: boolean;
    target?: string[];
    deno?: string;
    "deno-version"?: string;
    "verify-reproducible"?: boolean;
    plakar?: string;
    "no-package"?: boolean;
    "pkg-version"?: string;
    help?: boolean;
  };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: "string", short: "o" },
        launcher: { type: "boolean" },
        "no-bundle": { type: "boolean" },
        target: { type: "string", multiple: true },
        deno: { type: "string" },
        "deno-version": { type: "string" },
        "verify-reproducible": { type: "boolean" },
        plakar: { type: "string" },
        "no-package": { type: "boolean" },
        "pkg-version": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    write(Deno.stderr, `build: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    write(Deno.stdout, USAGE);
    return 0;
  }
  if (positionals.length !== 1 || values.out === undefined) {
    write(
      Deno.stderr,
      `build: ${
        positionals.length !== 1
          ? "expected exactly one connector directory"
          : "--out <dir> is required"
      }\n${USAGE}`,
    );
    return 2;
  }
  const targets = values.target;
  const options: BuildOptions = {
    out: resolve(cwd, values.out),
    launcher: values.launcher ?? false,
    bundle: !values["no-bundle"],
    verifyReproducible: values["verify-reproducible"] ?? false,
  };
  if (targets !== undefined) {
    options.targets = targets.includes("all") ? "all" : targets;
  }
  if (values.deno !== undefined) options.deno = resolve(cwd, values.deno);
  if (values["deno-version"] !== undefined) {
    options.denoVersion = values["deno-version"];
  }
  if (!values["no-package"]) {
    const plakar = values.plakar ?? "plakar";
    options.plakar = plakar.includes("/") ? resolve(cwd, plakar) : plakar;
  }
  if (values["pkg-version"] !== undefined) {
    options.packageVersion = values["pkg-version"];
  }
  try {
    const result = await build(resolve(cwd, positionals[0]!), options);
    write(Deno.stdout, formatReport(result).join("\n"));
    return 0;
  } catch (error) {
    if (error instanceof BuildError) {
      write(Deno.stderr, `build: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args, Deno.env.get("INIT_CWD") ?? Deno.cwd()));
}
