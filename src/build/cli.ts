/**
 * `deno task build <connector-dir> --out <dir> [--launcher]`: builds a
 * connector package that `plakar pkg create` accepts, and prints each
 * connector's executable and permission flags.
 *
 * Exit status: 0 built, 1 the build failed (one line on stderr), 2 usage.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { build } from "./build.ts";
import { BuildError } from "./build_error.ts";
import { formatReport } from "./report.ts";

const USAGE = "Usage: deno task build <connector-dir> --out <dir> [--launcher]";

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
 * @example Without --launcher
 * ```ts ignore
 * import { main } from "./cli.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await main(["examples/fs", "--out", "/tmp/out"], Deno.cwd()), 1);
 * ```
 */
export async function main(args: string[], cwd: string): Promise<number> {
  let values: { out?: string; launcher?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: "string", short: "o" },
        launcher: { type: "boolean" },
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
  try {
    const result = await build(resolve(cwd, positionals[0]!), {
      out: resolve(cwd, values.out),
      launcher: values.launcher ?? false,
    });
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
