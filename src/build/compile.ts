/**
 * Compiled builds: one self-contained executable per connector and target,
 * made by `deno compile` with exactly the connector's permission flags, so
 * that it runs with no Deno, no source and no network on the machine that
 * runs plakar.
 *
 * `deno compile` needs the Deno runtime (`denort`) of its own version for
 * each target. It downloads it from Deno's download host, takes it from
 * `$DENO_DIR/dl/release/v<version>/denort-<target>.zip`, or, when
 * `DENORT_BIN` is set, reads that file whatever the target: this module
 * checks which target and version a `DENORT_BIN` file is, and hands it only
 * to the compile of that target.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { BuildError } from "./build_error.ts";
import { output } from "./command.ts";
import { RUNTIME_FLAGS } from "./runtime_flags.ts";

const decoder = new TextDecoder();

/** A target of `deno compile`, with plakar's (Go's) names for it. */
export interface CompileTarget {
  /** Deno's name for it, a Rust target triple. */
  triple: string;
  /** Go's `GOOS`, as plakar names package files. */
  os: "linux" | "darwin" | "windows";
  /** Go's `GOARCH`. */
  arch: "amd64" | "arm64";
  /** What executables end with (`.exe` on Windows). */
  suffix: "" | ".exe";
}

/**
 * The targets Deno knows how to compile for (Deno 2.9 knows six; older
 * releases lack `aarch64-pc-windows-msvc`).
 *
 * @example
 * ```ts
 * import { DENO_TARGETS } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(DENO_TARGETS.length, 6);
 * assert.deepEqual(
 *   DENO_TARGETS.find((t) => t.triple === "x86_64-pc-windows-msvc"),
 *   { triple: "x86_64-pc-windows-msvc", os: "windows", arch: "amd64", suffix: ".exe" },
 * );
 * ```
 */
export const DENO_TARGETS: readonly CompileTarget[] = [
  {
    triple: "x86_64-unknown-linux-gnu",
    os: "linux",
    arch: "amd64",
    suffix: "",
  },
  {
    triple: "aarch64-unknown-linux-gnu",
    os: "linux",
    arch: "arm64",
    suffix: "",
  },
  {
    triple: "x86_64-pc-windows-msvc",
    os: "windows",
    arch: "amd64",
    suffix: ".exe",
  },
  {
    triple: "aarch64-pc-windows-msvc",
    os: "windows",
    arch: "arm64",
    suffix: ".exe",
  },
  { triple: "x86_64-apple-darwin", os: "darwin", arch: "amd64", suffix: "" },
  { triple: "aarch64-apple-darwin", os: "darwin", arch: "arm64", suffix: "" },
];

/**
 * The target named by a Deno target triple.
 *
 * @param triple For example `x86_64-unknown-linux-gnu`.
 * @returns The target.
 * @throws {BuildError} For a name Deno does not compile for.
 *
 * @example
 * ```ts
 * import { compileTarget } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(compileTarget("aarch64-apple-darwin").os, "darwin");
 * assert.throws(() => compileTarget("riscv64gc-unknown-linux-gnu"), /not a target/);
 * ```
 */
export function compileTarget(triple: string): CompileTarget {
  const target = DENO_TARGETS.find((t) => t.triple === triple);
  if (target === undefined) {
    throw new BuildError(
      `"${triple}" is not a target deno compile knows (${
        DENO_TARGETS.map((t) => t.triple).join(", ")
      }, or all)`,
    );
  }
  return target;
}

/**
 * The `<os>_<arch>` name plakar gives a target (Go's names), used for the
 * package directory of each target and in package file names.
 *
 * @param target The target.
 * @returns For example `linux_amd64`.
 *
 * @example
 * ```ts
 * import { compileTarget, platformName } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(platformName(compileTarget("aarch64-apple-darwin")), "darwin_arm64");
 * ```
 */
export function platformName(target: CompileTarget): string {
  return `${target.os}_${target.arch}`;
}

/** A deno binary and what it is. */
export interface DenoInfo {
  /** Its path. */
  path: string;
  /** Its version, such as `2.7.11`. */
  version: string;
  /** The target it runs on (its host), such as `x86_64-unknown-linux-gnu`. */
  target: string;
}

/**
 * Parses the first line of `deno --version`.
 *
 * @param text The output of `deno --version`.
 * @returns The version and host target, or `undefined` if it is not that.
 *
 * @example
 * ```ts
 * import { parseDenoVersion } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   parseDenoVersion("deno 2.7.11 (stable, release, x86_64-unknown-linux-gnu)\nv8 14.7"),
 *   { version: "2.7.11", target: "x86_64-unknown-linux-gnu" },
 * );
 * ```
 */
export function parseDenoVersion(
  text: string,
): { version: string; target: string } | undefined {
  const match = text.match(/^deno (\d+\.\d+\.\d+\S*) \(([^)]*)\)/m);
  if (!match) return undefined;
  const target = match[2]!.split(",").map((s) => s.trim()).at(-1) ?? "";
  return { version: match[1]!, target };
}

/**
 * What a deno binary is: its version and the target it runs on.
 *
 * @param deno The deno binary.
 * @returns Its description.
 * @throws {BuildError} When it does not run or does not look like deno.
 *
 * @example
 * ```ts
 * import { denoInfo } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal((await denoInfo(Deno.execPath())).version, Deno.version.deno);
 * ```
 */
export async function denoInfo(deno: string): Promise<DenoInfo> {
  if (deno === Deno.execPath()) {
    return {
      path: deno,
      version: Deno.version.deno,
      target: Deno.build.target,
    };
  }
  const out = await output(deno, ["--version"], "ask its version");
  const parsed = parseDenoVersion(out.stdout);
  if (!out.success || parsed === undefined) {
    throw new BuildError(
      `"${deno} --version" did not print a deno version: ${
        (out.stderr || out.stdout).trim().split("\n")[0]
      }`,
    );
  }
  return { path: deno, ...parsed };
}

/**
 * Fetches a Deno release from the npm registry with `npx -y deno@<version>`
 * and returns the path of its binary.
 *
 * @param version An exact version such as `2.7.11`.
 * @returns The binary's absolute path (in npx's cache).
 * @throws {BuildError} When npx fails.
 *
 * @example
 * ```ts ignore
 * import { denoFromNpm } from "./compile.ts";
 *
 * const deno = await denoFromNpm("2.7.11");
 * ```
 */
export async function denoFromNpm(version: string): Promise<string> {
  if (!/^\d+\.\d+\.\d+$/.test(version)) {
    throw new BuildError(
      `--deno-version wants an exact version such as 2.7.11, not "${version}"`,
    );
  }
  const out = await output(
    "npx",
    ["-y", `deno@${version}`, "eval", "console.log(Deno.execPath())"],
    `fetch Deno ${version} from npm`,
  );
  const path = out.stdout.trim().split("\n").at(-1) ?? "";
  if (!out.success || !path.startsWith("/")) {
    throw new BuildError(
      `Cannot get Deno ${version} with "npx -y deno@${version}": ${
        out.stderr.trim().split("\n").filter((l) => !/npm warn/.test(l))
          .slice(-1)[0] ?? "no output"
      }`,
    );
  }
  return path;
}

/**
 * The targets a deno binary can compile for, as its `--target` option
 * lists them.
 *
 * @param deno The deno binary.
 * @returns Target triples, known ones only, in {@linkcode DENO_TARGETS}
 *   order; all of them if the list cannot be read.
 *
 * @example
 * ```ts
 * import { supportedTargets } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok((await supportedTargets(Deno.execPath())).includes(Deno.build.target));
 * ```
 */
export async function supportedTargets(deno: string): Promise<string[]> {
  // An unknown value makes deno's argument parser list the possible ones
  // and exit before doing anything.
  const out = await output(
    deno,
    ["compile", "--target", "list-targets", "nothing.ts"],
    "list its compile targets",
  );
  const listed = out.stderr.match(/possible values: ([^\]\n]+)/)?.[1];
  if (listed === undefined) return DENO_TARGETS.map((t) => t.triple);
  const names = listed.split(",").map((s) => s.trim());
  return DENO_TARGETS.map((t) => t.triple).filter((t) => names.includes(t));
}

/** What a `denort` file says about itself. */
export interface RuntimeIdentity {
  /** The target its executable format and machine are for, if known. */
  target?: string;
  /** The Deno version embedded in it, if found. */
  version?: string;
}

function indexOfBytes(
  haystack: Uint8Array,
  needle: Uint8Array,
  from = 0,
): number {
  const first = needle[0]!;
  for (let i = haystack.indexOf(first, from); i !== -1;) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = haystack.indexOf(first, i + 1);
  }
  return -1;
}

/**
 * Identifies a Deno runtime binary (`denort`) from its bytes: the target
 * from its executable header (ELF, Mach-O or PE, and the machine), the
 * version from the `Deno/x.y.z` string it embeds.
 *
 * @param bytes The file's content.
 * @returns What could be found.
 *
 * @example
 * ```ts
 * import { identifyRuntime } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * const elf = new Uint8Array(64);
 * elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
 * elf[0x12] = 0x3e; // x86-64
 * elf.set(new TextEncoder().encode("Deno/2.7.11 "), 40);
 * assert.deepEqual(identifyRuntime(elf), {
 *   target: "x86_64-unknown-linux-gnu",
 *   version: "2.7.11",
 * });
 * ```
 */
export function identifyRuntime(bytes: Uint8Array): RuntimeIdentity {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const identity: RuntimeIdentity = {};
  if (bytes.length >= 64) {
    if (view.getUint32(0) === 0x7f454c46) {
      const machine = view.getUint16(0x12, bytes[5] === 1);
      if (machine === 0x3e) identity.target = "x86_64-unknown-linux-gnu";
      if (machine === 0xb7) identity.target = "aarch64-unknown-linux-gnu";
    } else if (view.getUint32(0, true) === 0xfeedfacf) {
      const cpu = view.getUint32(4, true);
      if (cpu === 0x01000007) identity.target = "x86_64-apple-darwin";
      if (cpu === 0x0100000c) identity.target = "aarch64-apple-darwin";
    } else if (bytes[0] === 0x4d && bytes[1] === 0x5a) {
      const pe = view.getUint32(0x3c, true);
      if (pe + 6 <= bytes.length && view.getUint32(pe) === 0x50450000) {
        const machine = view.getUint16(pe + 4, true);
        if (machine === 0x8664) identity.target = "x86_64-pc-windows-msvc";
        if (machine === 0xaa64) identity.target = "aarch64-pc-windows-msvc";
      }
    }
  }
  const marker = new TextEncoder().encode("Deno/");
  for (let at = indexOfBytes(bytes, marker); at !== -1;) {
    const tail = decoder.decode(bytes.subarray(at + 5, at + 25));
    const version = tail.match(/^(\d+\.\d+\.\d+)(?![\d.])/)?.[1];
    if (version !== undefined) {
      identity.version = version;
      break;
    }
    at = indexOfBytes(bytes, marker, at + 1);
  }
  return identity;
}

/** A runtime given through `DENORT_BIN`, identified. */
export interface GivenRuntime extends RuntimeIdentity {
  /** The file's path. */
  path: string;
}

/**
 * Reads and identifies the runtime named by `DENORT_BIN`, and checks that
 * it is the runtime of the compiling Deno's version.
 *
 * @param path The value of `DENORT_BIN`.
 * @param denoVersion The compiling Deno's version.
 * @returns The runtime, identified.
 * @throws {BuildError} When it cannot be read or is another version.
 *
 * @example
 * ```ts ignore
 * import { givenRuntime } from "./compile.ts";
 *
 * const denort = await givenRuntime(Deno.env.get("DENORT_BIN")!, "2.7.11");
 * console.log(denort.target); // x86_64-unknown-linux-gnu
 * ```
 */
export async function givenRuntime(
  path: string,
  denoVersion: string,
): Promise<GivenRuntime> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new BuildError(
      `DENORT_BIN="${path}" cannot be read (${detail}): point it at a Deno ${denoVersion} runtime (denort) or unset it`,
    );
  }
  const identity = identifyRuntime(bytes);
  if (identity.version !== undefined && identity.version !== denoVersion) {
    throw new BuildError(
      `DENORT_BIN="${path}" is the runtime of Deno ${identity.version} but the compiling deno is ${denoVersion}: they must be the same version (choose the compiling deno with --deno or --deno-version)`,
    );
  }
  return { path, ...identity };
}

/**
 * The bookkeeping files Deno leaves in its npm cache, inside package
 * directories (`.scripts-warned-<hash>`, one per project that saw a
 * package's install scripts skipped). `deno compile` would embed them with
 * the package, so the binary would depend on which other projects used the
 * cache: the build excludes them.
 *
 * @param denoDir Deno's cache directory.
 * @returns Their absolute paths, sorted.
 *
 * @example
 * ```ts
 * import { npmCacheMarkers } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/npm/registry.npmjs.org/@s/p/1.0.0`, { recursive: true });
 * await Deno.writeTextFile(`${dir}/npm/registry.npmjs.org/@s/p/1.0.0/.scripts-warned-42`, "");
 * assert.deepEqual(await npmCacheMarkers(dir), [
 *   `${dir}/npm/registry.npmjs.org/@s/p/1.0.0/.scripts-warned-42`,
 * ]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function npmCacheMarkers(denoDir: string): Promise<string[]> {
  const found: string[] = [];
  const dirs = async (path: string): Promise<string[]> => {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(path)) {
        if (entry.isDirectory) names.push(entry.name);
      }
    } catch { /* no such directory */ }
    return names;
  };
  const versions = async (packageDir: string): Promise<void> => {
    for (const version of await dirs(packageDir)) {
      try {
        for await (const entry of Deno.readDir(join(packageDir, version))) {
          if (entry.isFile && entry.name.startsWith(".scripts-warned-")) {
            found.push(join(packageDir, version, entry.name));
          }
        }
      } catch { /* gone */ }
    }
  };
  const npm = join(denoDir, "npm");
  for (const registry of await dirs(npm)) {
    for (const name of await dirs(join(npm, registry))) {
      if (name.startsWith("@")) {
        for (const scoped of await dirs(join(npm, registry, name))) {
          await versions(join(npm, registry, name, scoped));
        }
      } else {
        await versions(join(npm, registry, name));
      }
    }
  }
  return found.sort();
}

/** What {@linkcode compileArgs} and {@linkcode compileConnector} need. */
export interface CompileOptions {
  /** The compiling deno. */
  deno: DenoInfo;
  /** The connector's entry file. */
  entry: string;
  /** Its permission flags, from the permission table. */
  permissionFlags: readonly string[];
  /** The target. */
  target: CompileTarget;
  /** The executable to write. */
  output: string;
  /** Files `deno compile` must not embed. @default {[]} */
  exclude?: readonly string[];
  /**
   * Files and directories to embed beside the modules, for what the code
   * finds through `import.meta.url` (data files, workers' modules).
   * @default {[]}
   */
  include?: readonly string[];
  /**
   * Add `--no-config`, for an entry that imports nothing (a bundle): deno
   * then reads no `deno.json` or `package.json` from the directories above
   * it (the temporary directory's), so a malformed one there cannot fail
   * the build and an unrelated one is not embedded.
   * @default {false}
   */
  noConfig?: boolean;
  /**
   * A module run before the entry (`--preload`, embedded): the SDK's stdout
   * guard, so that what the connector prints before it imports the SDK goes
   * to stderr.
   * @default {undefined}
   */
  preload?: string;
  /** The runtime given through `DENORT_BIN`, if any. */
  denort?: GivenRuntime;
  /** Where deno runs (its config is found from the entry). */
  cwd?: string;
}

/**
 * The `deno compile` arguments of a connector: no prompt, no V8 code cache
 * (the binary then writes no file of its own on the target machine), the
 * permission flags, the target, the output and the entry.
 *
 * @param options What to compile.
 * @returns The arguments after the deno binary.
 *
 * @example
 * ```ts
 * import { compileArgs, compileTarget } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   compileArgs({
 *     deno: { path: "deno", version: "2.7.11", target: "x86_64-unknown-linux-gnu" },
 *     entry: "/src/importer.ts",
 *     permissionFlags: ["--allow-read"],
 *     target: compileTarget("x86_64-unknown-linux-gnu"),
 *     output: "/out/importer",
 *   }),
 *   [
 *     "compile", "--quiet", "--no-prompt", "--no-code-cache",
 *     "--v8-flags=--max-semi-space-size=8", "--allow-read",
 *     "--target", "x86_64-unknown-linux-gnu", "--output", "/out/importer",
 *     "/src/importer.ts",
 *   ],
 * );
 * ```
 */
export function compileArgs(options: CompileOptions): string[] {
  return [
    "compile",
    "--quiet",
    "--no-prompt",
    "--no-code-cache",
    ...(options.noConfig ? ["--no-config"] : []),
    ...(options.include ?? []).flatMap((path) => ["--include", path]),
    ...(options.exclude ?? []).flatMap((path) => ["--exclude", path]),
    ...RUNTIME_FLAGS,
    ...options.permissionFlags,
    ...(options.preload !== undefined ? ["--preload", options.preload] : []),
    "--target",
    options.target.triple,
    "--output",
    options.output,
    options.entry,
  ];
}

/**
 * The one-line message of a failed `deno compile`: one sentence naming
 * `DENORT_BIN` when the runtime could not be obtained, deno's own first
 * error lines otherwise.
 *
 * @param stderr What deno printed.
 * @param options What was compiled.
 * @returns The message.
 *
 * @example
 * ```ts
 * import { compileFailure, compileTarget } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * const message = compileFailure(
 *   "error: Writing deno compile executable to temporary file '/o.tmp'\n\nCaused by:\n    0: Setting up base binary.\n    1: error sending request for url (https://dl.deno.land/release/v2.7.11/denort-x86_64-apple-darwin.zip): dns error",
 *   {
 *     deno: { path: "deno", version: "2.7.11", target: "x86_64-unknown-linux-gnu" },
 *     entry: "/src/i.ts",
 *     permissionFlags: [],
 *     target: compileTarget("x86_64-apple-darwin"),
 *     output: "/o",
 *   },
 * );
 * assert.match(message, /^Cannot get the Deno 2\.7\.11 runtime .* set DENORT_BIN to /);
 * assert.ok(!message.includes("\n"));
 * ```
 */
export function compileFailure(
  stderr: string,
  options: CompileOptions,
): string {
  const { version } = options.deno;
  const triple = options.target.triple;
  if (/Setting up base binary|denort|dl\.deno\.land/.test(stderr)) {
    const url = stderr.match(/https:\/\/\S+?denort-[\w-]+\.zip/)?.[0];
    const why = url !== undefined
      ? `${url} cannot be downloaded`
      : (stderr.match(/^\s*\d+: (.*)$/m)?.[1] ??
        "deno compile cannot set it up");
    const other = options.denort !== undefined &&
        options.denort.target !== undefined && options.denort.target !== triple
      ? ` (DENORT_BIN is the runtime for ${options.denort.target}, so it serves only that target: build ${triple} separately with --target)`
      : "";
    // Without DENORT_BIN, the runtime at hand may be of another version.
    const or = options.denort === undefined
      ? " (or, for a denort of another version, that version with --deno-version)"
      : "";
    return `Cannot get the Deno ${version} runtime (denort) for ${triple}: ${why}; set DENORT_BIN to a denort ${version} binary for ${triple}${or}${other}.`;
  }
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) =>
    l !== "" && !/^(Stack backtrace:|\d+: <unknown>|at )/.test(l)
  );
  return `deno compile of ${options.entry} for ${triple} failed: ${
    lines.slice(0, 4).join(" / ") || "no message"
  }`;
}

/**
 * Compiles one connector for one target.
 *
 * @param options What to compile.
 * @throws {BuildError} With one line when `deno compile` fails.
 *
 * @example
 * ```ts ignore
 * import { compileConnector, compileTarget, denoInfo } from "./compile.ts";
 *
 * await compileConnector({
 *   deno: await denoInfo(Deno.execPath()),
 *   entry: "/src/conn/importer.ts",
 *   permissionFlags: ["--allow-read"],
 *   target: compileTarget(Deno.build.target),
 *   output: "/out/conn-importer",
 * });
 * ```
 */
export async function compileConnector(options: CompileOptions): Promise<void> {
  const env: Record<string, string> = {
    ...Deno.env.toObject(),
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
  };
  // DENORT_BIN replaces the runtime of every target: give it only to the
  // compile of the target it is for.
  delete env.DENORT_BIN;
  const denort = options.denort;
  if (
    denort !== undefined &&
    (denort.target === undefined || denort.target === options.target.triple)
  ) {
    env.DENORT_BIN = denort.path;
  }
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(options.deno.path, {
      args: compileArgs(options),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    }).output();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new BuildError(
      `Cannot run "${options.deno.path}" to compile ${options.entry}: ${detail}`,
    );
  }
  if (!out.success) {
    throw new BuildError(compileFailure(decoder.decode(out.stderr), options));
  }
}

/** Size and digest of a built file. */
export interface FileDigest {
  /** Size in bytes. */
  size: number;
  /** SHA-256, in hexadecimal. */
  sha256: string;
}

/**
 * The size and SHA-256 of a file, read as a stream.
 *
 * @param path The file.
 * @returns Its size and digest.
 *
 * @example
 * ```ts
 * import { digestFile } from "./compile.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "abc");
 * assert.deepEqual(await digestFile(path), {
 *   size: 3,
 *   sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * });
 * await Deno.remove(path);
 * ```
 */
export async function digestFile(path: string): Promise<FileDigest> {
  const hash = createHash("sha256");
  let size = 0;
  const file = await Deno.open(path);
  // Reading the stream to its end closes the file.
  for await (const chunk of file.readable) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest("hex") };
}
