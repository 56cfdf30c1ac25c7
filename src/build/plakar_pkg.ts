/**
 * `plakar pkg create` for a built package directory, when plakar is there:
 * the `.ptar` is written beside the directory, named as plakar names it,
 * `<name>_<version>_<GOOS>_<GOARCH>.ptar`. plakar takes the OS and
 * architecture from `GOOS` and `GOARCH` when they are set (and then checks
 * Windows executables by their `.exe` name instead of the exec bit), so a
 * package for another target is made on this machine.
 *
 * plakar runs in a throwaway home (`-cachedir`, `-datadir`, `-configdir`):
 * no prompt, no update check, nothing left in the user's plakar state.
 *
 * @module
 */
import { BuildError } from "./build_error.ts";

const decoder = new TextDecoder();

const SEMVER = /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Checks a package version as `plakar pkg create` wants it (semver with a
 * leading `v`).
 *
 * @param version For example `v1.0.0`.
 * @returns The version.
 * @throws {BuildError} Otherwise.
 *
 * @example
 * ```ts
 * import { checkPackageVersion } from "./plakar_pkg.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkPackageVersion("v1.2.3"), "v1.2.3");
 * assert.throws(() => checkPackageVersion("1.2.3"), /leading v/);
 * ```
 */
export function checkPackageVersion(version: string): string {
  if (!SEMVER.test(version)) {
    throw new BuildError(
      `The package version must be semver with a leading v (such as v1.0.0), not "${version}"`,
    );
  }
  return version;
}

/**
 * The file name `plakar pkg create` gives a package.
 *
 * @param name The package name.
 * @param version Its version (`vX.Y.Z`).
 * @param platform `<GOOS>_<GOARCH>`.
 * @returns For example `denofs_v1.0.0_linux_amd64.ptar`.
 *
 * @example
 * ```ts
 * import { ptarName } from "./plakar_pkg.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(ptarName("denofs", "v1.0.0", "linux_amd64"), "denofs_v1.0.0_linux_amd64.ptar");
 * ```
 */
export function ptarName(
  name: string,
  version: string,
  platform: string,
): string {
  return `${name}_${version}_${platform}.ptar`;
}

/** What {@linkcode createPtar} packages. */
export interface PtarOptions {
  /** The plakar binary (a bare name is looked up in `PATH`). */
  plakar: string;
  /** The package directory's `manifest.yaml`. */
  manifest: string;
  /** The package version (`vX.Y.Z`). */
  version: string;
  /** Go's OS and architecture of the package. */
  os: string;
  /** Go's architecture. */
  arch: string;
  /** The `.ptar` to write. */
  out: string;
}

/**
 * Runs `plakar pkg create` on a package directory.
 *
 * @param options What to package, where.
 * @returns The `.ptar` path, or `undefined` when plakar cannot be found.
 * @throws {BuildError} When plakar refuses the package.
 *
 * @example
 * ```ts ignore
 * import { createPtar } from "./plakar_pkg.ts";
 *
 * await createPtar({
 *   plakar: "plakar",
 *   manifest: "/dist/denofs/manifest.yaml",
 *   version: "v1.0.0",
 *   os: "linux",
 *   arch: "amd64",
 *   out: "/dist/denofs_v1.0.0_linux_amd64.ptar",
 * });
 * ```
 */
export async function createPtar(
  options: PtarOptions,
): Promise<string | undefined> {
  const home = await Deno.makeTempDir({ prefix: "plakar-pkg-create-" });
  try {
    // plakar does not overwrite a package: the previous build's goes.
    await Deno.remove(options.out).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(options.plakar, {
        args: [
          "-cachedir",
          `${home}/cache`,
          "-datadir",
          `${home}/data`,
          "-configdir",
          `${home}/config`,
          "pkg",
          "create",
          "-out",
          options.out,
          options.manifest,
          options.version,
        ],
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        env: { GOOS: options.os, GOARCH: options.arch },
      }).output();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      const detail = error instanceof Error ? error.message : String(error);
      throw new BuildError(`Cannot run "${options.plakar}": ${detail}`);
    }
    const stdout = decoder.decode(out.stdout);
    if (!out.success || !stdout.includes("Plugin created successfully")) {
      throw new BuildError(
        `plakar pkg create ${options.manifest} failed: ${
          pkgCreateFailure(decoder.decode(out.stderr), stdout) ||
          `exit status ${out.code}`
        }`,
      );
    }
    return options.out;
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/**
 * Why `plakar pkg create` failed, from what it printed: the files it
 * refused (its KO lines) and its last error, without its first-run banner
 * or the files it took.
 */
export function pkgCreateFailure(stderr: string, stdout: string): string {
  // The banner a fresh plakar home prints ends with a line "EOT".
  const banner = stdout.lastIndexOf("\nEOT\n");
  const text = stderr + "\n" +
    (banner < 0 ? stdout : stdout.slice(banner + 5));
  const lines = text.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !/: OK /.test(l)
  );
  return lines.map((l) =>
    l.replace(/^[0-9a-f]+: KO \S+ /, "").replace(/^\S*plakar: /, "")
  ).join("; ");
}
