/**
 * Generates the file tree used by the end-to-end tests: edge-case sizes, one
 * large pseudo-random file, many small files spread over directories, a deep
 * chain of directories, awkward names, symlinks, empty directories, specific
 * permission bits and explicit modification times with sub-second parts.
 *
 * Run as a program:
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-ffi tests/e2e/tree.ts DIR \
 *   [--big-size BYTES] [--small-count N] [--files-per-dir N] [--depth N] \
 *   [--seed N] [--mtime ns|us|ms|auto] [--special-modes] [--quiet]
 * ```
 *
 * Modification times. Deno 2.9.6 cannot set (`Deno.utime`, `FsFile.utime`,
 * `node:fs` `utimes`/`lutimes`) nor read (`Deno.lstat`, `node:fs` `lstat`
 * with `{ bigint: true }`) a modification time more precisely than one
 * millisecond: everything goes through a JavaScript `Date` (measured; the
 * `bigint` stat reports `mtimeNs` as milliseconds times 10^6). On Linux with
 * glibc this module therefore calls `utimensat(2)` and `statx(2)` through
 * `Deno.dlopen` (needs `--allow-ffi`), which is exact to the nanosecond, and
 * falls back to the millisecond APIs elsewhere. See {@link mtimeSupport}.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { lutimes } from "node:fs/promises";

/** Precision of the modification times written by {@linkcode generateTree}. */
export type MtimePrecision = "ns" | "us" | "ms";

/** Options of {@linkcode generateTree}. */
export interface GenerateTreeOptions {
  /** Size in bytes of the large pseudo-random file `big.bin`. Default 64 MiB. */
  bigFileSize?: number;
  /** Number of small files under `many/`. Default 10 000. */
  smallFileCount?: number;
  /** Number of small files per directory under `many/`. Default 100. */
  filesPerDir?: number;
  /** Number of nested directories under `deep/`. Default 20. */
  depth?: number;
  /** Seed of the pseudo-random generator (content, sizes). Default 1. */
  seed?: number;
  /**
   * Precision of the sub-second part of the modification times set on every
   * entry: `"ns"` (e.g. `.123456789`), `"us"` (whole microseconds, e.g.
   * `.123457000`), `"ms"` (whole milliseconds). `"auto"` (default) is `"ns"`
   * when {@link mtimeSupport} reports nanoseconds, `"ms"` otherwise. `"ns"`
   * and `"us"` throw when only milliseconds can be set.
   *
   * plakar's built-in fs exporter (v1.1.4) restores times rounded UP to the
   * microsecond (`unix.NsecToTimeval` + `lutimes`), so a tree generated with
   * `"us"` survives a plakar fs→fs roundtrip exactly.
   */
  mtimePrecision?: MtimePrecision | "auto";
  /**
   * Also create `modes/setuid` (04755), `modes/setgid-dir` (02755) and
   * `modes/sticky-dir` (01777). Default false.
   */
  specialModes?: boolean;
  /** Called with progress messages. Default: silent. */
  log?: (message: string) => void;
}

/** What this process can do with nanosecond modification times. */
export interface MtimeSupport {
  /** Granularity in nanoseconds of times set and read: 1 or 1 000 000. */
  readonly resolutionNs: number;
  /** Human-readable description of the mechanism in use. */
  readonly mechanism: string;
}

const MIB = 1024 * 1024;

// ---------------------------------------------------------------------------
// Nanosecond modification times through libc (Linux/glibc) with a fallback.

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const STATX_MTIME = 0x40;
const STATX_MTIME_OFFSET = 0x70; // struct statx: stx_mtime {i64 sec; u32 nsec}
const STATX_SIZE = 256;

const LIBC_SYMBOLS = {
  utimensat: {
    parameters: ["i32", "buffer", "buffer", "i32"],
    result: "i32",
  },
  statx: {
    parameters: ["i32", "buffer", "i32", "u32", "buffer"],
    result: "i32",
  },
} as const;

type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>;

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (Deno.build.os !== "linux" || Deno.build.env !== "gnu") return libc;
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      return libc;
    }
    libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
  } catch {
    libc = null;
  }
  return libc;
}

const encoder = new TextEncoder();

function cString(path: string): Uint8Array<ArrayBuffer> {
  const bytes = encoder.encode(path);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

function errnoError(call: string, path: string): Error {
  return new Error(`${call}(${JSON.stringify(path)}) failed`);
}

/**
 * Reports whether modification times can be set and read to the nanosecond
 * in this process (Linux/glibc with `--allow-ffi`) or only to the
 * millisecond (Deno's own APIs).
 */
export function mtimeSupport(): MtimeSupport {
  return loadLibc() !== null
    ? { resolutionNs: 1, mechanism: "libc utimensat/statx via Deno.dlopen" }
    : {
      resolutionNs: 1_000_000,
      mechanism: "Deno.utime / node:fs lutimes / Deno.lstat (milliseconds)",
    };
}

/**
 * Sets the access and modification times of `path` (the link itself when it
 * is a symlink) to `ns` nanoseconds since the Unix epoch. Exact with libc;
 * truncated to the millisecond otherwise.
 */
export async function setMtimeNs(path: string, ns: bigint): Promise<void> {
  const lib = loadLibc();
  if (lib !== null) {
    const sec = ns / 1_000_000_000n;
    const nsec = ns % 1_000_000_000n;
    const times = new BigInt64Array([sec, nsec, sec, nsec]);
    const rc = lib.symbols.utimensat(
      AT_FDCWD,
      cString(path),
      new Uint8Array(times.buffer),
      AT_SYMLINK_NOFOLLOW,
    );
    if (rc !== 0) throw errnoError("utimensat", path);
    return;
  }
  const date = new Date(Number(ns / 1_000_000n));
  await lutimes(path, date, date);
}

/**
 * Returns the modification time of `path` (not following symlinks) in
 * nanoseconds since the Unix epoch. Exact with libc; whole milliseconds
 * otherwise.
 */
export async function lstatMtimeNs(path: string): Promise<bigint> {
  const lib = loadLibc();
  if (lib !== null) {
    const buf = new Uint8Array(STATX_SIZE);
    const rc = lib.symbols.statx(
      AT_FDCWD,
      cString(path),
      AT_SYMLINK_NOFOLLOW,
      STATX_MTIME,
      buf,
    );
    if (rc !== 0) throw errnoError("statx", path);
    const view = new DataView(buf.buffer);
    return view.getBigInt64(STATX_MTIME_OFFSET, true) * 1_000_000_000n +
      BigInt(view.getUint32(STATX_MTIME_OFFSET + 8, true));
  }
  const info = await Deno.lstat(path);
  if (info.mtime === null) throw new Error(`no mtime for ${path}`);
  return BigInt(info.mtime.getTime()) * 1_000_000n;
}

// ---------------------------------------------------------------------------
// Pseudo-random generator: xoshiro128** (fast, 32-bit, seedable).

/** A small seeded pseudo-random generator (xoshiro128**). */
export class Prng {
  #s: Uint32Array = new Uint32Array(4);

  /** Creates a generator from a 32-bit seed (expanded with splitmix32). */
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.#s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /** Next unsigned 32-bit value. */
  next(): number {
    const s = this.#s;
    const s0 = s[0]!, s1 = s[1]!, s2 = s[2]!, s3 = s[3]!;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    const n2 = s2 ^ s0, n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 11);
    return r;
  }

  /** Integer in `[0, n)`. */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** Fills `buf` with pseudo-random bytes. */
  fill(buf: Uint8Array): void {
    const words = Math.floor(buf.byteLength / 4);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = 0; i < words; i++) view.setUint32(i * 4, this.next(), true);
    for (let i = words * 4; i < buf.byteLength; i++) {
      buf[i] = this.next() & 0xff;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

// ---------------------------------------------------------------------------
// Tree generation.

async function writeRandomFile(
  path: string,
  size: number,
  prng: Prng,
  mode = 0o644,
): Promise<void> {
  const file = await Deno.open(path, {
    write: true,
    create: true,
    truncate: true,
    mode,
  });
  try {
    const chunk = new Uint8Array(Math.min(size, MIB));
    let left = size;
    while (left > 0) {
      const n = Math.min(left, chunk.byteLength);
      const part = chunk.subarray(0, n);
      prng.fill(part);
      let off = 0;
      while (off < n) off += await file.write(part.subarray(off));
      left -= n;
    }
  } finally {
    file.close();
  }
  await Deno.chmod(path, mode);
}

async function writeText(path: string, text: string, mode = 0o644) {
  await Deno.writeFile(path, encoder.encode(text), { mode });
  await Deno.chmod(path, mode);
}

/** A deterministic sequence of modification times. */
class MtimeSequence {
  #i = 0n;
  readonly #unit: bigint;

  constructor(precision: MtimePrecision) {
    this.#unit = precision === "ns"
      ? 1n
      : precision === "us"
      ? 1_000n
      : 1_000_000n;
  }

  /**
   * Next time: 2001-09-09 plus i×1 h 1 min 1 s, with a sub-second part that
   * is never zero and, in "ns" mode, never a multiple of 1000 ns.
   */
  next(): bigint {
    const i = this.#i++;
    const base = 1_000_000_000n + i * 3661n;
    const units = 1_000_000_000n / this.#unit; // units per second
    let frac = (123_456_789n / this.#unit + i * 7_919n) % units;
    if (frac === 0n) frac = 1n;
    if (this.#unit === 1n && frac % 1000n === 0n) frac += 1n;
    return base * 1_000_000_000n + frac * this.#unit;
  }
}

/**
 * Generates the end-to-end test tree in `dir` (created if missing; it should
 * be empty). Layout:
 *
 * - `sizes/`: `empty` (0 B), `one-byte`, `mib-minus-1`, `mib`, `mib-plus-1`
 * - `big.bin`: `bigFileSize` pseudo-random bytes
 * - `many/dNNNN/fNNNNN.txt`: `smallFileCount` small files (0..4 KiB)
 * - `deep/l01/…/lNN/leaf.txt`: `depth` nested directories
 * - `names/`: `with space.txt`, `dir with space/inner.txt`, a unicode name,
 *   `new\nline.txt`, `-leading-dash.txt`, `--double-dash`
 * - `links/`: `relative` → `../sizes/one-byte`, `absolute` →
 *   `<dir>/sizes/mib` (absolute path inside the tree), `dangling` →
 *   `does/not/exist`, `to-dir` → `../deep`
 * - `empty-dirs/a`, `empty-dirs/b/c` (empty directories)
 * - `modes/`: `0600.txt`, `0755.sh`, `0700.bin`, `0700-dir/` (with a file),
 *   `0755-dir/`; with `specialModes`: `setuid` 04755, `setgid-dir` 02755,
 *   `sticky-dir` 01777
 *
 * Every entry, the root included, gets an explicit modification time (see
 * {@link GenerateTreeOptions.mtimePrecision}); directories last, deepest
 * first, so that creating children does not change them again.
 */
export async function generateTree(
  dir: string,
  options: GenerateTreeOptions = {},
): Promise<void> {
  const bigFileSize = options.bigFileSize ?? 64 * MIB;
  const smallFileCount = options.smallFileCount ?? 10_000;
  const filesPerDir = Math.max(1, options.filesPerDir ?? 100);
  const depth = options.depth ?? 20;
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => {});
  const support = mtimeSupport();
  let precision: MtimePrecision;
  if (
    options.mtimePrecision === undefined || options.mtimePrecision === "auto"
  ) {
    precision = support.resolutionNs === 1 ? "ns" : "ms";
  } else {
    precision = options.mtimePrecision;
    if (precision !== "ms" && support.resolutionNs !== 1) {
      throw new Error(
        `mtime precision "${precision}" needs nanosecond support ` +
          `(Linux/glibc and --allow-ffi); only ${support.mechanism} available`,
      );
    }
  }
  const mtimes = new MtimeSequence(precision);
  const prng = new Prng(seed);

  await Deno.mkdir(dir, { recursive: true });
  const root = await Deno.realPath(dir);
  const p = (...parts: string[]): string => [root, ...parts].join("/");
  const nonDirs: string[] = [];
  const dirs: string[] = [root];
  const mkdir = async (path: string, mode = 0o755): Promise<void> => {
    await Deno.mkdir(path, { mode });
    await Deno.chmod(path, mode);
    dirs.push(path);
  };

  // Edge-case sizes.
  log("sizes");
  await mkdir(p("sizes"));
  for (
    const [name, size] of [
      ["empty", 0],
      ["one-byte", 1],
      ["mib-minus-1", MIB - 1],
      ["mib", MIB],
      ["mib-plus-1", MIB + 1],
    ] as const
  ) {
    await writeRandomFile(p("sizes", name), size, prng);
    nonDirs.push(p("sizes", name));
  }

  // One large file.
  log(`big.bin (${bigFileSize} bytes)`);
  await writeRandomFile(p("big.bin"), bigFileSize, prng);
  nonDirs.push(p("big.bin"));

  // Many small files.
  log(`many/ (${smallFileCount} files)`);
  await mkdir(p("many"));
  const buf = new Uint8Array(4096);
  let current = "";
  for (let i = 0; i < smallFileCount; i++) {
    const sub = `d${String(Math.floor(i / filesPerDir)).padStart(4, "0")}`;
    if (sub !== current) {
      current = sub;
      await mkdir(p("many", sub));
    }
    const path = p("many", sub, `f${String(i).padStart(5, "0")}.txt`);
    const size = prng.below(buf.byteLength + 1);
    const body = buf.subarray(0, size);
    prng.fill(body);
    await Deno.writeFile(path, body, { mode: 0o644 });
    nonDirs.push(path);
  }

  // Deep nesting.
  log(`deep/ (${depth} levels)`);
  let deep = p("deep");
  await mkdir(deep);
  for (let level = 1; level <= depth; level++) {
    deep += `/l${String(level).padStart(2, "0")}`;
    await mkdir(deep);
  }
  await writeText(`${deep}/leaf.txt`, `leaf at depth ${depth}\n`);
  nonDirs.push(`${deep}/leaf.txt`);

  // Awkward names.
  log("names/");
  await mkdir(p("names"));
  await mkdir(p("names", "dir with space"));
  for (
    const name of [
      "with space.txt",
      "dir with space/inner.txt",
      "ünïcødé-日本語-😀.txt",
      "new\nline.txt",
      "-leading-dash.txt",
      "--double-dash",
    ]
  ) {
    await writeText(p("names", name), `${JSON.stringify(name)}\n`);
    nonDirs.push(p("names", name));
  }

  // Symlinks.
  log("links/");
  await mkdir(p("links"));
  for (
    const [name, target] of [
      ["relative", "../sizes/one-byte"],
      ["absolute", p("sizes", "mib")],
      ["dangling", "does/not/exist"],
      ["to-dir", "../deep"],
    ] as const
  ) {
    await Deno.symlink(target, p("links", name));
    nonDirs.push(p("links", name));
  }

  // Empty directories.
  log("empty-dirs/");
  await mkdir(p("empty-dirs"));
  await mkdir(p("empty-dirs", "a"));
  await mkdir(p("empty-dirs", "b"));
  await mkdir(p("empty-dirs", "b", "c"));

  // Permission bits.
  log("modes/");
  await mkdir(p("modes"));
  await writeText(p("modes", "0600.txt"), "private\n", 0o600);
  await writeText(p("modes", "0755.sh"), "#!/bin/sh\nexit 0\n", 0o755);
  await writeText(p("modes", "0700.bin"), "owner only\n", 0o700);
  nonDirs.push(p("modes", "0600.txt"), p("modes", "0755.sh"));
  nonDirs.push(p("modes", "0700.bin"));
  await mkdir(p("modes", "0755-dir"), 0o755);
  await mkdir(p("modes", "0700-dir"), 0o700);
  await writeText(p("modes", "0700-dir", "inside.txt"), "inside\n", 0o644);
  nonDirs.push(p("modes", "0700-dir", "inside.txt"));
  if (options.specialModes) {
    await writeText(p("modes", "setuid"), "#!/bin/sh\n", 0o4755);
    nonDirs.push(p("modes", "setuid"));
    await mkdir(p("modes", "setgid-dir"), 0o2755);
    await mkdir(p("modes", "sticky-dir"), 0o1777);
  }

  // Modification times: files and symlinks, then directories deepest first.
  log(`mtimes (${precision})`);
  for (const path of nonDirs) await setMtimeNs(path, mtimes.next());
  const byDepth = [...dirs].sort((a, b) =>
    b.split("/").length - a.split("/").length
  );
  for (const path of byDepth) await setMtimeNs(path, mtimes.next());
}

// ---------------------------------------------------------------------------
// Command line.

function writeErr(text: string): void {
  Deno.stderr.writeSync(encoder.encode(text + "\n"));
}

async function main(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "big-size": { type: "string" },
      "small-count": { type: "string" },
      "files-per-dir": { type: "string" },
      depth: { type: "string" },
      seed: { type: "string" },
      mtime: { type: "string" },
      "special-modes": { type: "boolean" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length !== 1) {
    writeErr(
      "usage: tree.ts DIR [--big-size BYTES] [--small-count N] " +
        "[--files-per-dir N] [--depth N] [--seed N] [--mtime ns|us|ms|auto] " +
        "[--special-modes] [--quiet]",
    );
    return values.help ? 0 : 2;
  }
  const num = (v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new Error(`not a non-negative integer: ${v}`);
    }
    return n;
  };
  const mtime = values.mtime ?? "auto";
  if (!["ns", "us", "ms", "auto"].includes(mtime)) {
    throw new Error(`--mtime must be ns, us, ms or auto, not ${mtime}`);
  }
  const options: GenerateTreeOptions = {
    mtimePrecision: mtime as MtimePrecision | "auto",
    specialModes: values["special-modes"] ?? false,
  };
  const set = <K extends keyof GenerateTreeOptions>(
    key: K,
    value: GenerateTreeOptions[K] | undefined,
  ): void => {
    if (value !== undefined) options[key] = value;
  };
  set("bigFileSize", num(values["big-size"]));
  set("smallFileCount", num(values["small-count"]));
  set("filesPerDir", num(values["files-per-dir"]));
  set("depth", num(values.depth));
  set("seed", num(values.seed));
  if (!values.quiet) options.log = (m: string) => writeErr(`tree: ${m}`);
  const t0 = performance.now();
  await generateTree(positionals[0]!, options);
  if (!values.quiet) {
    writeErr(
      `tree: done in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
        `(mtimes via ${mtimeSupport().mechanism})`,
    );
  }
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
