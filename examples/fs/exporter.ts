/**
 * The `denofs` exporter: restores a snapshot into a local directory.
 *
 * Restores directories, regular files (written under a temporary name, then
 * renamed), symlinks and hard links, with permission bits, modification times
 * and, where allowed, owners. Directory modes and times are applied last,
 * deepest first, once nothing more is written into them (also when the
 * restore stops early); a directory already there, from an earlier restore,
 * is opened to its owner until then, as plakar's fs exporter does. A mode
 * that leaves the directory open to its owner is given at once, so that a
 * restore killed early (plakar kills its connectors when interrupted) leaves
 * such directories with their own modes.
 *
 * @module
 */
import {
  applyFileInfoSync,
  type ExportRecord,
  type FileInfo,
  runExporter,
} from "../../mod.ts";
import { localPath } from "./location.ts";

/** Joins a snapshot path under `root`, refusing to leave it. */
function target(root: string, pathname: string): string {
  const parts: string[] = [];
  for (const part of pathname.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      throw new Error(
        `Cannot restore "${pathname}": it escapes the restore root`,
      );
    }
    parts.push(part);
  }
  if (parts.length === 0) return root;
  return (root === "/" ? "" : root) + "/" + parts.join("/");
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function dirname(path: string): string {
  const at = path.lastIndexOf("/");
  return at <= 0 ? "/" : path.slice(0, at);
}

// Bodies are byte streams: content is read into this buffer (a BYOB read),
// the same one for every file, so restoring makes no garbage. 128 KiB: the
// copies stay in the processor's caches (measured faster than 64 KiB or
// 1 MiB when restoring 1 GiB).
const BUFFER_SIZE = 128 * 1024;
let spare: ArrayBuffer | undefined;

async function copyBody(
  body: ReadableStream<Uint8Array>,
  file: Deno.FsFile,
  path: string,
): Promise<void> {
  // The reader is not released at the end: read to its end, the body is
  // closed, and after a failure the SDK skips what is left of it. Releasing
  // a reader makes an exception object, about 5 µs for each file.
  const reader = body.getReader({ mode: "byob" });
  let buffer = spare ?? new ArrayBuffer(BUFFER_SIZE);
  spare = undefined;
  try {
    while (true) {
      const { done, value } = await reader.read(new Uint8Array(buffer));
      // The buffer comes back in `value`, at the end too.
      if (value) buffer = value.buffer as ArrayBuffer;
      if (done) break;
      // Blocking writes, for big files too: a write into the page cache is
      // short, and an asynchronous one costs a hand-off to an I/O thread
      // and back. Restoring 1 GiB in the bench: 2.30-2.39 s and 0.95 s of
      // CPU, against 2.51-2.61 s and 1.27 s with asynchronous writes for
      // files over 256 KiB (Go's exporter: 2.28-2.76 s, 1.67 s).
      try {
        for (let at = 0; at < value.byteLength;) {
          at += file.writeSync(value.subarray(at));
        }
      } catch (error) {
        // Deno's message names neither the call nor the file.
        throw new Error(`write ${path}: ${reason(error)}`);
      }
    }
  } finally {
    if (!buffer.detached) spare = buffer;
  }
}

async function writeFile(path: string, record: ExportRecord): Promise<void> {
  const temp = `${dirname(path)}/.denofs-${crypto.randomUUID()}`;
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(temp, { write: true, createNew: true, mode: 0o600 });
  } catch (error) {
    // Deno's message names the temporary file: say which file it was for.
    throw new Error(
      `Cannot create "${path}" (through a temporary file beside it): ${
        reason(error)
      }`,
    );
  }
  try {
    try {
      if (record.body !== undefined) {
        await copyBody(record.body, file, path);
      }
    } finally {
      file.close();
    }
    try {
      Deno.renameSync(temp, path);
    } catch (error) {
      throw new Error(
        `Cannot put "${path}" in place: ${reason(error)}`,
      );
    }
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch { /* never created, or already gone */ }
    throw error;
  }
}

function replace(path: string, create: () => void): void {
  try {
    create();
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    Deno.removeSync(path);
    create();
  }
}

if (import.meta.main) {
  await runExporter(async (init) => {
    const root = localPath(init.location, init.proto);
    await Deno.mkdir(root, { recursive: true }).catch((error) => {
      throw new Error(`Cannot restore into "${root}": ${error.message}`);
    });
    const directories: { path: string; info: FileInfo }[] = [];
    // First restored path of each multiply linked file, by device and inode.
    const links = new Map<string, string>();
    return {
      origin: init.options.hostname,
      type: init.proto,
      root,
      flags: ["localfs"],
      async write(record) {
        if (record.error !== undefined || record.xattr !== undefined) return;
        const path = target(root, record.pathname);
        const info = record.fileInfo;
        switch (info.kind) {
          case "directory": {
            // Open to us until finish() gives it its mode and times, also
            // when it was already there (a read-only one from an earlier
            // restore). A mode that leaves it open to its owner is given at
            // once: plakar kills its connectors when the user interrupts a
            // restore, and finish() then never runs.
            const mode = (info.mode & 0o700) === 0o700
              ? info.mode & 0o7777
              : 0o700;
            try {
              Deno.mkdirSync(path, { mode });
            } catch (error) {
              if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
              if (!Deno.lstatSync(path).isDirectory) {
                replace(path, () => Deno.mkdirSync(path, { mode }));
              }
            }
            // mkdir's mode goes through the umask.
            Deno.chmodSync(path, mode);
            directories.push({ path, info });
            return;
          }
          case "symlink":
            replace(path, () => Deno.symlinkSync(record.target, path));
            applyFileInfoSync(path, info);
            return;
          case "file": {
            // Linked by device and inode, when the importer gave an inode:
            // without one, files with several links cannot be told apart.
            const linked = (info.nlink ?? 1) > 1 && (info.ino ?? 0n) !== 0n;
            const key = `${info.dev ?? 0n}:${info.ino}`;
            const first = linked ? links.get(key) : undefined;
            if (first !== undefined) {
              await record.body?.cancel();
              replace(path, () => Deno.linkSync(first, path));
              return;
            }
            await writeFile(path, record);
            if (linked) links.set(key, path);
            applyFileInfoSync(path, info);
            return;
          }
          default:
            // Devices, pipes and sockets are not recreated.
            return;
        }
      },
      finish() {
        for (const { path, info } of directories.reverse()) {
          applyFileInfoSync(path, info);
        }
      },
    };
  });
}
