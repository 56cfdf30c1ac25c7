// Deno's report of a failed type check, said in one line a user can act
// on: the first error, where it is, and how to see them all.
import { isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError } from "./build_error.ts";
import { firstLines } from "./command.ts";

const LOCATION = /^\s*at (file:\/\/\S+?):(\d+):(\d+)\s*$/m;
const COUNT = /^Found (\d+) errors\.$/m;

/**
 * The build error for an entry that does not type-check, from what
 * `deno check` (or a checked `deno bundle`) wrote on stderr: its first
 * error as `path:line:column: message`, and the command that lists every
 * error, to run where the package's `deno.json` is found.
 *
 * @param entry The entry file, an absolute path.
 * @param stderr What deno wrote, without colours.
 * @param cwd The package directory, where deno ran.
 * @returns The error to throw.
 *
 * @example
 * ```ts
 * import { checkFailure } from "./check_failure.ts";
 * import assert from "node:assert/strict";
 *
 * const error = checkFailure(
 *   "/src/conn/importer.ts",
 *   "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.\n" +
 *     "    at file:///src/conn/importer.ts:3:7\n",
 *   "/src/conn",
 * );
 * assert.equal(
 *   error.message,
 *   "/src/conn/importer.ts does not type-check: /src/conn/importer.ts:3:7: " +
 *     "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'. " +
 *     '(run "deno check importer.ts" in /src/conn to see every error)',
 * );
 * ```
 */
export function checkFailure(
  entry: string,
  stderr: string,
  cwd: string,
): BuildError {
  const at = LOCATION.exec(stderr);
  const first = stderr.split("\n").map((line) => line.trim())
    .find((line) => line !== "") ?? "";
  const what = at
    ? `${fileURLToPath(at[1]!)}:${at[2]}:${at[3]}: ${
      first.replace(/^error: /, "")
    }`
    : firstLines(stderr) || "deno check failed";
  const path = relative(cwd, entry);
  const shown = path.startsWith("..") || isAbsolute(path) ? entry : path;
  const count = Number(COUNT.exec(stderr)?.[1] ?? 1);
  const all = count > 1
    ? `${count} errors in all: run "deno check ${shown}" in ${cwd} to see them`
    : `run "deno check ${shown}" in ${cwd} to see every error`;
  return new BuildError(`${entry} does not type-check: ${what} (${all})`);
}
