/**
 * Turns a connector package's source directory into a directory that
 * `plakar pkg create <dir>/manifest.yaml vX.Y.Z` accepts: plakar's
 * `manifest.yaml`, one executable per connector, validator and extra files.
 *
 * Two kinds of executables:
 *
 * - compiled (the default): `deno compile` makes one self-contained binary
 *   per connector and target, with the connector's permission flags
 *   embedded; one target gives one package directory (`out`), several give
 *   one per target (`out/<os>_<arch>`);
 * - launchers (`launcher: true`): sh scripts that run each connector with
 *   the deno that ran the build, for this machine only.
 *
 * Either way, each connector is first bundled into one JavaScript file
 * (`deno bundle`, see `bundle.ts`), which starts faster than its many
 * modules; `bundle: false` builds from the entry files as they are.
 *
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError } from "./build_error.ts";
import { bundleConnector } from "./bundle.ts";
import {
  compileConnector,
  type CompileTarget,
  compileTarget,
  denoFromNpm,
  type DenoInfo,
  denoInfo,
  digestFile,
  givenRuntime,
  npmCacheMarkers,
  platformName,
  supportedTargets,
} from "./compile.ts";
import { cacheModules, checkModules, denoDir } from "./deno_cache.ts";
import { writeLauncher } from "./launcher.ts";
import {
  type ConnectorManifest,
  type PackageManifest,
  plakarManifestText,
  readManifest,
} from "./manifest.ts";
import { derivePermissions } from "./permissions.ts";
import { checkPackageVersion, createPtar, ptarName } from "./plakar_pkg.ts";
import { goPlatform } from "./report.ts";

/** Options of {@linkcode build}. */
export interface BuildOptions {
  /**
   * The output directory (created if missing): the package directory for
   * one target, the parent of one package directory per target otherwise.
   */
  out: string;
  /**
   * Make each executable a sh launcher running `deno run` instead of a
   * compiled binary.
   * @default {false}
   */
  launcher?: boolean;
  /**
   * Bundle each connector into one JavaScript file first (`deno bundle`):
   * faster start-up. Without it, compiled executables embed the entry's
   * modules and launchers run the entry itself (so that edits to the
   * sources take effect without a rebuild).
   * @default {true}
   */
  bundle?: boolean;
  /**
   * The deno binary that bundles (2.4 or later).
   * @default {Deno.execPath()}
   */
  bundler?: string;
  /**
   * The deno binary that compiles the connectors (or that the launchers
   * run).
   * @default {Deno.execPath()}
   */
  deno?: string;
  /**
   * Use this Deno release instead, fetched from the npm registry with
   * `npx -y deno@<version>` (exclusive with `deno`).
   */
  denoVersion?: string;
  /**
   * Compile for these Deno targets (`x86_64-unknown-linux-gnu`, ...), or
   * every target the compiling deno supports.
   * @default {[the compiling deno's own target]}
   */
  targets?: readonly string[] | "all";
  /**
   * A Deno runtime (`denort`) for `deno compile` to use instead of
   * downloading it; it serves only the target it is built for.
   * @default {Deno.env.get("DENORT_BIN")}
   */
  denort?: string;
  /**
   * Compile every executable a second time and fail unless both are
   * byte-identical.
   * @default {false}
   */
  verifyReproducible?: boolean;
  /**
   * Run this plakar's `pkg create` on each package directory, writing the
   * `.ptar` beside it; nothing is packaged when it is not given, or when
   * it cannot be found.
   */
  plakar?: string;
  /**
   * The package version given to `plakar pkg create`.
   * @default {"v1.0.0"}
   */
  packageVersion?: string;
}

/** One connector of a built package. */
export interface BuiltConnector {
  /** Its type. */
  type: ConnectorManifest["type"];
  /** The protocols it serves. */
  protocols: string[];
  /** The executable's file name (in the manifest). */
  executable: string;
  /** The executable's absolute path (in the first package directory). */
  path: string;
  /** Its entry file. */
  entry: string;
  /** The bundle its launcher runs (launchers, when bundled). */
  bundle?: string;
  /** Every permission flag it runs with. */
  flags: string[];
  /** The flags that come from `permissions:` in the manifest. */
  declaredFlags: string[];
}

/** One executable as written. */
export interface BuiltFile {
  /** Its file name. */
  name: string;
  /** Its absolute path. */
  path: string;
  /** Its size in bytes. */
  size: number;
  /** Its SHA-256, in hexadecimal. */
  sha256: string;
}

/** One package directory: what `plakar pkg create` gets. */
export interface BuiltPackage {
  /** plakar's `<GOOS>_<GOARCH>` for it. */
  platform: string;
  /** Go's `GOOS`. */
  os: string;
  /** Go's `GOARCH`. */
  arch: string;
  /** The Deno target it was compiled for (compiled builds). */
  target?: string;
  /** The absolute directory. */
  dir: string;
  /** Its `manifest.yaml`. */
  manifest: string;
  /** Its executables, in manifest order. */
  files: BuiltFile[];
  /** The `.ptar` that `plakar pkg create` made beside it, if it ran. */
  ptar?: string;
}

/** What {@linkcode build} made. */
export interface BuildResult {
  /** The package name. */
  name: string;
  /** The source manifest. */
  source: string;
  /** How the executables were made. */
  kind: "compiled" | "launcher";
  /** Whether each connector was bundled into one file first. */
  bundled: boolean;
  /** The absolute output directory. */
  out: string;
  /** The first package's manifest, to give to `plakar pkg create`. */
  manifest: string;
  /** The deno binary that compiled the connectors or that launchers run. */
  deno: string;
  /** Its version. */
  denoVersion: string;
  /** Its cache directory (which the launchers use). */
  denoDir: string;
  /** Its connectors, in manifest order. */
  connectors: BuiltConnector[];
  /** One package directory per target (one for launchers). */
  packages: BuiltPackage[];
  /** The version given to `plakar pkg create`. */
  packageVersion: string;
  /** Whether every executable was compiled twice, identical. */
  reproducible: boolean;
  /** Why nothing was packaged, when a plakar was asked for but not found. */
  plakarMissing?: string;
}

async function realPathOrSelf(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return resolve(path);
  }
}

// The SDK's stdout guard, which every connector runs first (see
// src/transport/stdout_guard.ts).
const STDOUT_GUARD = fileURLToPath(
  new URL("../transport/stdout_guard.ts", import.meta.url),
);

/** Bundles the stdout guard into `dir`, as the module connectors preload. */
async function bundleGuard(deno: string, dir: string): Promise<string> {
  const output = join(dir, "stdout_guard.js");
  await bundleConnector({
    deno,
    entry: STDOUT_GUARD,
    output,
    check: false,
    cwd: dirname(STDOUT_GUARD),
  });
  return output;
}

async function makeDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new BuildError(`Cannot create "${dir}": ${detail}`);
  }
}

/** Copies each connector's validator and extra files into `dir`. */
async function copyFiles(
  manifest: PackageManifest,
  dir: string,
): Promise<void> {
  for (const c of manifest.connectors) {
    for (const file of [c.validator, ...c.extraFiles]) {
      if (file === undefined) continue;
      const target = resolve(dir, file);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.copyFile(resolve(manifest.dir, file), target);
    }
  }
}

/** The executable's file name for a target (`.exe` on Windows). */
function executableName(c: ConnectorManifest, target?: CompileTarget): string {
  const suffix = target?.suffix ?? "";
  return c.executable.endsWith(suffix) ? c.executable : c.executable + suffix;
}

/** The package manifest with each executable named as for `target`. */
function manifestFor(
  manifest: PackageManifest,
  target?: CompileTarget,
): PackageManifest {
  return {
    ...manifest,
    connectors: manifest.connectors.map((c) => ({
      ...c,
      plakar: { ...c.plakar, executable: executableName(c, target) },
    })),
  };
}

async function resolveDeno(options: BuildOptions): Promise<DenoInfo> {
  if (options.deno !== undefined && options.denoVersion !== undefined) {
    throw new BuildError(
      "Give the compiling deno either as a path (--deno) or as a version (--deno-version), not both",
    );
  }
  const path = options.denoVersion !== undefined
    ? await denoFromNpm(options.denoVersion)
    : options.deno ?? Deno.execPath();
  return await denoInfo(path);
}

async function resolveTargets(
  deno: DenoInfo,
  wanted: BuildOptions["targets"],
): Promise<CompileTarget[]> {
  if (wanted === undefined) return [compileTarget(deno.target)];
  const supported = await supportedTargets(deno.path);
  if (wanted === "all") return supported.map(compileTarget);
  if (wanted.length === 0) {
    throw new BuildError("No target given: name one, or all");
  }
  const targets = [...new Set(wanted)].map(compileTarget);
  for (const t of targets) {
    if (!supported.includes(t.triple)) {
      throw new BuildError(
        `Deno ${deno.version} cannot compile for ${t.triple} (it knows ${
          supported.join(", ")
        })`,
      );
    }
  }
  return targets;
}

/**
 * Builds a connector package.
 *
 * @param source The package's source directory (or its `manifest.yaml`).
 * @param options Where to build, and how.
 * @returns What was built.
 * @throws {BuildError} On a bad manifest, a missing file, a failed compile
 *   (one sentence naming `DENORT_BIN` when the Deno runtime cannot be
 *   obtained), or options that cannot work.
 *
 * @example Building the fs example with launchers
 * ```ts
 * import { build } from "./build.ts";
 * import assert from "node:assert/strict";
 *
 * const out = await Deno.makeTempDir();
 * const result = await build(
 *   new URL("../../examples/fs", import.meta.url).pathname,
 *   { out, launcher: true },
 * );
 * assert.deepEqual(
 *   result.connectors.map((c) => c.executable),
 *   ["denofs-importer", "denofs-exporter", "denofs-storage"],
 * );
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function build(
  source: string,
  options: BuildOptions,
): Promise<BuildResult> {
  const launcher = options.launcher ?? false;
  if (launcher && options.targets !== undefined) {
    throw new BuildError(
      "--target is for compiled builds: a launcher runs only on the machine that built it",
    );
  }
  if (launcher && options.verifyReproducible) {
    throw new BuildError(
      "--verify-reproducible is for compiled builds, not launchers",
    );
  }
  const packageVersion = checkPackageVersion(
    options.packageVersion ?? "v1.0.0",
  );
  const manifest = await readManifest(source);
  const out = resolve(options.out);
  if (await realPathOrSelf(out) === await realPathOrSelf(manifest.dir)) {
    throw new BuildError(
      `Cannot build into "${out}": it is the source directory (its manifest.yaml would be overwritten)`,
    );
  }
  const deno = await resolveDeno(options);
  const targets = launcher ? [] : await resolveTargets(deno, options.targets);
  const denortPath = launcher
    ? undefined
    : options.denort ?? Deno.env.get("DENORT_BIN");
  const denort = denortPath !== undefined && denortPath !== ""
    ? await givenRuntime(denortPath, deno.version)
    : undefined;
  const bundled = options.bundle ?? true;
  const bundler = options.bundler ?? Deno.execPath();
  if (!bundled) {
    // Fetches what the entries import (launchers run --cached-only; for
    // compiles, this also lets Deno write its npm cache bookkeeping first,
    // so that it can be left out). A bundle imports nothing.
    const entries = [...new Set(manifest.connectors.map((c) => c.entry))];
    await cacheModules(deno.path, entries);
    // deno compile type-checks; deno run, behind a launcher, does not.
    if (launcher) await checkModules(deno.path, entries, manifest.dir);
  }
  const cacheDir = await denoDir(deno.path);
  const existed = await Deno.lstat(out).then(() => true, () => false);
  await makeDir(out);

  const connectors: BuiltConnector[] = manifest.connectors.map((c) => {
    const { flags, declaredFlags } = derivePermissions({
      type: c.type,
      locationFlags: c.locationFlags,
      declared: c.permissions,
    });
    return {
      type: c.type,
      protocols: c.protocols,
      executable: c.executable,
      path: "",
      entry: c.entry,
      flags,
      declaredFlags,
    };
  });

  const packages: BuiltPackage[] = [];
  try {
    if (launcher) {
      const files: BuiltFile[] = [];
      const preload = await bundleGuard(bundler, out);
      for (const [i, c] of manifest.connectors.entries()) {
        const built = connectors[i]!;
        built.path = resolve(out, c.executable);
        let entry = c.entry;
        if (bundled) {
          entry = `${built.path}.js`;
          await bundleConnector({
            deno: bundler,
            entry: c.entry,
            output: entry,
            check: true,
            cwd: manifest.dir,
          });
          built.bundle = entry;
        }
        await writeLauncher(built.path, {
          deno: deno.path,
          entry,
          permissionFlags: built.flags,
          denoDir: cacheDir,
          noConfig: bundled,
          preload,
          description: `${manifest.name}: ${c.type} for ${
            c.protocols.map((p) => `${p}://`).join(", ")
          }`,
        });
        files.push({
          name: c.executable,
          path: built.path,
          ...await digestFile(built.path),
        });
      }
      await copyFiles(manifest, out);
      const manifestPath = resolve(out, "manifest.yaml");
      await Deno.writeTextFile(manifestPath, plakarManifestText(manifest));
      const platform = goPlatform();
      const [os = "", arch = ""] = platform.split("_");
      packages.push({
        platform,
        os,
        arch,
        dir: out,
        manifest: manifestPath,
        files,
      });
    } else {
      const exclude = await npmCacheMarkers(cacheDir);
      const scratch = options.verifyReproducible
        ? await Deno.makeTempDir({ prefix: "plakar-deno-build-again-" })
        : undefined;
      const bundles = await Deno.makeTempDir({ prefix: "plakar-deno-bundle-" });
      try {
        // One bundle per connector, type-checked (as deno compile checks an
        // entry), for every target; named after the executable.
        const sources = manifest.connectors.map((c) => c.entry);
        if (bundled) {
          for (const [i, c] of manifest.connectors.entries()) {
            sources[i] = join(bundles, `${c.executable}.js`);
            await bundleConnector({
              deno: bundler,
              entry: c.entry,
              output: sources[i]!,
              check: true,
              cwd: manifest.dir,
            });
          }
        }
        const preload = await bundleGuard(bundler, bundles);
        for (const target of targets) {
          const platform = platformName(target);
          const dir = targets.length === 1 ? out : join(out, platform);
          await makeDir(dir);
          const files: BuiltFile[] = [];
          for (const [i, c] of manifest.connectors.entries()) {
            const built = connectors[i]!;
            const name = executableName(c, target);
            const path = join(dir, name);
            const compile = (output: string) =>
              compileConnector({
                deno,
                entry: sources[i]!,
                permissionFlags: built.flags,
                target,
                output,
                exclude,
                // Unbundled, the sources' directory goes in whole: files and
                // workers found through import.meta.url are read from it.
                include: bundled ? [] : [manifest.dir],
                noConfig: bundled,
                preload,
                cwd: manifest.dir,
                ...(denort !== undefined ? { denort } : {}),
              });
            await compile(path);
            const digest = await digestFile(path);
            if (scratch !== undefined) {
              // Same file name (deno compile embeds it), another directory.
              const again = join(scratch, platform, name);
              await Deno.mkdir(dirname(again), { recursive: true });
              await compile(again);
              const second = await digestFile(again);
              await Deno.remove(again);
              if (second.sha256 !== digest.sha256) {
                throw new BuildError(
                  `deno compile is not reproducible here: two compiles of ${c.entry} for ${target.triple} differ (sha256 ${digest.sha256} then ${second.sha256})`,
                );
              }
            }
            files.push({ name, path, ...digest });
            if (built.path === "") built.path = path;
          }
          await copyFiles(manifest, dir);
          const manifestPath = join(dir, "manifest.yaml");
          await Deno.writeTextFile(
            manifestPath,
            plakarManifestText(manifestFor(manifest, target)),
          );
          packages.push({
            platform,
            os: target.os,
            arch: target.arch,
            target: target.triple,
            dir,
            manifest: manifestPath,
            files,
          });
        }
      } finally {
        for (const dir of [scratch, bundles]) {
          if (dir === undefined) continue;
          await Deno.remove(dir, { recursive: true }).catch(() => {});
        }
      }
    }
  } catch (error) {
    // Nothing half-built stays where the package was asked for.
    if (!existed) await Deno.remove(out, { recursive: true }).catch(() => {});
    throw error;
  }

  let plakarMissing: string | undefined;
  if (options.plakar !== undefined) {
    for (const pkg of packages) {
      const ptar = await createPtar({
        plakar: options.plakar,
        manifest: pkg.manifest,
        version: packageVersion,
        os: pkg.os,
        arch: pkg.arch,
        out: join(
          dirname(pkg.dir),
          ptarName(manifest.name, packageVersion, pkg.platform),
        ),
      });
      if (ptar === undefined) {
        if (basename(options.plakar) !== options.plakar) {
          throw new BuildError(
            `Cannot run plakar: "${options.plakar}" not found`,
          );
        }
        plakarMissing = `${options.plakar} is not on PATH`;
        break;
      }
      pkg.ptar = ptar;
    }
  }

  const result: BuildResult = {
    name: manifest.name,
    source: manifest.path,
    kind: launcher ? "launcher" : "compiled",
    bundled,
    out,
    manifest: packages[0]!.manifest,
    deno: deno.path,
    denoVersion: deno.version,
    denoDir: cacheDir,
    connectors,
    packages,
    packageVersion,
    reproducible: !launcher && (options.verifyReproducible ?? false),
  };
  if (plakarMissing !== undefined) result.plakarMissing = plakarMissing;
  return result;
}
