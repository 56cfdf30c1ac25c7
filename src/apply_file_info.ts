import type * as NodeFs from "node:fs";
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
  options?: ApplyFileInfoOptions,
): Promise<void> {
  const owner = ownerToApply(info, options);
  const time = timeOf(info);
  if (info.kind === "symlink") {
    const { lchown, lutimes } = nodeFs().promises;
    if (owner !== undefined) {
      try {
        await lchown(path, owner.uid, owner.gid);
      } catch (error) {
        if (owner.report || !isRefusal(error)) throw error;
      }
    }
    await lutimes(path, time, time);
    return;
  }
  if (owner !== undefined) {
    try {
      await Deno.chown(path, owner.uid, owner.gid);
    } catch (error) {
      if (owner.report || !isRefusal(error)) throw error;
    }
  }
  await Deno.chmod(path, info.mode & 0o7777);
  await Deno.utime(path, time, time);
}

/**
 * The blocking twin of {@linkcode applyFileInfo}: the same changes, without
 * handing each system call to another thread. Faster for a connector that
 * restores many small entries one after another.
 *
 * @param path The entry to change; a final symlink is not followed.
 * @param info The metadata to apply.
 * @param options What to apply.
 *
 * @example Restoring a file's mode and time
 * ```ts
 * import { applyFileInfoSync, statFileInfoSync } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const path = Deno.makeTempFileSync();
 * const info = statFileInfoSync(path);
 * applyFileInfoSync(path, { ...info, mode: 0o640, mtimeNs: 1_700_000_000_123_000_000n });
 * const after = statFileInfoSync(path);
 * assert.strictEqual(after.mode, 0o640);
 * assert.strictEqual(after.mtimeNs, 1_700_000_000_123_000_000n);
 * Deno.removeSync(path);
 * ```
 */
export function applyFileInfoSync(
  path: string,
  info: FileInfo,
  options?: ApplyFileInfoOptions,
): void {
  const owner = ownerToApply(info, options);
  const time = timeOf(info);
  if (info.kind === "symlink") {
    const { lchownSync, lutimesSync } = nodeFs();
    if (owner !== undefined) {
      try {
        lchownSync(path, owner.uid, owner.gid);
      } catch (error) {
        if (owner.report || !isRefusal(error)) throw error;
      }
    }
    lutimesSync(path, time, time);
    return;
  }
  if (owner !== undefined) {
    try {
      Deno.chownSync(path, owner.uid, owner.gid);
    } catch (error) {
      if (owner.report || !isRefusal(error)) throw error;
    }
  }
  Deno.chmodSync(path, info.mode & 0o7777);
  Deno.utimeSync(path, time, time);
}

// Deno has no lchown nor lutimes: symlinks need node:fs, loaded on first use
// only (a static import costs every connector milliseconds of start-up).
function nodeFs(): typeof NodeFs {
  const process = (globalThis as unknown as {
    process: { getBuiltinModule(id: string): unknown };
  }).process;
  return process.getBuiltinModule("node:fs") as typeof NodeFs;
}

function ownerToApply(
  info: FileInfo,
  options: ApplyFileInfoOptions | undefined,
): { uid: number; gid: number; report: boolean } | undefined {
  const owner = options?.owner ?? "try";
  if (owner === false || info.uid === undefined || info.gid === undefined) {
    return undefined;
  }
  return { uid: info.uid, gid: info.gid, report: owner === true };
}

// To the millisecond, rounded down (BigInt division rounds toward zero,
// which would move times before 1970 forward).
function timeOf(info: FileInfo): Date {
  const ms = info.mtimeNs / 1_000_000n;
  return new Date(Number(ms * 1_000_000n > info.mtimeNs ? ms - 1n : ms));
}

function isRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Deno.errors.PermissionDenied || code === "EPERM" ||
    code === "EACCES";
}
