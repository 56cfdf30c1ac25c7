/**
 * Turns a connector package's source directory into a directory that
 * `plakar pkg create <dir>/manifest.yaml vX.Y.Z` accepts: plakar's
 * `manifest.yaml`, one executable per connector, validator and extra files.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { BuildError } from "./build_error.ts";
import { cacheModules, denoDir } from "./deno_cache.ts";
import { writeLauncher } from "./launcher.ts";
import {
  type ConnectorManifest,
  plakarManifestText,
  readManifest,
} from "./manifest.ts";
import { derivePermissions } from "./permissions.ts";

/** Options of {@linkcode build}. */
export interface BuildOptions {
  /** The output directory (created if missing). */
  out: string;
  /**
   * Make each executable a sh launcher running `deno run` (the only kind
   * of build implemented so far).
   * @default {false}
   */
  launcher?: boolean;
  /**
   * The deno binary the launchers run.
   * @default {Deno.execPath()}
   */
  deno?: string;
}

/** One connector of a built package. */
export interface BuiltConnector {
  /** Its type. */
  type: ConnectorManifest["type"];
  /** The protocols it serves. */
  protocols: string[];
  /** The executable's file name. */
  executable: string;
  /** The executable's absolute path. */
  path: string;
  /** The entry it runs. */
  entry: string;
  /** Every permission flag it runs with. */
  flags: string[];
  /** The flags that come from `permissions:` in the manifest. */
  declaredFlags: string[];
}

/** What {@linkcode build} made. */
export interface BuildResult {
  /** The package name. */
  name: string;
  /** The source manifest. */
  source: string;
  /** The absolute output directory. */
  out: string;
  /** The output manifest, to give to `plakar pkg create`. */
  manifest: string;
  /** The deno binary the launchers run. */
  deno: string;
  /** The cache directory the launchers use. */
  denoDir: string;
  /** Its connectors, in manifest order. */
  connectors: BuiltConnector[];
}

async function realPathOrSelf(path: string): Promise<string> {
  try {
    return await Deno.realPath(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Builds a connector package.
 *
 * @param source The package's source directory (or its `manifest.yaml`).
 * @param options Where to build, and how.
 * @returns What was built.
 * @throws {BuildError} On a bad manifest, a missing file, or options that
 *   cannot work (no `launcher`: compiled builds do not exist yet).
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
  if (!options.launcher) {
    throw new BuildError(
      "Compiled builds (deno compile) are not implemented yet: pass --launcher to get sh launchers that run each connector with deno run",
    );
  }
  const manifest = await readManifest(source);
  const out = resolve(options.out);
  if (await realPathOrSelf(out) === await realPathOrSelf(manifest.dir)) {
    throw new BuildError(
      `Cannot build into "${out}": it is the source directory (its manifest.yaml would be overwritten)`,
    );
  }
  const deno = options.deno ?? Deno.execPath();
  const cacheDir = await denoDir(deno);
  await cacheModules(deno, [
    ...new Set(manifest.connectors.map((c) => c.entry)),
  ]);

  try {
    await Deno.mkdir(out, { recursive: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new BuildError(`Cannot create "${out}": ${detail}`);
  }

  const connectors: BuiltConnector[] = [];
  for (const c of manifest.connectors) {
    const { flags, declaredFlags } = derivePermissions({
      type: c.type,
      locationFlags: c.locationFlags,
      declared: c.permissions,
    });
    const path = resolve(out, c.executable);
    await writeLauncher(path, {
      deno,
      entry: c.entry,
      permissionFlags: flags,
      denoDir: cacheDir,
      description: `${manifest.name}: ${c.type} for ${
        c.protocols.map((p) => `${p}://`).join(", ")
      }`,
    });
    connectors.push({
      type: c.type,
      protocols: c.protocols,
      executable: c.executable,
      path,
      entry: c.entry,
      flags,
      declaredFlags,
    });
    for (const file of [c.validator, ...c.extraFiles]) {
      if (file === undefined) continue;
      const target = resolve(out, file);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.copyFile(resolve(manifest.dir, file), target);
    }
  }
  const manifestPath = resolve(out, "manifest.yaml");
  await Deno.writeTextFile(manifestPath, plakarManifestText(manifest));
  return {
    name: manifest.name,
    source: manifest.path,
    out,
    manifest: manifestPath,
    deno,
    denoDir: cacheDir,
    connectors,
  };
}
