/**
 * What the build prints: one table row per connector (executable, type,
 * protocols, permission flags, and which of them the manifest declared),
 * then the commands that package and install the result.
 *
 * @module
 */
import type { BuildResult } from "./build.ts";
import { shellQuote } from "./launcher.ts";

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
 *   out: "/out",
 *   manifest: "/out/manifest.yaml",
 *   deno: "/bin/deno",
 *   denoDir: "/cache/deno",
 *   connectors: [{
 *     type: "importer",
 *     protocols: ["x"],
 *     executable: "x-importer",
 *     path: "/out/x-importer",
 *     entry: "/src/x/importer.ts",
 *     flags: ["--allow-net", "--allow-env=GRPC_*"],
 *     declaredFlags: [],
 *   }],
 * });
 * assert.ok(lines.some((l) => /^x-importer +importer +x +--allow-net --allow-env=GRPC_\* +-$/.test(l)));
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
  const ptar = `${result.name}_v1.0.0_${goPlatform()}.ptar`;
  return [
    `Built package "${result.name}" (${result.connectors.length} connectors) from ${result.source}`,
    `into ${result.out}:`,
    "",
    ...formatTable(rows),
    "",
    `Each executable is a launcher: ${result.deno} run --quiet --no-prompt --cached-only <permission flags> <entry>`,
    `(DENO_DIR=${result.denoDir}; the entry files must stay where they are)`,
    "",
    "Package and install it:",
    `  cd ${
      shellQuote(result.out)
    } && plakar pkg create ./manifest.yaml v1.0.0`,
    `  plakar pkg add ./${ptar}`,
  ];
}
