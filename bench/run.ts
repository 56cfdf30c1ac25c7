/**
 * `deno task bench`: measures the `denofs` connectors (this SDK) against the
 * Go peer `gofs` (go-kloset-sdk v1.1.0, `bench/go`) and plakar's built-in
 * `fs` connectors, through a real plakar v1.1.4, on the same generated data.
 *
 * ```sh
 * deno task bench                 # launchers (deno run), 3 repetitions
 * deno task bench --compiled      # compiled executables (deno compile, Deno 2.7.11)
 * deno task bench --reps 5 --big-mib 256 --small-files 5000 --keep
 * ```
 *
 * What it does, in a throwaway directory (`--keep` keeps it):
 *
 * 1. finds or builds plakar v1.1.4 (`tools/install_plakar.sh`), builds the
 *    Go peer (`bench/go/build.sh`, modules from the Go proxy), builds
 *    `examples/fs` and `bench/fixtures` with `deno task build`, and installs
 *    `denofs` and `gofs` into an isolated plakar home (`HOME`, `XDG_*_HOME`);
 * 2. generates a tree with one pseudo-random file of 1 GiB and a tree of
 *    20 000 pseudo-random files of 1-16 KiB (100 per directory);
 * 3. measures, every row repeated (implementations interleaved, in an
 *    order that rotates from one repetition to the next) and reported as
 *    median (min-max): backups through each importer, restores
 *    through each exporter, backups into a repository on each storage
 *    backend, cold start (spawn to Init answered), peak resident memory of
 *    the connector processes plakar spawns (`VmHWM` sampled from `/proc`),
 *    idle memory after Init, executable size, and transport-only rows
 *    driven by `bench/go/transportbench` on synthetic in-memory importers
 *    (`bench/go/synthetic`, `bench/fixtures/synthetic_importer.ts`);
 * 4. prints a markdown report and writes it to `bench/results/<date>.md`.
 *
 * Linux only (`/proc`). Needs Go (for the peer, and for plakar if it must be
 * built) and, in the temporary directory, about 4 GiB of free space plus
 * 0.6 GiB per repetition (restored trees of small files are kept until the
 * end).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { Prng } from "../tests/e2e/tree.ts";
import { ImporterClient } from "../testing.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const MIB = 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------
// Options.

/** What `deno task bench` was asked to do. */
interface BenchOptions {
  /** Build compiled executables instead of `deno run` launchers. */
  compiled: boolean;
  /** The Deno release that compiles them. */
  denoVersion: string;
  /** Repetitions of every measured row. */
  reps: number;
  /** Size of the large file, in MiB. */
  bigMiB: number;
  /** Number of small files. */
  smallFiles: number;
  /** Records of the transport scan row. */
  scanRecords: number;
  /** Keep the working directory. */
  keep: boolean;
  /** Where to write the report (default `bench/results/<date>.md`). */
  out: string | undefined;
  /** Skip the plakar rows (transport, cold start, memory, size only). */
  transportOnly: boolean;
}

const USAGE =
  `Usage: deno task bench [--compiled [--deno-version X.Y.Z]] [--reps N] [--big-mib N] \
[--small-files N] [--scan-records N] [--transport-only] [--keep] [--out FILE]`;

class BenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchError";
  }
}

function positive(name: string, text: string | undefined, fallback: number) {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new BenchError(`--${name} must be a positive integer, not ${text}`);
  }
  return n;
}

function parseOptions(args: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args,
    options: {
      compiled: { type: "boolean" },
      "deno-version": { type: "string" },
      reps: { type: "string" },
      "big-mib": { type: "string" },
      "small-files": { type: "string" },
      "scan-records": { type: "string" },
      "transport-only": { type: "boolean" },
      keep: { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return undefined;
  return {
    compiled: values.compiled ?? false,
    denoVersion: values["deno-version"] ?? "2.7.11",
    reps: positive("reps", values.reps, 3),
    bigMiB: positive("big-mib", values["big-mib"], 1024),
    smallFiles: positive("small-files", values["small-files"], 20_000),
    scanRecords: positive("scan-records", values["scan-records"], 100_000),
    transportOnly: values["transport-only"] ?? false,
    keep: values.keep ?? false,
    out: values.out,
  };
}

// ---------------------------------------------------------------------------
// Logging and processes.

const start = performance.now();

function log(line: string): void {
  const s = Math.round((performance.now() - start) / 1000);
  const stamp = `${String(Math.floor(s / 60)).padStart(2, "0")}:${
    String(s % 60).padStart(2, "0")
  }`;
  Deno.stderr.writeSync(encoder.encode(`[bench ${stamp}] ${line}\n`));
}

/** The outcome of a finished command. */
interface Output {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in seconds. */
  seconds: number;
  /** Peak resident memory of its descendants (not itself), in KiB. */
  childPeakKiB: number;
  /** Peak resident memory of the command itself, in KiB. */
  selfPeakKiB: number;
  /** How many descendant processes were seen. */
  children: number;
  /** CPU time (user + system) of those descendants, in seconds. */
  childCpu: number;
  /** The system (kernel) part of `childCpu`, in seconds. */
  childSystemCpu: number;
}

/** How to run a command. */
interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Sample the peak memory of descendants whose executable is not this. */
  sampleExcept?: string;
  /** Show stderr as it comes (long builds) instead of capturing it. */
  inheritStderr?: boolean;
}

async function run(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<Output> {
  const t0 = performance.now();
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: options.inheritStderr ? "inherit" : "piped",
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  }).spawn();
  const sampler = options.sampleExcept !== undefined
    ? new PeakSampler(child.pid, options.sampleExcept)
    : undefined;
  const out = await child.output();
  const seconds = (performance.now() - t0) / 1000;
  sampler?.stop();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: options.inheritStderr ? "" : decoder.decode(out.stderr),
    seconds,
    childPeakKiB: sampler?.childPeakKiB ?? 0,
    selfPeakKiB: sampler?.selfPeakKiB ?? 0,
    children: sampler?.children ?? 0,
    childCpu: sampler?.childCpu ?? 0,
    childSystemCpu: sampler?.childSystemCpu ?? 0,
  };
}

function check(what: string, out: Output): Output {
  if (out.code !== 0) {
    throw new BenchError(
      `${what} failed (exit ${out.code}): ${
        (out.stderr || out.stdout).trim().slice(-2000)
      }`,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------
// Peak resident memory, from /proc.

function readProc(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** `VmHWM` (peak resident set) of a process, in KiB; 0 if it is gone. */
function peakKiB(pid: number): number {
  const status = readProc(`/proc/${pid}/status`);
  const match = status?.match(/^VmHWM:\s+(\d+) kB/m);
  return match ? Number(match[1]) : 0;
}

/** `VmRSS` (current resident set) of a process, in KiB; 0 if it is gone. */
function residentKiB(pid: number): number {
  const status = readProc(`/proc/${pid}/status`);
  const match = status?.match(/^VmRSS:\s+(\d+) kB/m);
  return match ? Number(match[1]) : 0;
}

/** `RssAnon` (resident anonymous memory) of a process, in KiB. */
function anonKiB(pid: number): number {
  const status = readProc(`/proc/${pid}/status`);
  const match = status?.match(/^RssAnon:\s+(\d+) kB/m);
  return match ? Number(match[1]) : 0;
}

/** Parent pid of every process. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = readProc(`/proc/${entry.name}/stat`);
    if (stat === undefined) continue;
    // pid (comm) state ppid ...: comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    map.set(Number(entry.name), Number(fields[1]));
  }
  return map;
}

function descendants(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) {
    const list = byParent.get(ppid) ?? [];
    list.push(pid);
    byParent.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    for (const pid of byParent.get(todo.pop()!) ?? []) {
      out.push(pid);
      todo.push(pid);
    }
  }
  return out;
}

function executable(pid: number): string {
  try {
    return Deno.readLinkSync(`/proc/${pid}/exe`);
  } catch {
    return "";
  }
}

const SAMPLE_MS = 50;
/** Kernel clock ticks per second (USER_HZ; 100 on Linux). */
const CLOCK_TICKS = 100;

/** User and system CPU time of a process so far, in seconds; 0 if gone. */
function cpuSeconds(pid: number): { user: number; system: number } {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return { user: 0, system: 0 };
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    user: Number(fields[11]) / CLOCK_TICKS,
    system: Number(fields[12]) / CLOCK_TICKS,
  };
}

/**
 * Samples, every 50 ms, the peak resident memory (`VmHWM`, a high-water
 * mark kept by the kernel) of a process and of its descendants whose
 * executable is not `except` (plakar's connector processes: `sh` launchers
 * `exec` deno, so the connector keeps the pid plakar spawned).
 */
class PeakSampler {
  childPeakKiB = 0;
  selfPeakKiB = 0;
  /** User and system CPU seconds of each process seen, at its last sample. */
  readonly #seen = new Map<number, { user: number; system: number }>();
  readonly #root: number;
  readonly #except: string;
  readonly #timer: ReturnType<typeof setInterval>;

  constructor(root: number, except: string) {
    this.#root = root;
    this.#except = except;
    this.#timer = setInterval(() => this.sample(), SAMPLE_MS);
  }

  get children(): number {
    return this.#seen.size;
  }

  /** CPU seconds of the processes seen, at their last sample. */
  get childCpu(): number {
    let total = 0;
    for (const cpu of this.#seen.values()) total += cpu.user + cpu.system;
    return total;
  }

  /** The system (kernel) part of {@linkcode childCpu}. */
  get childSystemCpu(): number {
    let total = 0;
    for (const cpu of this.#seen.values()) total += cpu.system;
    return total;
  }

  sample(): void {
    this.selfPeakKiB = Math.max(this.selfPeakKiB, peakKiB(this.#root));
    for (const pid of descendants(this.#root)) {
      const exe = executable(pid);
      if (exe === "" || exe === this.#except) continue;
      if (exe.endsWith("/sh") || exe.endsWith("/dash")) continue;
      // A process gone between listing and reading reads as 0: keep the
      // last sample.
      const cpu = cpuSeconds(pid);
      const last = this.#seen.get(pid);
      if (
        last === undefined || cpu.user + cpu.system >= last.user + last.system
      ) {
        this.#seen.set(pid, cpu);
      }
      this.childPeakKiB = Math.max(this.childPeakKiB, peakKiB(pid));
    }
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

// ---------------------------------------------------------------------------
// Statistics and formatting.

/** Repeated measurements of one cell. */
interface Cell {
  values: number[];
  /** Optional note printed after the figures. */
  note?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]!
    : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function fmt(value: number): string {
  if (value >= 10_000) return Math.round(value).toLocaleString("en-US");
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function cellText(cell: Cell | undefined): string {
  if (cell === undefined || cell.values.length === 0) {
    return cell?.note ?? "—";
  }
  const m = fmt(median(cell.values));
  const text = cell.values.length === 1
    ? m
    : `${m} (${fmt(Math.min(...cell.values))}–${
      fmt(Math.max(...cell.values))
    })`;
  return cell.note ? `${text} ${cell.note}` : text;
}

function mark(
  cell: Cell | undefined,
  target: ((value: number) => boolean) | undefined,
): string {
  if (target === undefined || cell === undefined || cell.values.length === 0) {
    return "";
  }
  return target(median(cell.values)) ? " ✓" : " ✗";
}

/**
 * ours / other, medians. With a target: ✓ when met; ≈ when missed but our
 * best repetition reached the other's median (the gap is within the spread
 * of the repetitions); ✗ otherwise. Targets are on throughputs (higher is
 * better).
 */
function ratioText(
  ours: Cell | undefined,
  other: Cell | undefined,
  target?: (ratio: number) => boolean,
): string {
  if (
    ours === undefined || other === undefined || ours.values.length === 0 ||
    other.values.length === 0
  ) return "—";
  const base = median(other.values);
  if (base === 0) return "—";
  const ratio = median(ours.values) / base;
  let mark = "";
  if (target !== undefined) {
    if (target(ratio)) mark = " ✓";
    else if (target(Math.max(...ours.values) / base)) mark = " ≈";
    else mark = " ✗";
  }
  return `${ratio.toFixed(2)}${mark}`;
}

/** One line of the results table. */
interface Row {
  id: string;
  what: string;
  /** `higher` for throughputs, `lower` for times, memory and sizes. */
  better: "higher" | "lower";
  ours?: Cell;
  go?: Cell;
  builtin?: Cell;
  /** Target on ours/Go, marked ✓ or ✗ on the ratio. */
  targetGo?: (ratio: number) => boolean;
  /** Target on our median, marked ✓ or ✗ on our figure. */
  targetOurs?: (value: number) => boolean;
}

function table(rows: Row[]): string[] {
  const lines = [
    "| # | Measure | ours (denofs, Deno SDK) | Go (gofs, go-kloset-sdk) | built-in (fs) | ours/Go | ours/built-in |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const arrow = row.better === "higher" ? "↑" : "↓";
    lines.push(
      `| ${row.id} | ${row.what} ${arrow} | ${cellText(row.ours)}${
        mark(row.ours, row.targetOurs)
      } | ${cellText(row.go)} | ${cellText(row.builtin)} | ${
        ratioText(row.ours, row.go, row.targetGo)
      } | ${ratioText(row.ours, row.builtin)} |`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------
// Data.

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) at += await file.write(bytes.subarray(at));
}

/** One pseudo-random file of `size` bytes in `dir`. */
async function generateBig(dir: string, size: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const prng = new Prng(1);
  const file = await Deno.open(`${dir}/big.bin`, {
    write: true,
    create: true,
    truncate: true,
  });
  try {
    const chunk = new Uint8Array(4 * MIB);
    for (let left = size; left > 0; left -= chunk.byteLength) {
      const part = chunk.subarray(0, Math.min(left, chunk.byteLength));
      prng.fill(part);
      await writeAll(file, part);
    }
  } finally {
    file.close();
  }
}

/** `count` pseudo-random files of 1-16 KiB, 100 per directory. */
async function generateSmall(dir: string, count: number): Promise<number> {
  const prng = new Prng(2);
  const buffer = new Uint8Array(16 * 1024);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const sub = `${dir}/d${String(Math.floor(i / 100)).padStart(4, "0")}`;
    if (i % 100 === 0) await Deno.mkdir(sub, { recursive: true });
    const size = 1024 + prng.below(15 * 1024 + 1);
    const body = buffer.subarray(0, size);
    prng.fill(body);
    await Deno.writeFile(`${sub}/f${String(i).padStart(5, "0")}.bin`, body);
    bytes += size;
  }
  return bytes;
}

/** Regular files and their total size under `dir`. */
async function census(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      const sub = await census(path);
      files += sub.files;
      bytes += sub.bytes;
    } else if (entry.isFile) {
      files++;
      bytes += (await Deno.lstat(path)).size;
    }
  }
  return { files, bytes };
}

async function remove(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

async function fileSize(path: string): Promise<number> {
  return (await Deno.stat(path)).size;
}

// ---------------------------------------------------------------------------
// The three implementations.

type Key = "ours" | "go" | "builtin";

/** One set of connectors. */
interface Impl {
  key: Key;
  /** The protocol plakar matches. */
  proto: string;
  /** Executables (absent for the built-in ones). */
  importer?: string;
  exporter?: string;
  storage?: string;
}

const KEYS: readonly Key[] = ["builtin", "go", "ours"];

/**
 * `list` rotated by `rep - 1`: each repetition starts with another
 * implementation, so that none always runs right after the same other one
 * (whose dirty pages, freed blocks or warm caches it would inherit).
 */
function rotated<T>(list: readonly T[], rep: number): T[] {
  const at = (rep - 1) % list.length;
  return [...list.slice(at), ...list.slice(0, at)];
}

/** Measurements of one row, per implementation. */
type Samples = Record<Key, number[]>;

function samples(): Samples {
  return { builtin: [], go: [], ours: [] };
}

function cell(values: number[], note?: string): Cell | undefined {
  if (values.length === 0) return note ? { values, note } : undefined;
  return note ? { values, note } : { values };
}

// ---------------------------------------------------------------------------
// The benchmark.

/** Everything the measurements need. */
interface Setup {
  work: string;
  plakar: string;
  env: Record<string, string>;
  impls: Record<Key, Impl>;
  transportbench: string;
  synth: { ours: string; go: string };
  big: string;
  small: string;
  smallBytes: number;
  empty: string;
  versions: Record<string, string>;
  denoBinary: string;
}

async function findPlakar(): Promise<string> {
  const out = check(
    "tools/install_plakar.sh",
    await run("bash", [`${ROOT}tools/install_plakar.sh`], {
      inheritStderr: true,
    }),
  );
  const path = out.stdout.trim().split("\n").at(-1);
  if (!path) throw new BenchError("tools/install_plakar.sh printed no path");
  return path;
}

/** The Deno runtime `deno compile` embeds, for `--compiled` builds. */
async function denortBin(version: string): Promise<string | undefined> {
  const given = Deno.env.get("DENORT_BIN");
  if (given) return given;
  // The one runtime obtainable offline here (see ../shared/tools/).
  const provision = `${ROOT}../shared/tools/offline-denort/provision`;
  if (version !== "2.7.11") return undefined;
  try {
    await Deno.stat(provision);
  } catch {
    return undefined;
  }
  const out = check(provision, await run(provision, []));
  return out.stdout.trim().split("\n").at(-1);
}

async function buildPackage(
  source: string,
  out: string,
  options: BenchOptions,
): Promise<void> {
  const args = ["task", "-q", "build", source, "--out", out, "--no-package"];
  const env: Record<string, string> = {};
  if (options.compiled) {
    args.push("--deno-version", options.denoVersion);
    const denort = await denortBin(options.denoVersion);
    if (denort !== undefined) env.DENORT_BIN = denort;
  } else {
    args.push("--launcher");
  }
  const result = await run(Deno.execPath(), args, { cwd: ROOT, env });
  if (result.code !== 0) {
    throw new BenchError(
      `deno ${args.join(" ")} failed: ${
        (result.stderr || result.stdout).trim()
      }`,
    );
  }
}

async function setup(options: BenchOptions, work: string): Promise<Setup> {
  log("plakar v1.1.4: tools/install_plakar.sh");
  const plakar = await Deno.realPath(await findPlakar());

  log("Go peer: bench/go/build.sh (modules from the Go proxy)");
  const goOut = `${work}/gofs`;
  check(
    "bench/go/build.sh",
    await run("sh", [`${ROOT}bench/go/build.sh`, goOut], {
      inheritStderr: true,
    }),
  );

  const mode = options.compiled
    ? `compiled with Deno ${options.denoVersion}`
    : "--launcher";
  log(`our packages: deno task build examples/fs, bench/fixtures (${mode})`);
  const oursOut = `${work}/denofs`;
  const synthOut = `${work}/denosynth`;
  await buildPackage(`${ROOT}examples/fs`, oursOut, options);
  await buildPackage(`${ROOT}bench/fixtures`, synthOut, options);

  const home = `${work}/home`;
  const env: Record<string, string> = {
    HOME: home,
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_DATA_HOME: `${home}/.local/share`,
    XDG_CONFIG_HOME: `${home}/.config`,
    DENO_NO_UPDATE_CHECK: "1",
  };
  await Deno.mkdir(home, { recursive: true });
  log(`plakar home ${home}: pkg create, pkg add (denofs, gofs)`);
  check(
    "plakar -disable-security-check",
    await run(plakar, ["-disable-security-check"], { env }),
  );
  for (const dir of [oursOut, goOut]) {
    const created = check(
      `plakar pkg create (${dir})`,
      await run(plakar, ["pkg", "create", "./manifest.yaml", "v1.0.0"], {
        cwd: dir,
        env,
      }),
    );
    const ptar = created.stdout.match(/Plugin created successfully: (.+)$/m)
      ?.[1];
    if (ptar === undefined) {
      throw new BenchError(`plakar pkg create made no package in ${dir}`);
    }
    check(
      `plakar pkg add ${ptar}`,
      await run(plakar, ["pkg", "add", ptar], { env }),
    );
  }

  const data = `${work}/data`;
  const big = `${data}/big`;
  const small = `${data}/small`;
  const empty = `${data}/empty`;
  let t0 = performance.now();
  await generateBig(big, options.bigMiB * MIB);
  log(
    `data: ${big}/big.bin (${options.bigMiB} MiB) in ${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s`,
  );
  t0 = performance.now();
  const smallBytes = await generateSmall(small, options.smallFiles);
  log(
    `data: ${small} (${options.smallFiles} files, ${
      (smallBytes / MIB).toFixed(0)
    } MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  await Deno.mkdir(empty, { recursive: true });

  const version = async (cmd: string, args: string[]): Promise<string> => {
    const out = await run(cmd, args, { env });
    return out.stdout.trim().split("\n")[0] ?? "?";
  };
  const goBin =
    (await run("sh", ["-c", "command -v go || echo /usr/local/go/bin/go"]))
      .stdout.trim();
  return {
    work,
    plakar,
    env,
    impls: {
      builtin: { key: "builtin", proto: "fs" },
      go: {
        key: "go",
        proto: "gofs",
        importer: `${goOut}/gofs-importer`,
        exporter: `${goOut}/gofs-exporter`,
        storage: `${goOut}/gofs-storage`,
      },
      ours: {
        key: "ours",
        proto: "denofs",
        importer: `${oursOut}/denofs-importer`,
        exporter: `${oursOut}/denofs-exporter`,
        storage: `${oursOut}/denofs-storage`,
      },
    },
    transportbench: `${goOut}/transportbench`,
    synth: {
      ours: `${synthOut}/denosynth-importer`,
      go: `${goOut}/gosynth-importer`,
    },
    big,
    small,
    smallBytes,
    empty,
    versions: {
      deno: Deno.version.deno,
      plakar: await version(plakar, ["version"]),
      go: await version(goBin, ["version"]),
    },
    denoBinary: Deno.execPath(),
  };
}

let counter = 0;

/**
 * Writes dirty pages back before a measured command, so that the previous
 * run's writeback does not land in its time, then warms free memory.
 */
async function settle(): Promise<void> {
  await run("sync", []);
  await warmMemory();
}

// Memory touched, then freed, before each measured command. 3 GiB: what a
// command of the big-file rows takes in new pages (1 GiB written into the
// page cache, plakar's heap) with room to spare.
const WARM_BYTES = 3 * 1024 * MIB;
// Left free when the machine has less: warming must not evict cached data.
const WARM_MARGIN = 1024 * MIB;
// Page cache written and deleted after it: what a big-file command writes,
// and under the kernel's threshold for background write-back (10% of memory).
const WARM_FILE_BYTES = 1280 * MIB;
/**
 * Seconds spent warming, bytes touched, and bytes touched by warm-ups slower
 * than `SLOW_WARM_S_PER_GIB` (memory the host had taken back).
 */
const warming = { seconds: 0, bytes: 0, slowBytes: 0 };
// A page fault on memory the host still backs: about 0.4 s per GiB here;
// above this rate, the host had taken the memory back.
const SLOW_WARM_S_PER_GIB = 1;

/**
 * Touches free memory in a child process that exits at once, then writes and
 * deletes a file, so that the next command's new pages are ones the host
 * backs.
 *
 * On virtual machines with free page reporting (this one: "Free page
 * reporting enabled" at boot), the host takes back memory the guest leaves
 * free, and the next first touch of such a page costs a fault on the host:
 * 2.6 s per GiB against 0.4 s, measured. Which connector paid depended on
 * what the previous command freed: row 4a's storage processes spent 1.0 s of
 * CPU by hand and 1.7-2.7 s in the bench, ours and Go's alike, copying into
 * the page cache (ours in 4 of 5 repetitions of one run, Go's in 2). Pages
 * freed last are handed out first, so a command run right after this starts
 * on warm memory, whichever row came before it. Touching memory alone did not
 * do it for the page cache; with the file too, 4a's storage CPU was 0.88-0.98
 * s (ours) and 1.36-1.39 s (Go's) in every repetition.
 */
async function warmMemory(): Promise<void> {
  const free = Number(
    readProc("/proc/meminfo")?.match(/^MemFree:\s+(\d+) kB/m)?.[1] ?? 0,
  ) * 1024;
  const bytes = Math.min(WARM_BYTES, free - WARM_MARGIN);
  if (bytes < 64 * MIB) return;
  const t0 = performance.now();
  check(
    "warming memory",
    await run(Deno.execPath(), [
      "eval",
      `const b = new Uint8Array(${bytes}); ` +
      "for (let i = 0; i < b.length; i += 4096) b[i] = 1;",
    ], { env: { DENO_NO_UPDATE_CHECK: "1" } }),
  );
  const touched = (performance.now() - t0) / 1000;
  // And the page cache: memory freed by a process's exit went back to the
  // allocator in small pieces, while written files take it in folios of up
  // to the size of each write (128 KiB in our connectors). A file written
  // that way and deleted before write-back costs no I/O.
  const path = await Deno.makeTempFile({ prefix: "plakar-deno-bench-warm-" });
  const file = await Deno.open(path, { write: true });
  try {
    const chunk = new Uint8Array(128 * 1024);
    const fileBytes = Math.min(WARM_FILE_BYTES, bytes);
    for (let n = 0; n < fileBytes; n += chunk.byteLength) {
      await writeAll(file, chunk);
    }
  } finally {
    file.close();
    await Deno.remove(path);
  }
  const seconds = (performance.now() - t0) / 1000;
  warming.seconds += seconds;
  warming.bytes += bytes;
  if (touched / (bytes / (1024 * MIB)) > SLOW_WARM_S_PER_GIB) {
    warming.slowBytes += bytes;
  }
}

/** `plakar` with the isolated home, timed, connector memory sampled. */
function plakarRun(s: Setup, args: string[]): Promise<Output> {
  return run(s.plakar, args, { env: s.env, sampleExcept: s.plakar });
}

/** A backup through `proto` into a fresh repository (`at` = where). */
async function backup(
  s: Setup,
  repo: string,
  source: string,
): Promise<{ out: Output; snapshot: string }> {
  check(
    `plakar at ${repo} create`,
    await run(s.plakar, ["at", repo, "create", "-plaintext"], { env: s.env }),
  );
  await settle();
  const out = check(
    `plakar at ${repo} backup ${source}`,
    await plakarRun(s, ["-quiet", "at", repo, "backup", source]),
  );
  const match = out.stdout.match(/^([0-9a-f]{8}): backup completed (.*)$/m);
  if (match === null) {
    throw new BenchError(
      `plakar at ${repo} backup ${source}: unexpected output: ${out.stdout}${out.stderr}`,
    );
  }
  if (!match[2]!.startsWith("without errors")) {
    throw new BenchError(
      `plakar at ${repo} backup ${source}: ${match[0]}\n${out.stderr}`,
    );
  }
  return { out, snapshot: match[1]! };
}

/** The transportbench JSON of one phase. */
interface PhaseResult {
  startup_ms: number;
  records: number;
  files: number;
  bytes: number;
  seconds: number;
  records_per_s: number;
  mb_per_s?: number;
  /** The client's own CPU time over `seconds`. */
  client_cpu_s: number;
}

async function transport(
  s: Setup,
  exe: string,
  location: string,
  phase: "scan" | "read",
): Promise<{ result: PhaseResult; peakKiB: number; cpu: number }> {
  await warmMemory();
  const out = check(
    `transportbench ${location} ${exe}`,
    await run(s.transportbench, [
      "-phase",
      phase,
      "-concurrency",
      "8",
      "-location",
      location,
      "--",
      exe,
    ], { sampleExcept: s.transportbench }),
  );
  const json = JSON.parse(out.stdout) as Record<string, PhaseResult>;
  const result = json[phase];
  if (result === undefined) {
    throw new BenchError(`transportbench printed no ${phase}: ${out.stdout}`);
  }
  return { result, peakKiB: out.childPeakKiB, cpu: out.childCpu };
}

/** Everything measured, by row. */
interface Measured {
  backupBig: Samples;
  backupSmall: Samples;
  restoreBig: Samples;
  restoreSmall: Samples;
  storageBig: Samples;
  storageSmall: Samples;
  rssBackupBig: Samples;
  rssBackupSmall: Samples;
  rssRestoreBig: Samples;
  rssRestoreSmall: Samples;
  plakarRssBackupBig: Samples;
  coldStart: Samples;
  emptyBackup: Samples;
  idleRss: Samples;
  transportScan: Samples;
  transportSmall: Samples;
  transportBig: Samples;
  transportRss: Samples;
  connectorsPerBackup: Samples;
  cpuBackupBig: Samples;
  systemBackupBig: Samples;
  cpuBackupSmall: Samples;
  cpuRestoreBig: Samples;
  cpuRestoreSmall: Samples;
  cpuStorageBig: Samples;
  systemStorageBig: Samples;
  cpuStorageSmall: Samples;
  cpuTransportBig: Samples;
  clientCpuTransportBig: Samples;
  idleAnon: Samples;
}

function emptyMeasured(): Measured {
  return {
    backupBig: samples(),
    backupSmall: samples(),
    restoreBig: samples(),
    restoreSmall: samples(),
    storageBig: samples(),
    storageSmall: samples(),
    rssBackupBig: samples(),
    rssBackupSmall: samples(),
    rssRestoreBig: samples(),
    rssRestoreSmall: samples(),
    plakarRssBackupBig: samples(),
    coldStart: samples(),
    emptyBackup: samples(),
    idleRss: samples(),
    transportScan: samples(),
    transportSmall: samples(),
    transportBig: samples(),
    transportRss: samples(),
    connectorsPerBackup: samples(),
    cpuBackupBig: samples(),
    systemBackupBig: samples(),
    cpuBackupSmall: samples(),
    cpuRestoreBig: samples(),
    cpuRestoreSmall: samples(),
    cpuStorageBig: samples(),
    systemStorageBig: samples(),
    cpuStorageSmall: samples(),
    cpuTransportBig: samples(),
    clientCpuTransportBig: samples(),
    idleAnon: samples(),
  };
}

async function measurePlakar(
  s: Setup,
  options: BenchOptions,
  m: Measured,
): Promise<void> {
  const bigBytes = options.bigMiB * MIB;
  const files = options.smallFiles;
  // Restores read from snapshots made by the built-in importer in rep 1.
  const sources: { big?: [string, string]; small?: [string, string] } = {};
  for (let rep = 1; rep <= options.reps; rep++) {
    for (const key of rotated(KEYS, rep)) {
      const impl = s.impls[key];
      for (
        const [tree, path] of [["big", s.big], ["small", s.small]] as const
      ) {
        const repo = `${s.work}/repos/r${++counter}`;
        const { out, snapshot } = await backup(
          s,
          repo,
          `${impl.proto}://${path}`,
        );
        const rate = tree === "big"
          ? bigBytes / 1e6 / out.seconds
          : files / out.seconds;
        log(
          `rep ${rep} backup ${tree} via ${impl.proto}: ${
            out.seconds.toFixed(2)
          } s, ${fmt(rate)} ${
            tree === "big" ? "MB/s" : "files/s"
          }, ${out.children} connector processes, peak ${
            fmt(out.childPeakKiB / 1024)
          } MiB, CPU ${out.childCpu.toFixed(2)} s (system ${
            out.childSystemCpu.toFixed(2)
          })`,
        );
        if (tree === "big") {
          m.backupBig[key].push(rate);
          m.plakarRssBackupBig[key].push(out.selfPeakKiB / 1024);
          if (key !== "builtin") {
            m.rssBackupBig[key].push(out.childPeakKiB / 1024);
            m.connectorsPerBackup[key].push(out.children);
            m.cpuBackupBig[key].push(out.childCpu);
            m.systemBackupBig[key].push(out.childSystemCpu);
          }
        } else {
          m.backupSmall[key].push(rate);
          if (key !== "builtin") {
            m.rssBackupSmall[key].push(out.childPeakKiB / 1024);
            m.cpuBackupSmall[key].push(out.childCpu);
          }
        }
        if (key === "builtin" && sources[tree] === undefined) {
          sources[tree] = [repo, snapshot];
        } else {
          await remove(repo);
        }
      }
    }
    for (const key of rotated(KEYS, rep)) {
      const impl = s.impls[key];
      for (const tree of ["big", "small"] as const) {
        const [repo, snapshot] = sources[tree]!;
        const target = `${s.work}/out/o${++counter}`;
        // plakar's fs exporter wants the directory to exist.
        await Deno.mkdir(target, { recursive: true });
        await settle();
        const out = check(
          `restore ${tree} to ${impl.proto}`,
          await plakarRun(s, [
            "-quiet",
            "at",
            repo,
            "restore",
            "-to",
            `${impl.proto}://${target}`,
            snapshot,
          ]),
        );
        if (rep === 1) {
          const got = await census(target);
          const want = tree === "big"
            ? { files: 1, bytes: bigBytes }
            : { files, bytes: s.smallBytes };
          if (got.files !== want.files || got.bytes !== want.bytes) {
            throw new BenchError(
              `restore ${tree} to ${impl.proto}: ${got.files} files, ${got.bytes} bytes restored, expected ${want.files} files, ${want.bytes} bytes\n${out.stderr}`,
            );
          }
        }
        const rate = tree === "big"
          ? bigBytes / 1e6 / out.seconds
          : files / out.seconds;
        log(
          `rep ${rep} restore ${tree} via ${impl.proto}: ${
            out.seconds.toFixed(2)
          } s, ${fmt(rate)} ${tree === "big" ? "MB/s" : "files/s"}, peak ${
            fmt(out.childPeakKiB / 1024)
          } MiB, CPU ${out.childCpu.toFixed(2)} s`,
        );
        (tree === "big" ? m.restoreBig : m.restoreSmall)[key].push(rate);
        if (key !== "builtin") {
          (tree === "big" ? m.rssRestoreBig : m.rssRestoreSmall)[key].push(
            out.childPeakKiB / 1024,
          );
          (tree === "big" ? m.cpuRestoreBig : m.cpuRestoreSmall)[key].push(
            out.childCpu,
          );
        }
        // Restored trees of small files stay until the working directory
        // goes. On ext4 without a journal (the case on our machines), the
        // kernel avoids reusing an inode for 1 to 5 minutes after it was
        // freed, and every file created meanwhile scans past the freed ones:
        // the next restore of 20,000 files took 8 s after a fresh start and
        // 15 to 18 s right after deleting the previous one, whichever
        // exporter ran. Deleting the one big file costs nothing of the kind.
        if (tree === "big") await remove(target);
      }
    }
    // The built-in repository is rows 1-2's built-in backup: measured there.
    for (const key of rotated(["go", "ours"] as const, rep)) {
      const impl = s.impls[key];
      for (
        const [tree, path] of [["big", s.big], ["small", s.small]] as const
      ) {
        const repo = `${impl.proto}://${s.work}/repos/s${++counter}`;
        const { out } = await backup(s, repo, `fs://${path}`);
        const rate = tree === "big"
          ? bigBytes / 1e6 / out.seconds
          : files / out.seconds;
        log(
          `rep ${rep} backup ${tree} into ${impl.proto} storage: ${
            out.seconds.toFixed(2)
          } s, ${fmt(rate)} ${tree === "big" ? "MB/s" : "files/s"}, CPU ${
            out.childCpu.toFixed(2)
          } s (system ${out.childSystemCpu.toFixed(2)})`,
        );
        (tree === "big" ? m.storageBig : m.storageSmall)[key].push(rate);
        (tree === "big" ? m.cpuStorageBig : m.cpuStorageSmall)[key].push(
          out.childCpu,
        );
        if (tree === "big") m.systemStorageBig[key].push(out.childSystemCpu);
        await remove(repo.slice(impl.proto.length + 3));
      }
    }
  }
  m.storageBig.builtin.push(...m.backupBig.builtin);
  m.storageSmall.builtin.push(...m.backupSmall.builtin);
}

async function measureTransport(
  s: Setup,
  options: BenchOptions,
  m: Measured,
): Promise<void> {
  const scan = `tree?files=${options.scanRecords}&size=4096&perdir=1000`;
  const small = `tree?files=${options.smallFiles}&size=4096&perdir=100`;
  const big = `tree?files=1&size=${options.bigMiB * MIB}&perdir=0`;
  const sides = [
    ["go", "gosynth", s.synth.go],
    ["ours", "denosynth", s.synth.ours],
  ] as const;
  for (let rep = 1; rep <= options.reps; rep++) {
    for (const [key, proto, exe] of rotated(sides, rep)) {
      const a = await transport(s, exe, `${proto}://${scan}`, "scan");
      m.transportScan[key].push(a.result.records_per_s);
      const b = await transport(s, exe, `${proto}://${small}`, "read");
      m.transportSmall[key].push(b.result.records_per_s);
      const c = await transport(s, exe, `${proto}://${big}`, "read");
      m.transportBig[key].push(c.result.mb_per_s ?? 0);
      m.transportRss[key].push(c.peakKiB / 1024);
      m.cpuTransportBig[key].push(c.cpu);
      m.clientCpuTransportBig[key].push(c.result.client_cpu_s);
      log(
        `rep ${rep} transport ${proto}: scan ${
          fmt(a.result.records_per_s)
        } records/s, small ${fmt(b.result.records_per_s)} records/s, Open ${
          fmt(c.result.mb_per_s ?? 0)
        } MB/s (peak ${fmt(c.peakKiB / 1024)} MiB)`,
      );
    }
  }
}

const COLD_STARTS = 7;

async function measureStartAndIdle(s: Setup, m: Measured): Promise<void> {
  for (let rep = 1; rep <= COLD_STARTS; rep++) {
    for (const key of rotated(["go", "ours"] as const, rep)) {
      const impl = s.impls[key];
      const a = await transport(
        s,
        impl.importer!,
        `${impl.proto}://${s.empty}`,
        "scan",
      );
      m.coldStart[key].push(a.result.startup_ms);
    }
  }
  log(
    `cold start: gofs ${fmt(median(m.coldStart.go))} ms, denofs ${
      fmt(median(m.coldStart.ours))
    } ms`,
  );
  for (let rep = 1; rep <= 3; rep++) {
    for (const key of rotated(["go", "ours"] as const, rep)) {
      const impl = s.impls[key];
      const client = ImporterClient.spawn([impl.importer!]);
      try {
        await client.init(`${impl.proto}://${s.empty}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        m.idleRss[key].push(residentKiB(client.process.pid) / 1024);
        m.idleAnon[key].push(anonKiB(client.process.pid) / 1024);
      } finally {
        await client.process.close();
      }
    }
  }
  log(
    `idle RSS after Init: gofs ${fmt(median(m.idleRss.go))} MiB, denofs ${
      fmt(median(m.idleRss.ours))
    } MiB`,
  );
}

const EMPTY_BACKUPS = 7;

/**
 * Backs the empty directory up with each importer, into one repository per
 * importer: what a plakar command costs before any data moves (two importer
 * processes started and initialized, one after the other, for ours and Go's).
 */
async function measureFixedCost(s: Setup, m: Measured): Promise<void> {
  const repos = new Map<Key, string>();
  for (const key of KEYS) {
    const repo = `${s.work}/repos/empty-${key}`;
    check(
      `plakar at ${repo} create`,
      await run(s.plakar, ["at", repo, "create", "-plaintext"], {
        env: s.env,
      }),
    );
    repos.set(key, repo);
  }
  for (let rep = 1; rep <= EMPTY_BACKUPS; rep++) {
    for (const key of rotated(KEYS, rep)) {
      const source = `${s.impls[key].proto}://${s.empty}`;
      const out = check(
        `plakar backup ${source}`,
        await plakarRun(s, ["-quiet", "at", repos.get(key)!, "backup", source]),
      );
      m.emptyBackup[key].push(out.seconds * 1000);
    }
  }
  log(
    `backup of an empty directory: fs ${
      fmt(median(m.emptyBackup.builtin))
    } ms, gofs ${fmt(median(m.emptyBackup.go))} ms, denofs ${
      fmt(median(m.emptyBackup.ours))
    } ms`,
  );
}

// ---------------------------------------------------------------------------
// Report.

function machine(): string[] {
  const cpu = readProc("/proc/cpuinfo")?.match(/^model name\s*:\s*(.+)$/m)
    ?.[1] ?? "?";
  const mem = Number(
    readProc("/proc/meminfo")?.match(/^MemTotal:\s+(\d+) kB/m)?.[1] ?? 0,
  );
  return [
    `${navigator.hardwareConcurrency} × ${cpu}, ${
      (mem / MIB).toFixed(1)
    } GiB RAM, Linux ${Deno.osRelease()}`,
  ];
}

function loadavg(): string {
  return Deno.loadavg().map((v) => v.toFixed(2)).join(" ");
}

async function sizes(s: Setup, options: BenchOptions): Promise<{
  ours: Cell;
  go: Cell;
  builtin: Cell;
  note: string;
}> {
  const mib = (bytes: number) => bytes / MIB;
  const go = await fileSize(s.impls.go.importer!);
  const plakar = await fileSize(s.plakar);
  const own = await fileSize(s.impls.ours.importer!);
  if (options.compiled) {
    return {
      ours: { values: [mib(own)] },
      go: { values: [mib(go)] },
      builtin: { values: [mib(plakar)], note: "(all of plakar)" },
      note: "executable of the importer (each connector is one of this size)",
    };
  }
  const deno = await fileSize(s.denoBinary);
  // The bundle the launcher runs, beside it (none when built --no-bundle).
  const bundle = await fileSize(`${s.impls.ours.importer!}.js`).catch(() => 0);
  return {
    ours: {
      values: [mib(own + bundle + deno)],
      note: `(${own} B launcher + ${bundle} B bundle + deno)`,
    },
    go: { values: [mib(go)] },
    builtin: { values: [mib(plakar)], note: "(all of plakar)" },
    note:
      "importer executable; ours = sh launcher + its bundle + the deno binary it runs (shared by all connectors)",
  };
}

async function report(
  s: Setup,
  options: BenchOptions,
  m: Measured,
  meta: { startedAt: Date; loadBefore: string; wall: number },
): Promise<string> {
  const big = `${options.bigMiB === 1024 ? "1 GiB" : `${options.bigMiB} MiB`}`;
  const n = options.smallFiles.toLocaleString("en-US");
  const throughput = (ratio: number) => ratio >= 1.0;
  const flat = (mib: number) => mib <= 100;
  const size = await sizes(s, options);
  const mk = (
    id: string,
    what: string,
    better: "higher" | "lower",
    data: Samples,
    extra: Partial<Row> = {},
  ): Row => {
    const row: Row = { id, what, better, ...extra };
    const ours = cell(data.ours);
    const go = cell(data.go);
    const builtin = cell(data.builtin);
    if (ours) row.ours = ours;
    if (go) row.go = go;
    if (builtin) row.builtin = builtin;
    return row;
  };
  const rows: Row[] = [];
  if (!options.transportOnly) {
    rows.push(
      mk(
        "1",
        `Backup of one ${big} file through the importer (MB/s)`,
        "higher",
        m.backupBig,
        { targetGo: throughput },
      ),
      mk(
        "2",
        `Backup of ${n} files of 1-16 KiB through the importer (files/s)`,
        "higher",
        m.backupSmall,
        { targetGo: throughput },
      ),
      mk(
        "3a",
        `Restore of the ${big} file through the exporter (MB/s)`,
        "higher",
        m.restoreBig,
        { targetGo: throughput },
      ),
      mk(
        "3b",
        `Restore of the ${n} files through the exporter (files/s)`,
        "higher",
        m.restoreSmall,
        { targetGo: throughput },
      ),
      mk(
        "4a",
        `Backup of the ${big} file into a repository on the storage backend (MB/s)`,
        "higher",
        m.storageBig,
        { targetGo: throughput },
      ),
      mk(
        "4b",
        `Backup of the ${n} files into a repository on the storage backend (files/s)`,
        "higher",
        m.storageSmall,
        { targetGo: throughput },
      ),
    );
  }
  rows.push(
    mk(
      "5",
      "Cold start: importer spawn to Init answered (ms)",
      "lower",
      m.coldStart,
    ),
  );
  if (!options.transportOnly) {
    rows.push(
      mk(
        "5b",
        "Backup of an empty directory through the importer: a command's fixed cost (ms)",
        "lower",
        m.emptyBackup,
      ),
    );
  }
  if (!options.transportOnly) {
    rows.push(
      mk(
        "6a",
        `Peak RSS of the importer processes during row 1 (MiB)`,
        "lower",
        m.rssBackupBig,
        { targetOurs: flat },
      ),
      mk(
        "6b",
        `Peak RSS of the exporter during row 3a (MiB)`,
        "lower",
        m.rssRestoreBig,
        { targetOurs: flat },
      ),
      mk(
        "6c",
        `Peak RSS of the importers during row 2 (MiB)`,
        "lower",
        m.rssBackupSmall,
      ),
      mk(
        "6d",
        `Peak RSS of the exporter during row 3b (MiB)`,
        "lower",
        m.rssRestoreSmall,
      ),
    );
  }
  rows.push(
    mk("6e", "Idle RSS of the importer after Init (MiB)", "lower", m.idleRss),
    mk(
      "6f",
      "Idle anonymous RSS (RssAnon, without the mapped executable) after Init (MiB)",
      "lower",
      m.idleAnon,
    ),
  );
  const sizeRow: Row = {
    id: "7",
    what: "Executable size (MiB)",
    better: "lower",
    ours: size.ours,
    go: size.go,
    builtin: size.builtin,
  };
  rows.push(sizeRow);
  rows.push(
    mk(
      "T1",
      `Transport: Import with acks, ${
        options.scanRecords.toLocaleString("en-US")
      } records, no Open (records/s)`,
      "higher",
      m.transportScan,
      { targetGo: throughput },
    ),
    mk(
      "T2",
      `Transport: Import + Open of ${n} files of 4 KiB, 8 concurrent (records/s)`,
      "higher",
      m.transportSmall,
      { targetGo: throughput },
    ),
    mk(
      "T3",
      `Transport: Open of one ${big} file (MB/s)`,
      "higher",
      m.transportBig,
      { targetGo: throughput },
    ),
    mk(
      "T4",
      `Transport: peak RSS of the importer during T3 (MiB)`,
      "lower",
      m.transportRss,
      { targetOurs: flat },
    ),
  );

  const lines: string[] = [];
  const date = meta.startedAt.toISOString().replace("T", " ").slice(0, 16);
  lines.push(`# Connector benchmark, ${date} UTC`, "");
  lines.push(
    `- Machine: ${
      machine().join("; ")
    }; load average before ${meta.loadBefore}, after ${loadavg()}`,
    `- ${s.versions.plakar}; ${s.versions.go}; Deno ${s.versions.deno}`,
    `- Ours: \`examples/fs\` built with \`deno task build${
      options.compiled
        ? ` --deno-version ${options.denoVersion}`
        : " --launcher"
    }\` (${
      options.compiled
        ? `executables compiled with Deno ${options.denoVersion}`
        : `sh launchers running deno run, Deno ${s.versions.deno}`
    }); Go: \`bench/go\` (go-kloset-sdk v1.1.0); built-in: plakar's own fs connectors, in process`,
    `- ${options.reps} repetition${
      options.reps === 1 ? "" : "s"
    } per row (implementations interleaved, order rotated each repetition), median (min–max); cold start ${COLD_STARTS}×, idle RSS 3×`,
    `- \`deno task bench\` wall time: ${(meta.wall / 60).toFixed(1)} min`,
    "",
  );
  lines.push(...table(rows), "");
  const cpuRows: Row[] = [];
  if (!options.transportOnly) {
    cpuRows.push(
      mk(
        "C1",
        "row 1 (importers, backup of the big file)",
        "lower",
        m.cpuBackupBig,
      ),
      mk(
        "C1s",
        "row C1's system time (in the kernel: pipes, file reads)",
        "lower",
        m.systemBackupBig,
      ),
      mk(
        "C2",
        "row 2 (importers, backup of the small files)",
        "lower",
        m.cpuBackupSmall,
      ),
      mk(
        "C3a",
        "row 3a (exporter, restore of the big file)",
        "lower",
        m.cpuRestoreBig,
      ),
      mk(
        "C3b",
        "row 3b (exporter, restore of the small files)",
        "lower",
        m.cpuRestoreSmall,
      ),
      mk("C4a", "row 4a (storage, big file)", "lower", m.cpuStorageBig),
      mk(
        "C4as",
        "row C4a's system time (in the kernel: pipes, page cache, fsync)",
        "lower",
        m.systemStorageBig,
      ),
      mk("C4b", "row 4b (storage, small files)", "lower", m.cpuStorageSmall),
    );
  }
  cpuRows.push(
    mk(
      "CT3",
      "row T3 (the synthetic importer, from its start to its exit)",
      "lower",
      m.cpuTransportBig,
    ),
    mk(
      "CT3c",
      "row T3, the grpc-go client (`transportbench`) while it reads from each importer: the work each importer's output costs the reader",
      "lower",
      m.clientCpuTransportBig,
    ),
  );
  lines.push(
    "CPU time (user + system, seconds) of the connector processes plakar (or `transportbench`) spawned, sampled from `/proc/<pid>/stat` (less sensitive than wall time to other load on the machine); row CT3c is the client's own, from `getrusage`:",
    "",
    ...table(cpuRows),
    "",
  );
  lines.push(
    "Notes:",
    "",
    "- ↑ higher is better, ↓ lower is better. Ratios are ours divided by the other column's median; ✓/✗ marks the targets (ours/Go ≥ 1.0 on throughputs; ours ≤ 100 MiB peak RSS while streaming the big file); ≈ marks a throughput target missed by the medians but reached by our best repetition, a gap within the spread of the repetitions.",
    "- MB = 10^6 bytes. Rows 1-4 time the whole `plakar` command (start, repository open, hashing, compression, commit) with default options (`plakar -quiet at REPO backup|restore`): plakar runs a second importer process for its progress count, so rows 1-2 spawn two importers. Restores read snapshots made by the built-in importer; rows 4 back up with the built-in fs importer into `denofs://` / `gofs://` repositories (their built-in column is rows 1-2's).",
    "- Peak RSS is the kernel's `VmHWM` of each connector process plakar spawns, sampled every 50 ms from `/proc`, maximum over the processes of one command." +
      (options.transportOnly
        ? ""
        : ` plakar's own peak during row 1: built-in ${
          fmt(median(m.plakarRssBackupBig.builtin))
        } MiB, with gofs ${
          fmt(median(m.plakarRssBackupBig.go))
        } MiB, with denofs ${fmt(median(m.plakarRssBackupBig.ours))} MiB.`),
    "- Cold start and transport rows come from `bench/go/transportbench` (grpc-go client, as in plakar), each phase in a fresh process; transport rows use the synthetic in-memory importers `bench/go/synthetic` and `bench/fixtures/synthetic_importer.ts` (same tree, same logic), with 8 concurrent Opens.",
    ...(options.transportOnly ? [] : [
      `- Row 5b: \`plakar -quiet at REPO backup\` of an empty directory, ${EMPTY_BACKUPS}×, one repository per importer, without warming: plakar starts two importers one after the other, so each command of rows 1-2 pays the cold start twice before any data moves.`,
    ]),
    `- Row 7: ${size.note}.`,
    `- Before each measured command, up to ${
      WARM_BYTES / (1024 * MIB)
    } GiB of free memory were touched and freed, and ${
      WARM_FILE_BYTES / (1024 * MIB)
    } GiB written to a file in 128 KiB writes and deleted (${
      fmt(warming.seconds)
    } s in all), so that commands get pages the host backs: on virtual machines with free page reporting, the first touch of memory the host took back costs several times a page fault, charged to whichever process touches it (measured: 2.6 s per GiB against 0.4 s). ${
      fmt(warming.slowBytes / (1024 * MIB))
    } of the ${
      fmt(warming.bytes / (1024 * MIB))
    } GiB touched went at over ${SLOW_WARM_S_PER_GIB} s per GiB, in memory the host had taken back.`,
    "",
  );
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Main.

/** Ends the `plakar cached` daemons started with our cache directory. */
async function stopDaemons(work: string): Promise<void> {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const cmdline = readProc(`/proc/${entry.name}/cmdline`) ?? "";
    const args = cmdline.split("\0");
    if (args.includes("cached") && args.some((a) => a.startsWith(work))) {
      try {
        Deno.kill(Number(entry.name), "SIGTERM");
      } catch { /* gone */ }
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

async function main(args: string[]): Promise<number> {
  const options = parseOptions(args);
  if (options === undefined) {
    Deno.stdout.writeSync(encoder.encode(USAGE + "\n"));
    return 0;
  }
  if (Deno.build.os !== "linux") {
    throw new BenchError("the benchmark needs Linux (/proc)");
  }
  const startedAt = new Date();
  const loadBefore = loadavg();
  const work = await Deno.makeTempDir({ prefix: "plakar-deno-bench-" });
  log(`working directory ${work} (load average ${loadBefore})`);
  let ok = false;
  try {
    const s = await setup(options, work);
    const m = emptyMeasured();
    await measureStartAndIdle(s, m);
    await measureTransport(s, options, m);
    if (!options.transportOnly) {
      await measureFixedCost(s, m);
      await measurePlakar(s, options, m);
    }
    const text = await report(s, options, m, {
      startedAt,
      loadBefore,
      wall: (performance.now() - start) / 1000,
    });
    const out = options.out ??
      `${ROOT}bench/results/${startedAt.toISOString().slice(0, 10)}.md`;
    await Deno.mkdir(out.slice(0, out.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(out, text);
    Deno.stdout.writeSync(encoder.encode(text + "\n"));
    log(`report written to ${out}`);
    ok = true;
    return 0;
  } finally {
    await stopDaemons(work);
    if (options.keep || !ok) log(`kept ${work}`);
    else await remove(work);
  }
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    log(`error: ${error.message}`);
    Deno.exit(1);
  }
}
