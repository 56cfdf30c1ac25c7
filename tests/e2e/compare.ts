/**
 * Compares two directory trees entry by entry and returns human-readable
 * differences: entry set (empty directories included), entry types, contents
 * byte for byte (streamed in 1 MiB blocks, memory bounded), sizes, permission
 * bits (including setuid, setgid and sticky), symlink targets, ownership
 * (optional) and modification times in nanoseconds.
 *
 * Modification times are read with `statx(2)` through FFI when possible (see
 * `mtimeSupport` in `./tree.ts`); without `--allow-ffi`, or off Linux/glibc,
 * only whole milliseconds can be read from Deno 2.9.6 and both sides are
 * compared at that resolution.
 *
 * What plakar v1.1.4's own built-in fs importer → fs exporter roundtrip keeps
 * (measured; `plakar restore -to DIR` of a whole snapshot):
 *
 * | attribute                              | kept?                              |
 * |----------------------------------------|------------------------------------|
 * | file contents, sizes                   | yes                                |
 * | permission bits incl. setuid/gid/sticky| yes                                |
 * | symlink targets (incl. dangling)       | yes, verbatim                      |
 * | empty directories                      | yes                                |
 * | names (space, unicode, newline, dash)  | yes                                |
 * | mtimes of files, dirs, symlinks, root  | rounded UP to the microsecond      |
 * | owner of regular files                 | no (restoring user); dirs/links yes|
 * | hard links                             | no: 2nd name missing, KO, exit 0   |
 * | FIFOs (sockets, devices: from source)  | not restored, no error             |
 * | extended attributes                    | backed up, not restored            |
 *
 * Hence {@linkcode PLAKAR_FS_ROUNDTRIP}.
 *
 * @module
 */

import { lstatMtimeNs, mtimeSupport } from "./tree.ts";

/**
 * Options of {@linkcode compareTrees}. Every check but ownership is on by
 * default.
 */
export interface CompareOptions {
  /** Compare file contents byte for byte. Default true. */
  contents?: boolean;
  /** Compare permission bits (`mode & 0o7777`). Default true. */
  permissions?: boolean;
  /** Compare uid and gid. Default false. */
  ownership?: boolean;
  /** Compare modification times of regular files. Default true. */
  fileMtimes?: boolean;
  /** Compare modification times of directories. Default true. */
  dirMtimes?: boolean;
  /** Compare modification times of symlinks themselves. Default true. */
  symlinkMtimes?: boolean;
  /**
   * Compare the mode and modification time of the two root directories
   * themselves (not only of what they contain). Default true.
   */
  rootAttributes?: boolean;
  /**
   * Largest accepted absolute difference between two modification times, in
   * nanoseconds. Default 0 (exact). plakar's fs exporter rounds up to the
   * microsecond: 999 accepts that.
   */
  mtimeToleranceNs?: number;
  /**
   * Relative paths (as printed, without `./`) to leave out, with everything
   * below them, or a predicate over such paths.
   */
  ignore?: readonly string[] | ((relativePath: string) => boolean);
  /** Stop after this many differences (one more line says so). Default 1000. */
  maxDifferences?: number;
}

/**
 * The options under which a tree survives plakar v1.1.4's built-in fs → fs
 * roundtrip: times within 999 ns (rounded up to the microsecond), everything
 * else exact, ownership ignored. Use `mtimeToleranceNs: 0` instead when the
 * tree's times are whole microseconds (`tree.ts --mtime us`).
 */
export const PLAKAR_FS_ROUNDTRIP: Readonly<CompareOptions> = Object.freeze({
  mtimeToleranceNs: 999,
  ownership: false,
});

type Kind =
  | "file"
  | "directory"
  | "symlink"
  | "fifo"
  | "socket"
  | "block device"
  | "char device"
  | "unknown";

function kindOf(info: Deno.FileInfo): Kind {
  if (info.isFile) return "file";
  if (info.isDirectory) return "directory";
  if (info.isSymlink) return "symlink";
  if (info.isFifo) return "fifo";
  if (info.isSocket) return "socket";
  if (info.isBlockDevice) return "block device";
  if (info.isCharDevice) return "char device";
  return "unknown";
}

const BLOCK = 1024 * 1024;

class TooManyDifferences extends Error {}

async function readFull(file: Deno.FsFile, buf: Uint8Array): Promise<number> {
  let off = 0;
  while (off < buf.byteLength) {
    const n = await file.read(buf.subarray(off));
    if (n === null) break;
    off += n;
  }
  return off;
}

function firstDifference(a: Uint8Array, b: Uint8Array, n: number): number {
  const words = n >>> 2;
  const wa = new Uint32Array(a.buffer, a.byteOffset, words);
  const wb = new Uint32Array(b.buffer, b.byteOffset, words);
  let i = 0;
  while (i < words && wa[i] === wb[i]) i++;
  for (let j = i * 4; j < n; j++) if (a[j] !== b[j]) return j;
  return -1;
}

/**
 * Returns the offset of the first byte where files `a` and `b` differ, the
 * length of the shorter one when one is a prefix of the other, or -1 when
 * they are identical. Reads both in 1 MiB blocks.
 */
export async function firstContentDifference(
  a: string,
  b: string,
): Promise<number> {
  const fa = await Deno.open(a, { read: true });
  try {
    const fb = await Deno.open(b, { read: true });
    try {
      const ba = new Uint8Array(BLOCK);
      const bb = new Uint8Array(BLOCK);
      let offset = 0;
      for (;;) {
        const [na, nb] = await Promise.all([
          readFull(fa, ba),
          readFull(fb, bb),
        ]);
        const d = firstDifference(ba, bb, Math.min(na, nb));
        if (d >= 0) return offset + d;
        if (na !== nb) return offset + Math.min(na, nb);
        if (na < BLOCK) return -1;
        offset += na;
      }
    } finally {
      fb.close();
    }
  } finally {
    fa.close();
  }
}

function show(rel: string): string {
  return rel === "" ? "(root)" : JSON.stringify(rel);
}

function octal(mode: number): string {
  return "0" + (mode & 0o7777).toString(8).padStart(3, "0");
}

function formatNs(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, "0");
  return `${sec}.${frac}`;
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(path)) names.push(entry.name);
  return names.sort();
}

async function countEntries(path: string): Promise<number> {
  let n = 0;
  for await (const entry of Deno.readDir(path)) {
    n++;
    if (entry.isDirectory) n += await countEntries(`${path}/${entry.name}`);
  }
  return n;
}

/**
 * Compares the trees rooted at directories `a` and `b`. Returns the list of
 * differences, empty when the trees are identical under `options`. Entries
 * present on one side only are reported once (a missing directory is not
 * descended into).
 */
export async function compareTrees(
  a: string,
  b: string,
  options: CompareOptions = {},
): Promise<string[]> {
  const opt = {
    contents: options.contents ?? true,
    permissions: options.permissions ?? true,
    ownership: options.ownership ?? false,
    fileMtimes: options.fileMtimes ?? true,
    dirMtimes: options.dirMtimes ?? true,
    symlinkMtimes: options.symlinkMtimes ?? true,
    rootAttributes: options.rootAttributes ?? true,
    tolerance: BigInt(Math.max(0, Math.trunc(options.mtimeToleranceNs ?? 0))),
    max: options.maxDifferences ?? 1000,
  };
  const ignore = options.ignore;
  const ignored = (rel: string): boolean => {
    if (ignore === undefined || rel === "") return false;
    if (typeof ignore === "function") return ignore(rel);
    return ignore.some((p) => rel === p || rel.startsWith(p + "/"));
  };
  const resolutionNs = BigInt(mtimeSupport().resolutionNs);

  const diffs: string[] = [];
  const report = (line: string): void => {
    if (diffs.length >= opt.max) {
      diffs.push(`... stopped after ${opt.max} differences`);
      throw new TooManyDifferences();
    }
    diffs.push(line);
  };

  for (const [label, root] of [["a", a], ["b", b]] as const) {
    const info = await Deno.lstat(root);
    if (!info.isDirectory) {
      return [`${label} (${root}) is not a directory but a ${kindOf(info)}`];
    }
  }

  const compareMtime = async (rel: string, pa: string, pb: string) => {
    const [ta, tb] = await Promise.all([lstatMtimeNs(pa), lstatMtimeNs(pb)]);
    let delta = ta - tb;
    if (resolutionNs > 1n) {
      delta = ta / resolutionNs - tb / resolutionNs;
      delta *= resolutionNs;
    }
    if (delta < 0n) delta = -delta;
    if (delta > opt.tolerance) {
      report(
        `${show(rel)}: mtime differs: ${formatNs(ta)} != ${formatNs(tb)} ` +
          `(${ta - tb} ns)`,
      );
    }
  };

  const compareEntry = async (rel: string): Promise<void> => {
    const pa = rel === "" ? a : `${a}/${rel}`;
    const pb = rel === "" ? b : `${b}/${rel}`;
    const [ia, ib] = await Promise.all([Deno.lstat(pa), Deno.lstat(pb)]);
    const ka = kindOf(ia);
    const kb = kindOf(ib);
    if (ka !== kb) {
      report(`${show(rel)}: type differs: ${ka} != ${kb}`);
      return;
    }
    const isRoot = rel === "";
    if (
      opt.permissions && ka !== "symlink" && (!isRoot || opt.rootAttributes) &&
      ia.mode !== null && ib.mode !== null &&
      (ia.mode & 0o7777) !== (ib.mode & 0o7777)
    ) {
      report(
        `${show(rel)}: permissions differ: ${octal(ia.mode)} != ${
          octal(ib.mode)
        }`,
      );
    }
    if (opt.ownership && (ia.uid !== ib.uid || ia.gid !== ib.gid)) {
      report(
        `${
          show(rel)
        }: owner differs: ${ia.uid}:${ia.gid} != ${ib.uid}:${ib.gid}`,
      );
    }
    if (ka === "file") {
      if (ia.size !== ib.size) {
        report(`${show(rel)}: size differs: ${ia.size} != ${ib.size}`);
      }
      if (opt.contents) {
        const at = await firstContentDifference(pa, pb);
        if (at >= 0) {
          report(`${show(rel)}: contents differ from byte offset ${at}`);
        }
      }
      if (opt.fileMtimes) await compareMtime(rel, pa, pb);
    } else if (ka === "symlink") {
      const [la, lb] = await Promise.all([
        Deno.readLink(pa),
        Deno.readLink(pb),
      ]);
      if (la !== lb) {
        report(
          `${show(rel)}: symlink target differs: ${JSON.stringify(la)} != ${
            JSON.stringify(lb)
          }`,
        );
      }
      if (opt.symlinkMtimes) await compareMtime(rel, pa, pb);
    } else if (ka === "directory") {
      const [na, nb] = await Promise.all([listDir(pa), listDir(pb)]);
      const setB = new Set(nb);
      const setA = new Set(na);
      const all = [...new Set([...na, ...nb])].sort();
      for (const name of all) {
        const child = rel === "" ? name : `${rel}/${name}`;
        if (ignored(child)) continue;
        if (!setB.has(name)) {
          await reportOneSided(child, "a", `${pa}/${name}`);
        } else if (!setA.has(name)) {
          await reportOneSided(child, "b", `${pb}/${name}`);
        } else {
          await compareEntry(child);
        }
      }
      // After the children: reading them does not change directory mtimes.
      if (opt.dirMtimes && (!isRoot || opt.rootAttributes)) {
        await compareMtime(rel, pa, pb);
      }
    } else if (ka === "block device" || ka === "char device") {
      if (ia.rdev !== ib.rdev) {
        report(`${show(rel)}: device number differs: ${ia.rdev} != ${ib.rdev}`);
      }
    }
  };

  const reportOneSided = async (
    rel: string,
    side: "a" | "b",
    path: string,
  ): Promise<void> => {
    const info = await Deno.lstat(path);
    const kind = kindOf(info);
    let extra = "";
    if (kind === "directory") {
      const n = await countEntries(path);
      extra = n === 0 ? ", empty" : `, with ${n} entries below`;
    }
    report(`${show(rel)}: only in ${side} (${kind}${extra})`);
  };

  try {
    await compareEntry("");
  } catch (e) {
    if (!(e instanceof TooManyDifferences)) throw e;
  }
  return diffs;
}

function writeOut(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(text + "\n"));
}

if (import.meta.main) {
  const args = [...Deno.args];
  const plakar = args.includes("--plakar-fs");
  const paths = args.filter((x) => !x.startsWith("--"));
  if (paths.length !== 2) {
    writeOut("usage: compare.ts [--plakar-fs] DIR_A DIR_B");
    Deno.exit(2);
  }
  const diffs = await compareTrees(
    paths[0]!,
    paths[1]!,
    plakar ? PLAKAR_FS_ROUNDTRIP : {},
  );
  for (const line of diffs) writeOut(line);
  Deno.exit(diffs.length === 0 ? 0 : 1);
}
