/**
 * What the build prints: one table row per connector (executable, type,
 * protocols, permission flags, and which of them the manifest declared),
 * then each executable with its size and SHA-256, then the package plakar
 * made or the commands that package and install the result.
 *
 * @module
 */
import { relative } from "node:path";
import type { BuildResult } from "./build.ts";
import { shellQuote } from "./launcher.ts";
import { RUNTIME_FLAGS } from "./runtime_flags.ts";

/**
 * Lays out rows as columns separated by two spaces.
 *
 * @param rows The rows, the header first.
 * @returns The lines, trailing spaces removed.
 *
 * @example
 * ```ts
 * import { formatTable } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(formatTable([["A", "B"], ["long", "x"]]), ["A     B", "long  x"]);
 * ```
 */
export function formatTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows.map((row) =>
    row.map((cell, i) => cell + " ".repeat((widths[i] ?? 0) - [...cell].length))
      .join("  ").trimEnd()
  );
}

/**
 * The `<os>_<arch>` suffix plakar gives package files on this machine
 * (Go's names).
 *
 * @returns For example `linux_amd64`.
 *
 * @example
 * ```ts
 * import { goPlatform } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match(goPlatform(), /^[a-z0-9]+_[a-z0-9]+$/);
 * ```
 */
export function goPlatform(): string {
  const arch: Record<string, string> = { x86_64: "amd64", aarch64: "arm64" };
  return `${Deno.build.os}_${arch[Deno.build.arch] ?? Deno.build.arch}`;
}

/**
 * A size in bytes for people: MiB with one decimal, and the exact count.
 *
 * @param bytes A size.
 * @returns For example `104.7 MiB (109782313 B)`.
 *
 * @example
 * ```ts
 * import { formatSize } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatSize(109782313), "104.7 MiB (109782313 B)");
 * assert.equal(formatSize(512), "512 B");
 * ```
 */
export function formatSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${bytes} B`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB (${bytes} B)`;
}

/**
 * The lines the build prints about what it made.
 *
 * @param result What {@linkcode build} returned.
 * @returns The lines.
 *
 * @example
 * ```ts
 * import { formatReport } from "./report.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = formatReport({
 *   name: "x",
 *   source: "/src/x/manifest.yaml",
 *   kind: "compiled",
 *   bundled: true,
 *   out: "/out",
 *   manifest: "/out/manifest.yaml",
 *   deno: "/bin/deno",
 *   denoVersion: "2.7.11",
 *   denoDir: "/cache/deno",
 *   connectors: [{
 *     type: "importer",
 *     protocols: ["x"],
 *     executable: "x-importer",
 *     path: "/out/x-importer",
 *     entry: "/src/x/importer.ts",
 *     flags: ["--allow-net"],
 *     declaredFlags: [],
 *   }],
 *   packages: [{
 *     platform: "linux_amd64",
 *     os: "linux",
 *     arch: "amd64",
 *     target: "x86_64-unknown-linux-gnu",
 *     dir: "/out",
 *     manifest: "/out/manifest.yaml",
 *     files: [{ name: "x-importer", path: "/out/x-importer", size: 2 ** 20, sha256: "ab" }],
 *   }],
 *   packageVersion: "v1.0.0",
 *   reproducible: false,
 * });
 * assert.ok(lines.some((l) => /^x-importer +importer +x +--allow-net +-$/.test(l)));
 * assert.ok(lines.some((l) => /^x86_64-unknown-linux-gnu +x-importer +1\.0 MiB \(1048576 B\) +ab$/.test(l)));
 * ```
 */
export function formatReport(result: BuildResult): string[] {
  const rows = [
    [
      "EXECUTABLE",
      "TYPE",
      "PROTOCOLS",
      "PERMISSION FLAGS",
      "DECLARED IN MANIFEST",
    ],
    ...result.connectors.map((c) => [
      c.executable,
      c.type,
      c.protocols.join(","),
      c.flags.join(" "),
      c.declaredFlags.length > 0 ? c.declaredFlags.join(" ") : "-",
    ]),
  ];
  const how = result.kind === "compiled"
    ? `with deno compile (Deno ${result.denoVersion}, ${result.deno})`
    : `as launchers (Deno ${result.denoVersion})`;
  const lines = [
    `Built package "${result.name}" (${result.connectors.length} connectors) from ${result.source}`,
    `${how} into ${result.out}:`,
    "",
    ...formatTable(rows),
  ];
  lines.push("");
  if (result.kind === "launcher") {
    lines.push(
      `Each executable is a launcher: ${result.deno} run --quiet --no-prompt --cached-only ${
        RUNTIME_FLAGS.join(" ")
      } <permission flags> --preload stdout_guard.js ${
        result.bundled ? "<executable>.js (its bundle, beside it)" : "<entry>"
      }`,
      result.bundled
        ? `(DENO_DIR=${result.denoDir}; rebuild after editing the sources, or build with --no-bundle to run them as they are)`
        : `(DENO_DIR=${result.denoDir}; the entry files must stay where they are)`,
    );
  } else {
    lines.push(
      ...formatTable([
        ["TARGET", "EXECUTABLE", "SIZE", "SHA-256"],
        ...result.packages.flatMap((p) =>
          p.files.map((f) => [
            p.target ?? p.platform,
            relative(result.out, f.path),
            formatSize(f.size),
            f.sha256,
          ])
        ),
      ]),
      "",
      `Each executable embeds its connector, the SDK${
        result.bundled ? " (bundled in one file)" : ""
      } and the Deno runtime: it needs no deno, no source and no network.`,
    );
    if (result.reproducible) {
      lines.push(
        "Reproducible: each executable was compiled twice, byte-identical.",
      );
    }
  }
  lines.push("");
  const made = result.packages.filter((p) => p.ptar !== undefined);
  if (made.length === result.packages.length) {
    lines.push("Packaged by plakar pkg create; install with:");
    for (const p of result.packages) {
      lines.push(`  plakar pkg add ${shellQuote(p.ptar!)}`);
    }
    return lines;
  }
  if (result.plakarMissing !== undefined) {
    lines.push(`Not packaged: ${result.plakarMissing}.`);
  }
  lines.push("Package and install it:");
  for (const p of result.packages) {
    const env = p.platform === goPlatform()
      ? ""
      : `GOOS=${p.os} GOARCH=${p.arch} `;
    const ptar = `${result.name}_${result.packageVersion}_${p.platform}.ptar`;
    lines.push(
      `  cd ${
        shellQuote(p.dir)
      } && ${env}plakar pkg create ./manifest.yaml ${result.packageVersion}`,
      `  plakar pkg add ./${ptar}${
        p.platform === goPlatform()
          ? ""
          : `    # on a ${p.os}/${p.arch} machine`
      }`,
    );
  }
  return lines;
}
