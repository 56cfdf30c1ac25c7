/**
 * Deno's module cache, as the launchers use it: the build fills it with
 * everything the connectors import, and the launchers run with
 * `--cached-only` against that same cache, so a connector started by plakar
 * never downloads anything (and starts the same way offline).
 *
 * @module
 */
import { BuildError } from "./build_error.ts";
import { checkFailure } from "./check_failure.ts";
import { firstLines, output } from "./command.ts";

async function runDeno(
  deno: string,
  args: string[],
  what: string,
): Promise<string> {
  const out = await output(deno, args, what);
  if (!out.success) {
    throw new BuildError(
      `Cannot ${what}: "deno ${args[0]}" failed: ${firstLines(out.stderr)}`,
    );
  }
  return out.stdout;
}

/**
 * The directory of Deno's cache (`DENO_DIR`) as `deno` sees it here.
 *
 * @param deno The deno binary.
 * @returns Its absolute path.
 * @throws {BuildError} When `deno info` fails.
 *
 * @example
 * ```ts
 * import { denoDir } from "./deno_cache.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok((await denoDir(Deno.execPath())).startsWith("/"));
 * ```
 */
export async function denoDir(deno: string): Promise<string> {
  const text = await runDeno(deno, ["info", "--json"], "find Deno's cache");
  const info: unknown = JSON.parse(text);
  const dir = typeof info === "object" && info !== null && "denoDir" in info
    ? info.denoDir
    : undefined;
  if (typeof dir !== "string") {
    throw new BuildError(
      `Cannot find Deno's cache: "deno info --json" has no denoDir`,
    );
  }
  return dir;
}

/**
 * Downloads (if needed) everything `entries` import into Deno's cache.
 *
 * @param deno The deno binary.
 * @param entries Absolute paths of the connectors' entry files.
 * @throws {BuildError} When a module cannot be resolved or fetched.
 *
 * @example
 * ```ts ignore
 * import { cacheModules } from "./deno_cache.ts";
 *
 * await cacheModules(Deno.execPath(), ["/src/conn/importer.ts"]);
 * ```
 */
export async function cacheModules(
  deno: string,
  entries: readonly string[],
): Promise<void> {
  await runDeno(
    deno,
    ["cache", "--quiet", ...entries],
    `cache the modules of ${entries.join(", ")}`,
  );
}

/**
 * Type-checks `entries` and what they import, as `deno compile` and a
 * checked bundle do, for builds that do neither (unbundled launchers).
 *
 * @param deno The deno binary.
 * @param entries Absolute paths of the connectors' entry files.
 * @param cwd Where deno runs (the package directory: its `deno.json`).
 * @throws {BuildError} When an entry does not type-check, with deno's first
 * error.
 *
 * @example
 * ```ts ignore
 * import { checkModules } from "./deno_cache.ts";
 *
 * await checkModules(Deno.execPath(), ["/src/conn/importer.ts"], "/src/conn");
 * ```
 */
export async function checkModules(
  deno: string,
  entries: readonly string[],
  cwd: string,
): Promise<void> {
  for (const entry of entries) {
    const out = await output(
      deno,
      ["check", "--quiet", entry],
      `type-check ${entry}`,
      {},
      cwd,
    );
    if (!out.success) throw checkFailure(entry, out.stderr, cwd);
  }
}
