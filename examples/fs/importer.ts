/**
 * The `denofs` importer: backs up a local directory tree.
 *
 * Walks the tree depth first (a directory before its content, entries in
 * byte order, to any depth), with every kind of entry, permission bits,
 * owners (ids, and names from `/etc/passwd` and `/etc/group`) and
 * modification times (to the millisecond, as Deno reads them). As plakar's own fs importer does, a location that is a symlink is
 * followed one level (the link is recorded too) and the directories above it
 * keep the names the user wrote. An entry that vanishes or cannot be read
 * becomes an error record for that path and the walk goes on; so does a name
 * that is not valid UTF-8, which the connector protocol cannot carry. What
 * plakar's exclude patterns (`plakar backup -ignore`) leave out is skipped,
 * excluded directories without being read, as plakar's own fs importer does.
 * With `dont_traverse_fs=true` in the configuration, as with plakar's fs
 * importer, directories on another file system than the root's are left out.
 * Not recorded: extended attributes (Deno has no API for them).
 *
 * @module
 */
import {
  compileExcludes,
  type EntryRecord,
  type ExcludePredicate,
  fileBody,
  type FileInfo,
  type ImportRecord,
  runImporter,
  statFileInfo,
  statFileInfoSync,
} from "../../mod.ts";
import { cleanPath, localPath } from "./location.ts";
import { OwnerNames } from "./owners.ts";

const owners = new OwnerNames();

function record(path: string): ImportRecord {
  try {
    const fileInfo = statFileInfoSync(path);
    fileInfo.username = owners.user(fileInfo.uid ?? 0);
    fileInfo.groupname = owners.group(fileInfo.gid ?? 0);
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

/**
 * Orders names as their UTF-8 bytes (code point order). JavaScript compares
 * UTF-16 units, which would put U+E000-U+FFFF after characters beyond U+FFFF.
 */
function byBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

// Surrogates (D800-DFFF) rank above E000-FFFF, as the code points they make.
function codePointRank(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}

/** What to leave out of a walk. */
interface Skip {
  excluded: ExcludePredicate;
  /** The root's device, if directories on other devices are left out. */
  device?: bigint;
}

/** A directory's entries, in byte order. */
type Listing = { name: string; isDirectory: boolean }[];

// Deno gives names that are not valid UTF-8 with U+FFFD in place of the bad
// bytes. The connector protocol carries names as UTF-8 text, so such a name
// cannot be sent as it is (Go connectors have the same limit).
const REPLACEMENT = "\uFFFD";

function list(dir: string): Listing {
  const entries: Listing = [];
  for (const { name, isDirectory } of Deno.readDirSync(dir)) {
    entries.push({ name, isDirectory });
  }
  return entries.sort((a, b) => byBytes(a.name, b.name));
}

// Reported on the directory: the name as Deno reads it may be another
// entry's (and two records of one path would share one reader).
function notUtf8(dir: string, name: string): ImportRecord {
  return {
    pathname: dir,
    error:
      `"${name}" was left out: its name is not valid UTF-8 (shown with U+FFFD), which plakar's connector protocol cannot carry`,
  };
}

/**
 * Yields `root`'s content, depth first, after `root` itself was yielded.
 * The directories being walked are kept on a stack of their own, so that a
 * tree of any depth is walked.
 */
async function* walk(
  root: string,
  skip: Skip,
  signal: AbortSignal,
): AsyncGenerator<ImportRecord> {
  const stack: { dir: string; entries: Listing; next: number }[] = [];
  const enter = (dir: string): ImportRecord | undefined => {
    try {
      stack.push({ dir, entries: list(dir), next: 0 });
    } catch (error) {
      return { pathname: dir, error: reason(error) };
    }
  };
  const failed = enter(root);
  if (failed) yield failed;
  while (stack.length > 0) {
    const level = stack[stack.length - 1]!;
    const item = level.entries[level.next++];
    if (item === undefined) {
      stack.pop();
      continue;
    }
    signal.throwIfAborted();
    const { name, isDirectory } = item;
    const path = join(level.dir, name);
    if (skip.excluded(path, isDirectory)) continue;
    if (name.includes(REPLACEMENT)) {
      // Names that differ only in their invalid bytes read the same: one
      // record for the name, an error for each other entry.
      if (level.entries[level.next - 2]?.name === name) {
        yield notUtf8(level.dir, name);
        continue;
      }
    }
    const entry = record(path);
    if ("error" in entry && name.includes(REPLACEMENT)) {
      yield notUtf8(level.dir, name);
      continue;
    }
    const directory = "fileInfo" in entry &&
      entry.fileInfo?.kind === "directory";
    // A mount point of another file system: neither it nor its content.
    if (
      directory && skip.device !== undefined &&
      entry.fileInfo?.dev !== skip.device
    ) continue;
    yield entry;
    if (directory) {
      const failed = enter(path);
      if (failed) yield failed;
    }
  }
}

/** A boolean option as plakar reads it (Go's `strconv.ParseBool`; anything else is false). */
function parseBool(value: string | undefined): boolean {
  return ["1", "t", "T", "TRUE", "true", "True"].includes(value ?? "");
}

/** The directories above `path`, from `/` down (`/` has none). */
function ancestors(path: string): string[] {
  if (path === "/") return [];
  const out = ["/"];
  const parts = path.split("/").filter((p) => p !== "");
  for (let i = 1; i < parts.length; i++) {
    out.push("/" + parts.slice(0, i).join("/"));
  }
  return out;
}

/**
 * Where the walk starts, as plakar's fs importer decides it: the location
 * itself, or, if it is a symlink, what it points to (one level, relative to
 * the link's directory). Directories above are left as given, so that paths
 * and exclude patterns read as the user wrote them.
 */
function startOf(location: string): string {
  if (!Deno.lstatSync(location).isSymlink) return location;
  const target = Deno.readLinkSync(location);
  return cleanPath(
    target.startsWith("/") ? target : `${location}/../${target}`,
  );
}

if (import.meta.main) {
  await runImporter(async (init) => {
    const root = localPath(init.location, init.proto);
    let start: string;
    let info: FileInfo;
    try {
      start = startOf(root);
      info = await statFileInfo(start);
    } catch (error) {
      throw new Error(`Cannot back up "${root}": ${reason(error)}`);
    }
    if (info.kind !== "directory" && info.kind !== "file") {
      throw new Error(`Cannot back up "${start}": not a directory or a file`);
    }
    const sameFileSystem = parseBool(init.config.dont_traverse_fs);
    return {
      origin: init.options.hostname,
      type: init.proto,
      root,
      flags: ["localfs"],
      async *records(signal) {
        // The directories above the walk, and, for a symlink location, the
        // link and the directories above it: each once, from / down.
        const above = new Set(ancestors(start));
        if (start !== root) {
          for (const dir of ancestors(root)) above.add(dir);
          above.add(root);
        }
        for (const path of [...above].sort(byBytes)) yield record(path);
        const excluded = compileExcludes(init.options.excludes);
        const isDirectory = info.kind === "directory";
        if (start !== "/" && excluded(start, isDirectory)) return;
        yield record(start);
        const skip: Skip = { excluded };
        if (sameFileSystem) skip.device = info.dev ?? 0n;
        if (isDirectory) yield* walk(start, skip, signal);
      },
    };
  });
}
