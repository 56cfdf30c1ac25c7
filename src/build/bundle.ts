/**
 * Bundles: each connector's entry, the SDK and its npm dependencies in one
 * JavaScript file, made by `deno bundle`, which launchers run and
 * `deno compile` embeds.
 *
 * Why: Deno resolves, loads and instantiates every module of a program at
 * start-up, a fixed cost per module. The fs example's importer is about 60
 * modules; bundled, it answers Init (from spawn, median of 11 starts) in
 * 31 ms instead of 42 as a launcher, and in 44 ms instead of 50 compiled with
 * Deno 2.7.11, whose executable also shrinks by 2.7 MiB (no npm package files
 * embedded).
 *
 * @module
 */
import { BuildError } from "./build_error.ts";
import { checkFailure } from "./check_failure.ts";
import { firstLines, output } from "./command.ts";

/**
 * The modification time given to every bundle: `deno compile` embeds each
 * file's, so a fixed one lets the same sources give the same executable on
 * any machine and from any checkout.
 */
const BUNDLE_MTIME = new Date(0);

// The bundle names each module by its path relative to the package
// directory, in a comment line, and a CommonJS module also in the string
// that keys its wrapper; for an npm module, that path goes through Deno's
// cache (`../../../root/.cache/deno/npm/registry.npmjs.org/<name>/<version>/...`),
// which differs from one machine, checkout or DENO_DIR to another.
const NPM_CACHE_PATH = /[^\s"'`]*\/npm\/registry\.npmjs\.org\//g;

// How deno reports a type error (TS2322 [ERROR]: …).
const TYPE_ERROR = /\bTS\d{4}\b/;

/** What to bundle, and how. */
export interface BundleOptions {
  /** The deno that bundles (2.4 or later: `deno bundle`). */
  deno: string;
  /** Absolute path of the connector's entry file. */
  entry: string;
  /** The bundle to write (`.js`). */
  output: string;
  /** Type-check the entry and what it imports first. */
  check: boolean;
  /** Where deno runs: the package directory, whose `deno.json` applies. */
  cwd: string;
}

/**
 * The arguments of `deno bundle` for `options`.
 *
 * @param options What to bundle.
 * @returns The arguments, after the deno binary.
 *
 * @example
 * ```ts
 * import { bundleArgs } from "./bundle.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   bundleArgs({ deno: "deno", entry: "/src/i.ts", output: "/out/i.js", check: true, cwd: "/src" }),
 *   ["bundle", "--quiet", "--platform", "deno", "--check", "--output", "/out/i.js", "/src/i.ts"],
 * );
 * ```
 */
export function bundleArgs(options: BundleOptions): string[] {
  return [
    "bundle",
    "--quiet",
    "--platform",
    "deno",
    ...(options.check ? ["--check"] : []),
    "--output",
    options.output,
    options.entry,
  ];
}

/**
 * Writes the bundle of a connector's entry, with a fixed modification time
 * and npm modules named as `npm:<name>/<version>/<path>` in its comments
 * (not by their place in Deno's cache).
 *
 * @param options What to bundle, and where.
 * @throws {BuildError} When deno cannot bundle it (a type error, an import
 *   that does not resolve, a deno without `deno bundle`): one line with
 *   deno's first error lines.
 *
 * @example Bundling the fs example's importer
 * ```ts
 * import { bundleConnector } from "./bundle.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const src = new URL("../../examples/fs", import.meta.url).pathname;
 * await bundleConnector({
 *   deno: Deno.execPath(),
 *   entry: `${src}/importer.ts`,
 *   output: `${dir}/denofs-importer.js`,
 *   check: false,
 *   cwd: src,
 * });
 * const text = await Deno.readTextFile(`${dir}/denofs-importer.js`);
 * assert.ok(!/^import .* from "(?!node:)/m.test(text));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function bundleConnector(options: BundleOptions): Promise<void> {
  const out = await output(
    options.deno,
    bundleArgs(options),
    `bundle ${options.entry}`,
    {},
    options.cwd,
  );
  if (!out.success) {
    const detail = firstLines(out.stderr);
    if (TYPE_ERROR.test(out.stderr)) {
      throw checkFailure(
        options.entry,
        out.stderr,
        options.cwd,
      );
    }
    throw new BuildError(
      `Cannot bundle ${options.entry}: ${
        detail || "deno bundle failed"
      } (--no-bundle builds from the source files as they are)`,
    );
  }
  const text = await Deno.readTextFile(options.output);
  const stable = text.replace(NPM_CACHE_PATH, "npm:");
  if (stable !== text) await Deno.writeTextFile(options.output, stable);
  await Deno.utime(options.output, BUNDLE_MTIME, BUNDLE_MTIME);
}
