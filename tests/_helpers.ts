// Shared by the integration tests: how to start the example and fixture
// connectors with the permissions their compiled form gets.
import { fileURLToPath as fromFileUrl } from "node:url";
import { derivePermissions } from "../src/build/permissions.ts";

function localfs(type: "importer" | "exporter" | "storage"): string[] {
  return derivePermissions({ type, locationFlags: ["localfs"] }).flags;
}

/**
 * Permission flags: the example connectors get what the build grants them;
 * `none` (fixtures that touch nothing) gets no permission at all.
 */
export const PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  importer: localfs("importer"),
  exporter: localfs("exporter"),
  storage: localfs("storage"),
  none: [],
};

/** The command that starts a `deno run` connector. */
export function denoCommand(
  entry: string,
  permissions: readonly string[],
  extra: readonly string[] = [],
): string[] {
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-prompt",
    ...permissions,
    entry,
    ...extra,
  ];
}

/** The command of an example connector of `examples/fs`. */
export function example(type: "importer" | "exporter" | "storage"): string[] {
  const entry = fromFileUrl(
    new URL(`../examples/fs/${type}.ts`, import.meta.url),
  );
  return denoCommand(entry, PERMISSIONS[type]!);
}

/** The command of a test fixture connector. */
export function fixture(
  name: string,
  permissions: readonly string[] = PERMISSIONS.none!,
): string[] {
  const entry = fromFileUrl(new URL(`./fixtures/${name}.ts`, import.meta.url));
  return denoCommand(entry, permissions);
}

/** A fresh temporary directory, removed by the returned disposer. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "plakar-deno-test-" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    },
  };
}

/** Peak resident memory of a process, in bytes (Linux). */
export async function peakRss(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = status.match(/^VmHWM:\s+(\d+) kB$/m);
  if (!match) throw new Error(`Cannot read the peak memory of process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * A tree for the exclude tests, at `root`, with the patterns to apply to it
 * and what of it plakar's own fs importer backs up under them (paths under
 * `root`, in plakar's order).
 */
export async function excludeCase(
  root: string,
): Promise<{ patterns: string[]; kept: string[] }> {
  for (const sub of ["logs", "node_modules/x", "build", "cache-dir/cache"]) {
    await Deno.mkdir(`${root}/${sub}`, { recursive: true });
  }
  for (
    const file of [
      "keep.txt",
      "debug.log",
      "logs/a.txt",
      "node_modules/keep.js",
      "node_modules/x/y.js",
      "build/out.bin",
      "cache",
      "cache-dir/cache/c",
    ]
  ) {
    await Deno.writeTextFile(`${root}/${file}`, file);
  }
  return {
    patterns: [
      "# a comment",
      "*.log",
      "node_modules",
      "!keep.js",
      "cache/",
      `${root}/build`,
    ],
    kept: [
      // "cache/" is for directories: the file stays, the directory goes.
      "cache",
      "cache-dir",
      "keep.txt",
      "logs",
      "logs/a.txt",
      // node_modules is not read, so its keep.js is not backed up although
      // "!keep.js" re-includes it.
    ].map((path) => `${root}/${path}`),
  };
}
