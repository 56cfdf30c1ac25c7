/**
 * The `denofs` storage backend: keeps a plakar repository in a local
 * directory.
 *
 * The repository configuration is `<root>/CONFIG`; each object is
 * `<root>/<type>/<hex MAC>`. Objects are written under a temporary name,
 * synced, then renamed, so a half-written object is never visible; the
 * directories they are renamed into are synced too, so an object said
 * written survives a crash.
 *
 * @module
 */
import {
  fileBody,
  fromHex,
  type ObjectKey,
  runStorage,
  toHex,
} from "../../mod.ts";
import { localPath } from "./location.ts";

const MAC_NAME = /^[0-9a-f]{64}$/;
const TEMP_NAME = /^\.tmp-/;
// A temporary object this old was left by a process that was killed (plakar
// kills its connectors when the user interrupts a command): no live write
// takes this long.
const STALE_TEMP_MS = 60 * 60 * 1000;

/** Writes all of `bytes` to `file`. */
async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) at += await file.write(bytes.subarray(at));
}

/**
 * Copies a body to `file`; returns its size. Bodies from plakar are byte
 * streams: read into one buffer (BYOB), they make no garbage. 128 KiB, as
 * the exporter's.
 */
async function copyBody(
  file: Deno.FsFile,
  body: ReadableStream<Uint8Array>,
  path: string,
): Promise<number> {
  // Not released at the end, as in the exporter: a body read to its end is
  // closed, and releasing costs an exception object.
  const reader = body.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(128 * 1024);
  let written = 0;
  while (true) {
    const { done, value } = await reader.read(new Uint8Array(buffer));
    if (done) return written;
    // Blocking writes: 128 KiB into the page cache is quick, and cheaper
    // than a hand-off to another thread (a 1 GiB backup into this backend:
    // 5.45 -> 5.10 s).
    try {
      for (let at = 0; at < value.byteLength;) {
        at += file.writeSync(value.subarray(at));
      }
    } catch (error) {
      // Deno's message names neither the call nor the file.
      throw new Error(
        `write ${path}: ${error instanceof Error ? error.message : error}`,
      );
    }
    written += value.byteLength;
    buffer = value.buffer as ArrayBuffer;
  }
}

/**
 * Writes `content` to `path` atomically; returns the number of bytes
 * written.
 */
async function writeAtomic(
  path: string,
  content: Uint8Array | ReadableStream<Uint8Array>,
): Promise<number> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  const temp = `${dir}/.tmp-${crypto.randomUUID()}`;
  const file = await Deno.open(temp, {
    write: true,
    createNew: true,
    mode: 0o600,
  });
  let written: number;
  try {
    if (content instanceof Uint8Array) {
      await writeAll(file, content);
      written = content.byteLength;
    } else {
      written = await copyBody(file, content, path);
    }
    await file.sync();
    file.close();
    await Deno.rename(temp, path);
  } catch (error) {
    try {
      file.close();
    } catch { /* already closed */ }
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  await syncDir(dir);
  return written;
}

async function syncDir(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/** Removes a temporary object left by a killed process. */
async function removeIfStale(path: string): Promise<void> {
  try {
    const { mtime } = await Deno.lstat(path);
    if (mtime !== null && Date.now() - mtime.getTime() > STALE_TEMP_MS) {
      await Deno.remove(path);
    }
  } catch {
    // Gone already, or not ours to remove: listing goes on.
  }
}

/** The bytes of the regular files under `dir`, as plakar's fs storage counts. */
async function diskUsage(dir: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) total += await diskUsage(path);
    else if (entry.isFile) total += (await Deno.lstat(path)).size;
  }
  return total;
}

if (import.meta.main) {
  await runStorage((init) => {
    const root = localPath(init.location, init.proto);
    const objectPath = (key: ObjectKey) =>
      `${root}/${key.type}/${toHex(key.mac)}`;
    // The object types whose directory is known to exist.
    const typeDirs = new Set<string>();
    return {
      origin: "localhost",
      // plakar leaves a repository's own files out of a backup only when
      // its storage says "fs" (or "ptar"): this one is a local directory.
      type: "fs",
      root,
      flags: ["localfs"],
      async create(config) {
        // As plakar's fs storage: a new directory, or an empty one, kept to
        // its owner.
        await Deno.mkdir(root, { recursive: true, mode: 0o700 });
        if (root !== "/") {
          await syncDir(root.slice(0, root.lastIndexOf("/")) || "/");
        }
        for await (const entry of Deno.readDir(root)) {
          throw new Error(
            entry.name === "CONFIG"
              ? `Cannot create a repository at "${root}": one exists already`
              : `Cannot create a repository at "${root}": the directory is not empty`,
          );
        }
        await writeAtomic(`${root}/CONFIG`, config);
      },
      async open() {
        try {
          return await Deno.readFile(`${root}/CONFIG`);
        } catch (error) {
          if (error instanceof Deno.errors.NotFound) {
            throw new Error(
              `Cannot open the repository at "${root}": there is none`,
            );
          }
          throw error;
        }
      },
      async *list(type) {
        const dir = `${root}/${type}`;
        try {
          for await (const entry of Deno.readDir(dir)) {
            if (entry.isFile && MAC_NAME.test(entry.name)) {
              yield fromHex(entry.name);
            } else if (entry.isFile && TEMP_NAME.test(entry.name)) {
              await removeIfStale(`${dir}/${entry.name}`);
            }
          }
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
        }
      },
      async size() {
        return await diskUsage(root);
      },
      async put(key, body) {
        if (!typeDirs.has(key.type)) {
          // A new directory is synced into its parent, as each object is
          // into its own, so that a crash loses no object said written.
          try {
            await Deno.mkdir(`${root}/${key.type}`, { mode: 0o700 });
            await syncDir(root);
          } catch (error) {
            if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
          }
          typeDirs.add(key.type);
        }
        return await writeAtomic(objectPath(key), body);
      },
      async get(key, { range }) {
        const path = objectPath(key);
        await Deno.lstat(path);
        return range
          ? fileBody(path, { offset: range.offset, length: range.length })
          : fileBody(path);
      },
      async delete(key) {
        await Deno.remove(objectPath(key));
      },
    };
  });
}
