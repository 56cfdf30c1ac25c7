/**
 * The `denofs` importer: backs up a local directory tree.
 *
 * Walks the tree depth first (a directory before its content, entries in
 * byte order), with every kind of entry, any byte in names, permission bits
 * and nanosecond modification times. An entry that vanishes or cannot be read
 * becomes an error record for that path and the walk goes on. What plakar's
 * exclude patterns (`plakar backup -ignore`) leave out is skipped, excluded
 * directories without being read, as plakar's own fs importer does. With
 * `dont_traverse_fs=true` in the configuration, as with plakar's fs importer,
 * directories on another file system than the root's are left out.
 *
 * @module
 */
import {
  compileExcludes,
  type EntryRecord,
  type ExcludePredicate,
  fileBody,
  type ImportRecord,
  runImporter,
  statFileInfo,
  statFileInfoSync,
} from "../../mod.ts";
import { localPath } from "./location.ts";

function record(path: string): ImportRecord {
  try {
    const fileInfo = statFileInfoSync(path);
    const entry: EntryRecord = { pathname: path, fileInfo };
    if (fileInfo.kind === "symlink") entry.target = Deno.readLinkSync(path);
    if (fileInfo.kind === "file") entry.open = () => fileBody(path);
    return entry;
  } catch (error) {
    return { pathname: path, error: reason(error) };
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function byBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What to leave out of a walk. */
interface Skip {
  excluded: ExcludePredicate;
  /** The root's device, if directories on other devices are left out. */
  device?: bigint;
}

/** Yields `dir`'s content, depth first, after `dir` itself was yielded. */
async function* walk(
  dir: string,
  skip: Skip,
  signal: AbortSignal,
): AsyncGenerator<ImportRecord> {
  let entries: { name: string; isDirectory: boolean }[];
  try {
    entries = [];
    for (const { name, isDirectory } of Deno.readDirSync(dir)) {
      entries.push({ name, isDirectory });
    }
  } catch (error) {
    yield { pathname: dir, error: reason(error) };
    return;
  }
  entries.sort((a, b) => byBytes(a.name, b.name));
  for (const { name, isDirectory } of entries) {
    signal.throwIfAborted();
    const path = join(dir, name);
    if (skip.excluded(path, isDirectory)) continue;
    const entry = record(path);
    const directory = "fileInfo" in entry &&
      entry.fileInfo?.kind === "directory";
    // A mount point of another file system: neither it nor its content.
    if (
      directory && skip.device !== undefined &&
      entry.fileInfo?.dev !== skip.device
    ) continue;
    yield entry;
    if (directory) yield* walk(path, skip, signal);
  }
}

/** A boolean option as plakar reads it (Go's `strconv.ParseBool`; anything else is false). */
function parseBool(value: string | undefined): boolean {
  return ["1", "t", "T", "TRUE", "true", "True"].includes(value ?? "");
}

/** The directories above `root`, from `/` down, as plakar's fs importer gives them. */
function ancestors(root: string): string[] {
  const out = ["/"];
  const parts = root.split("/").filter((p) => p !== "");
  for (let i = 1; i < parts.length; i++) {
    out.push("/" + parts.slice(0, i).join("/"));
  }
  return root === "/" ? [] : out;
}

if (import.meta.main) {
  await runImporter(async (init) => {
    const root = await Deno.realPath(localPath(init.location, init.proto))
      .catch((error) => {
        throw new Error(
          `Cannot back up "${localPath(init.location, init.proto)}": ${
            reason(error)
          }`,
        );
      });
    const info = await statFileInfo(root);
    const sameFileSystem = parseBool(init.config.dont_traverse_fs);
    if (info.kind !== "directory" && info.kind !== "file") {
      throw new Error(`Cannot back up "${root}": not a directory or a file`);
    }
    return {
      origin: init.options.hostname,
      type: init.proto,
      root,
      flags: ["localfs"],
      async *records(signal) {
        for (const dir of ancestors(root)) yield record(dir);
        const excluded = compileExcludes(init.options.excludes);
        const isDirectory = info.kind === "directory";
        if (root !== "/" && excluded(root, isDirectory)) return;
        yield record(root);
        const skip: Skip = { excluded };
        if (sameFileSystem) skip.device = info.dev ?? 0n;
        if (isDirectory) yield* walk(root, skip, signal);
      },
    };
  });
}
