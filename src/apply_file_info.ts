import { lchown, lutimes } from "node:fs/promises";
import type { FileInfo } from "./file_info.ts";

/** Options of {@linkcode applyFileInfo}. */
export interface ApplyFileInfoOptions {
  /**
   * Whether to restore the owner: `"try"` ignores a refusal (as it is
   * refused to anyone but root), `true` reports it, `false` skips it.
   * @default {"try"}
   */
  owner?: boolean | "try";
}

/**
 * Gives an existing entry the owner, permission bits and modification time
 * of a {@linkcode FileInfo} (a symlink keeps its own permission bits). The
 * access time is set to the modification time.
 *
 * Deno sets file times with millisecond precision: the nanoseconds below
 * the millisecond are not restored.
 *
 * @param path The entry to change; a final symlink is not followed.
 * @param info The metadata to apply.
 * @param options What to apply.
 *
 * @example Restoring a file's mode and time
 * ```ts
 * import { applyFileInfo, statFileInfo } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const path = await Deno.makeTempFile();
 * const info = await statFileInfo(path);
 * await applyFileInfo(path, { ...info, mode: 0o600, mtimeNs: 1_700_000_000_123_000_000n });
 * const after = await statFileInfo(path);
 * assert.strictEqual(after.mode, 0o600);
 * assert.strictEqual(after.mtimeNs, 1_700_000_000_123_000_000n);
 * await Deno.remove(path);
 * ```
 */
export async function applyFileInfo(
  path: string,
  info: FileInfo,
  options: ApplyFileInfoOptions = {},
): Promise<void> {
  const owner = options.owner ?? "try";
  if (owner !== false && info.uid !== undefined && info.gid !== undefined) {
    try {
      await lchown(path, info.uid, info.gid);
    } catch (error) {
      if (owner === true || !isRefusal(error)) throw error;
    }
  }
  if (info.kind !== "symlink") await Deno.chmod(path, info.mode & 0o7777);
  const time = new Date(Number(info.mtimeNs / 1_000_000n));
  await lutimes(path, time, time);
}

function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Deno.errors.PermissionDenied || code === "EPERM" ||
    code === "EACCES";
}
