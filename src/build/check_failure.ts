// Deno's report of a failed type check, said in one line a user can act
// on: the first error, where it is, and how to see them all.
import { isAbsolute, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError } from "./build_error.ts";
import { firstLines } from "./command.ts";

// The place of an error: the first "at <url>:<line>:<column>" line of its
// block (the next error starts a block of its own).
const LOCATION = /^\s*at (\S+?):(\d+):(\d+)\s*$/;
const NEXT_ERROR = /^(TS\d+ \[|error: |Found \d+ errors?\.)/;
const COUNT = /^Found (\d+) errors\.$/m;
// Some messages list every allowed value: the start says enough.
const MESSAGE_SHOWN = 300;

function shorten(text: string): string {
  return text.length > MESSAGE_SHOWN
    ? `${text.slice(0, MESSAGE_SHOWN - 1)}…`
    : text;
}

// Where the first error is, as a path for a local file, as written for a
// remote module, and not at all for a data: URL (its text is the code).
function firstErrorPlace(lines: readonly string[]): string | undefined {
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (NEXT_ERROR.test(line)) return undefined;
    const at = LOCATION.exec(line);
    if (at === null) continue;
    const [, url, row, column] = at;
    if (url!.startsWith("file://")) {
      return `${fileURLToPath(url!)}:${row}:${column}`;
    }
    if (/^https?:\/\//.test(url!)) return `${url}:${row}:${column}`;
    return undefined;
  }
  return undefined;
}

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
  const lines = stderr.split("\n");
  const from = lines.findIndex((line) => line.trim() !== "");
  const place = from < 0 ? undefined : firstErrorPlace(lines.slice(from));
  const what = place !== undefined
    ? `${place}: ${shorten(lines[from]!.trim().replace(/^error: /, ""))}`
    : from >= 0 && /^TS\d+ \[/.test(lines[from]!)
    ? shorten(lines[from]!.trim())
    : shorten(firstLines(stderr) || "deno check failed");
  const path = relative(cwd, entry);
  const shown = path.startsWith("..") || isAbsolute(path) ? entry : path;
  const count = Number(COUNT.exec(stderr)?.[1] ?? 1);
  const all = count > 1
    ? `${count} errors in all: run "deno check ${shown}" in ${cwd} to see them`
    : `run "deno check ${shown}" in ${cwd} to see every error`;
  return new BuildError(`${entry} does not type-check: ${what} (${all})`);
}
