/**
 * Shared by the end-to-end tests of compiled connectors: which Deno
 * compiles, where its runtime comes from, and how to show that a binary
 * stands alone.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const ROOT_DIR = fileURLToPath(new URL("../../", import.meta.url));
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * The Deno release that compiles (`E2E_DENO_VERSION`, default 2.7.11: the
 * one release whose runtime can be had offline, see
 * `../shared/tools/offline-denort/`).
 */
export const DENO_VERSION: string = Deno.env.get("E2E_DENO_VERSION") ||
  "2.7.11";

/** Whether `path` is a regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/**
 * The Deno runtime for `deno compile`: `DENORT_BIN`, or else (for Deno
 * 2.7.11) what `../shared/tools/offline-denort/provision` prints when that
 * script is there; `undefined` lets deno compile download it.
 *
 * @returns The path, if any.
 */
export async function denortBin(): Promise<string | undefined> {
  const given = Deno.env.get("DENORT_BIN");
  if (given) return given;
  const provision = `${ROOT_DIR}../shared/tools/offline-denort/provision`;
  if (DENO_VERSION !== "2.7.11" || !await isFile(provision)) return undefined;
  const out = await new Deno.Command(provision, {
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${provision} failed: ${decoder.decode(out.stderr).trim()}`,
    );
  }
  return decoder.decode(out.stdout).trim().split("\n").at(-1);
}

/**
 * `PATH` without any directory that holds a `deno`.
 *
 * @returns The filtered `PATH`.
 */
export async function pathWithoutDeno(): Promise<string> {
  const kept: string[] = [];
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (dir !== "" && !await isFile(`${dir}/deno`)) kept.push(dir);
  }
  return kept.join(":");
}

/**
 * Whether `needle` occurs in a file (read whole: binaries of ~100 MiB).
 *
 * @param path The file.
 * @param needle The text looked for.
 * @returns Whether it is there.
 */
export async function fileContains(
  path: string,
  needle: string,
): Promise<boolean> {
  const bytes = await Deno.readFile(path);
  const pattern = encoder.encode(needle);
  for (let i = bytes.indexOf(pattern[0]!); i !== -1;) {
    let j = 1;
    while (j < pattern.length && bytes[i + j] === pattern[j]) j++;
    if (j === pattern.length) return true;
    i = bytes.indexOf(pattern[0]!, i + 1);
  }
  return false;
}

/**
 * Copies a built package directory (flat) into a fresh one, exec bits
 * kept, and removes the original: nothing points back to the build.
 *
 * @param from The built package directory.
 * @param to The new directory (must not exist).
 */
export async function movePackage(from: string, to: string): Promise<void> {
  await Deno.mkdir(to);
  for await (const entry of Deno.readDir(from)) {
    if (!entry.isFile) continue;
    const mode = (await Deno.stat(`${from}/${entry.name}`)).mode ?? 0o644;
    await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
    await Deno.chmod(`${to}/${entry.name}`, mode & 0o777);
  }
  await Deno.remove(from, { recursive: true });
}
