// The command that runs a connector of a package as its build will: from
// its manifest, with the permissions the build grants and no more.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkModules } from "../build/deno_cache.ts";
import { readManifest } from "../build/manifest.ts";
import { derivePermissions } from "../build/permissions.ts";
import { RUNTIME_FLAGS } from "../build/runtime_flags.ts";

/**
 * Options of {@linkcode connectorCommand}.
 *
 * @example
 * ```ts
 * import type { ConnectorCommandOptions } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const options: ConnectorCommandOptions = { protocol: "s3", check: false };
 * assert.strictEqual(options.protocol, "s3");
 * ```
 */
export interface ConnectorCommandOptions {
  /**
   * Which connector of that type, by one of its protocols, when the
   * manifest has more than one.
   * @default {undefined} (the only one of that type)
   */
  protocol?: string;
  /**
   * Type-check the connector's entry first (`deno check`), as the build
   * does.
   * @default {true}
   */
  check?: boolean;
}

/**
 * The `deno run` command line of one connector of a package, as its build
 * runs it: its `entry` from the manifest, with exactly the permissions the
 * build derives from its type, location flags and `permissions:` (so that
 * a test fails where the built connector would be refused), with the SDK's
 * stdout guard preloaded, once the entry has type-checked. Give it to
 * {@linkcode ImporterClient.spawn}, {@linkcode ExporterClient.spawn},
 * {@linkcode StorageClient.spawn} or {@linkcode ConnectorProcess.spawn}.
 *
 * @param manifest The package's `manifest.yaml`, or its directory, as a
 * path or a `file:` URL.
 * @param type The connector's type.
 * @param options Which connector, when there are several of that type, and
 * whether to type-check it.
 * @returns The program and its arguments.
 * @throws {Error} When the manifest cannot be read, is not valid, or has no
 * such connector (or more than one, without `protocol`), or when the entry
 * does not type-check (with deno's first error).
 *
 * @example Testing the importer of the package beside the test
 * ```ts ignore
 * import { connectorCommand, ImporterClient } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * Deno.test("importer lists the directory", async () => {
 *   const importer = ImporterClient.spawn(
 *     await connectorCommand(new URL("./manifest.yaml", import.meta.url), "importer"),
 *   );
 *   await importer.init("myproto:///tmp");
 *   assert.ok((await importer.importAll()).length > 0);
 *   assert.strictEqual((await importer.shutdown()).code, 0);
 * });
 * ```
 *
 * @example What a package's importer is granted
 * ```ts
 * import { connectorCommand } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/importer.ts`, "");
 * await Deno.writeTextFile(
 *   `${dir}/manifest.yaml`,
 *   `name: notes
 * connectors:
 *   - type: importer
 *     protocols: [notes]
 *     executable: notes-importer
 *     entry: importer.ts
 *     permissions:
 *       env: [NOTES_TOKEN]
 * `,
 * );
 * // Not a local path (no `localfs` flag): network, and what it declares.
 * const command = await connectorCommand(dir, "importer");
 * assert.ok(command.includes("--allow-net"));
 * assert.ok(command.includes("--allow-env=NOTES_TOKEN"));
 * assert.ok(!command.some((arg) => arg.startsWith("--allow-read")));
 * assert.strictEqual(command.at(-1), `${await Deno.realPath(dir)}/importer.ts`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function connectorCommand(
  manifest: string | URL,
  type: "importer" | "exporter" | "storage",
  options?: ConnectorCommandOptions,
): Promise<string[]> {
  if (!TYPES.includes(type)) {
    throw new TypeError(
      `A connector's type is "importer", "exporter" or "storage", not ${
        JSON.stringify(type)
      }`,
    );
  }
  const path = manifest instanceof URL ? fileURLToPath(manifest) : manifest;
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Error(
      `No connector package at "${path}": no such file or directory`,
    );
  }
  if (
    stat.isDirectory &&
    !await Deno.stat(join(path, "manifest.yaml")).then(() => true, () => false)
  ) {
    throw new Error(
      `No connector package at "${path}": no manifest.yaml in it`,
    );
  }
  const pkg = await readManifest(path);
  const candidates = pkg.connectors.filter((c) =>
    c.type === type &&
    (options?.protocol === undefined || c.protocols.includes(options.protocol))
  );
  const wanted = options?.protocol === undefined
    ? `no ${type}`
    : `no ${type} for protocol "${options.protocol}"`;
  const connector = candidates[0];
  if (connector === undefined) {
    throw new Error(`${pkg.path} declares ${wanted}`);
  }
  if (candidates.length > 1) {
    const protocols = candidates.map((c) => c.protocols.join("/"));
    throw new Error(
      `${pkg.path} declares ${candidates.length} ${type}s (${
        protocols.join(", ")
      }): say which with the protocol option`,
    );
  }
  // Checked apart: `deno run --check` with `--preload` checks only the
  // preloaded module (Deno 2.9.6).
  if (options?.check ?? true) {
    await checkModules(Deno.execPath(), [connector.entry], pkg.dir);
  }
  const { flags } = derivePermissions({
    type,
    locationFlags: connector.locationFlags,
    declared: connector.permissions,
  });
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-prompt",
    ...RUNTIME_FLAGS,
    ...flags,
    "--preload",
    STDOUT_GUARD,
    connector.entry,
  ];
}

const TYPES: readonly string[] = ["importer", "exporter", "storage"];

// The SDK's stdout guard, which every built connector runs first.
const STDOUT_GUARD = new URL("../transport/stdout_guard.ts", import.meta.url)
  .href;
