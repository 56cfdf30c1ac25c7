import assert from "node:assert/strict";
import { type ObjectKey, type ResourceType, toHex } from "../mod.ts";
import { GrpcError, GrpcStatus, StorageClient } from "../testing.ts";
import * as pb from "../proto/gen/storage/storage_pb.ts";
import { example, fixture, tempDir } from "./_helpers.ts";

const MIB = 1024 * 1024;

/** Deterministic bytes that differ from one seed to the next. */
function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** A key with a distinct 32-byte MAC per seed. */
function key(type: ResourceType, seed: number): ObjectKey {
  return { type, mac: pattern(32, 1000 + seed) };
}

function assertSameBytes(
  actual: Uint8Array,
  expected: Uint8Array,
  what: string,
): void {
  assert.equal(actual.byteLength, expected.byteLength, `size of ${what}`);
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  assert.equal(at, -1, `${what} differs from byte ${at}`);
}

/** Reads a Get stream, checking that no chunk exceeds 1 MiB. */
async function read(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks = await Array.fromAsync(stream);
  for (const chunk of chunks) {
    assert.ok(chunk.byteLength <= MIB, `a chunk of ${chunk.byteLength} bytes`);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** The MACs of a List answer, as sorted hex. */
async function listed(
  storage: StorageClient,
  type: ResourceType,
): Promise<string[]> {
  const macs = await storage.list(type);
  for (const mac of macs) assert.equal(mac.byteLength, 32);
  return macs.map(toHex).sort();
}

/** Sorted hex of keys. */
function hexes(keys: ObjectKey[]): string[] {
  return keys.map((k) => toHex(k.mac)).sort();
}

/** Where the example keeps an object. */
function objectPath(root: string, key: ObjectKey): string {
  return `${root}/${key.type}/${toHex(key.mac)}`;
}

/** Names in a directory, sorted; none if it does not exist. */
async function names(path: string): Promise<string[]> {
  const found = [];
  try {
    for await (const entry of Deno.readDir(path)) found.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort();
}

/** Polls `check` until it holds, failing after `ms` milliseconds. */
async function eventually(
  what: string,
  check: () => Promise<boolean>,
  ms = 5000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!await check()) {
    if (Date.now() > deadline) assert.fail(`Timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts the example storage on a fresh repository in `root`. */
async function started(root: string): Promise<StorageClient> {
  const storage = StorageClient.spawn(example("storage"));
  await storage.init(`denofs://${root}`);
  await storage.create(new TextEncoder().encode("config"));
  return storage;
}

Deno.test("storage example answers Init, Mode, Size and Ping", async () => {
  await using tmp = await tempDir();
  const root = `${tmp.path}/repo`;
  const storage = StorageClient.spawn(example("storage"));
  try {
    // Type "fs": plakar then leaves the repository's own files out of a
    // backup of a tree that holds it.
    assert.deepEqual(await storage.init(`denofs://${root}`), {
      origin: "localhost",
      type: "fs",
      root,
      flags: ["localfs"],
    });
    assert.equal(await storage.modeBits(), 6);
    assert.equal(await storage.mode(), "read-write");
    await storage.create(new TextEncoder().encode("config"));
    await storage.put(
      { type: "packfile", mac: new Uint8Array(32) },
      new Uint8Array(1000),
    );
    // What the files hold, as plakar's fs storage counts (it said -1,
    // which plakar info shows as 16 EiB).
    assert.equal(await storage.size(), 6 + 1000);
    // Kept to its owner, as plakar's fs storage does.
    assert.equal((await Deno.stat(root)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(`${root}/packfile`)).mode! & 0o777, 0o700);
    await storage.ping();
    await storage.close();
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example keeps the configuration: Open returns what Create got", async () => {
  await using tmp = await tempDir();
  const root = `${tmp.path}/new/repo`;
  const config = pattern(70_000, 1);
  config.set([0, 0xff, 0, 0x12], 0);
  const first = StorageClient.spawn(example("storage"));
  try {
    await first.init(`denofs://${root}`);
    await first.create(config);
    assertSameBytes(await first.open(), config, "Open in the same process");
    await first.close();
  } finally {
    assert.equal((await first.process.close()).code, 0);
  }
  assertSameBytes(await Deno.readFile(`${root}/CONFIG`), config, "CONFIG");
  const second = StorageClient.spawn(example("storage"));
  try {
    await second.init(`denofs://${root}`);
    assertSameBytes(await second.open(), config, "Open in a new process");
  } finally {
    assert.equal((await second.process.close()).code, 0);
  }
});

Deno.test("storage example creates a repository only in a new or empty directory", async () => {
  await using tmp = await tempDir();
  await Deno.writeTextFile(`${tmp.path}/notes.txt`, "mine");
  const storage = StorageClient.spawn(example("storage"));
  try {
    await storage.init(`denofs://${tmp.path}`);
    await assert.rejects(
      storage.create(new TextEncoder().encode("config")),
      (error: unknown) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(
          error.details,
          `Cannot create a repository at "${tmp.path}": the directory is not empty`,
        );
        return true;
      },
    );
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
  assert.deepEqual(
    [...Deno.readDirSync(tmp.path)].map((e) => e.name),
    ["notes.txt"],
  );
});

Deno.test("storage example removes what a killed process left half-written, once it is old", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  try {
    const key: ObjectKey = { type: "packfile", mac: new Uint8Array(32) };
    await storage.put(key, new Uint8Array(10));
    const dir = `${tmp.path}/packfile`;
    const old = `${dir}/.tmp-left-by-a-killed-process`;
    const recent = `${dir}/.tmp-being-written`;
    await Deno.writeTextFile(old, "partial");
    await Deno.utime(
      old,
      new Date(Date.now() - 2 * 3600_000),
      new Date(Date.now() - 2 * 3600_000),
    );
    await Deno.writeTextFile(recent, "partial");
    assert.equal((await storage.list("packfile")).length, 1);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      [".tmp-being-written", toHex(key.mac)],
    );
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example refuses a second Create with a clear message", async () => {
  await using tmp = await tempDir();
  const storage = StorageClient.spawn(example("storage"));
  try {
    await storage.init(`denofs://${tmp.path}`);
    await storage.create(new TextEncoder().encode("first"));
    await assert.rejects(
      storage.create(new TextEncoder().encode("second")),
      (error: unknown) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, GrpcStatus.UNKNOWN);
        assert.equal(
          error.details,
          `Cannot create a repository at "${tmp.path}": one exists already`,
        );
        return true;
      },
    );
    assert.equal(new TextDecoder().decode(await storage.open()), "first");
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example fails Open clearly where there is no repository", async () => {
  await using tmp = await tempDir();
  const storage = StorageClient.spawn(example("storage"));
  try {
    await storage.init(`denofs://${tmp.path}`);
    await assert.rejects(storage.open(), (error: unknown) => {
      assert.ok(error instanceof GrpcError);
      assert.equal(
        error.details,
        `Cannot open the repository at "${tmp.path}": there is none`,
      );
      return true;
    });
    // Open had no side effect: nothing was created.
    assert.deepEqual(await names(tmp.path), []);
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example round-trips objects of 0 bytes, 1 byte and 3 MiB + 5", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  try {
    const objects: [ObjectKey, Uint8Array][] = [
      [key("packfile", 0), new Uint8Array(0)],
      [key("state", 1), new Uint8Array([0x2a])],
      [key("packfile", 2), pattern(3 * MIB + 5, 2)],
    ];
    for (const [k, bytes] of objects) {
      assert.equal(await storage.put(k, bytes), bytes.byteLength);
    }
    for (const [k, bytes] of objects) {
      const what = `${k.type}/${toHex(k.mac)}`;
      assertSameBytes(await read(storage.get(k)), bytes, `Get of ${what}`);
      assertSameBytes(
        await Deno.readFile(objectPath(tmp.path, k)),
        bytes,
        `the file of ${what}`,
      );
    }
    // The big one arrives in chunks of at most 1 MiB: at least four.
    const chunks = await Array.fromAsync(storage.get(objects[2]![0]));
    assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example Get returns exactly the requested range", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  try {
    const k = key("packfile", 3);
    const bytes = pattern(3 * MIB + 5, 3);
    await storage.put(k, bytes);
    const ranges = [
      { offset: 0, length: 10 },
      { offset: 7, length: 1 },
      { offset: MIB - 3, length: MIB + 10 },
      { offset: 123, length: 2 * MIB + 1 },
      { offset: 3 * MIB, length: 5 },
      { offset: 0, length: bytes.byteLength },
    ];
    for (const range of ranges) {
      assertSameBytes(
        await read(storage.get(k, range)),
        bytes.subarray(range.offset, range.offset + range.length),
        `range ${JSON.stringify(range)}`,
      );
    }
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example List returns exactly the MACs put, per type, never temporary files", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  try {
    const packfiles = [0, 1, 2].map((i) => key("packfile", i));
    const states = [3, 4].map((i) => key("state", i));
    const locks = [key("lock", 5)];
    for (const k of [...packfiles, ...states, ...locks]) {
      await storage.put(k, pattern(100, 0));
    }
    // Debris of an interrupted write, and a name that is no MAC.
    await Deno.writeTextFile(`${tmp.path}/packfile/.tmp-xyz`, "partial");
    await Deno.writeTextFile(`${tmp.path}/state/README`, "not an object");
    assert.deepEqual(await listed(storage, "packfile"), hexes(packfiles));
    assert.deepEqual(await listed(storage, "state"), hexes(states));
    assert.deepEqual(await listed(storage, "lock"), hexes(locks));
    assert.deepEqual(await listed(storage, "ecc-state"), []);
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example Delete removes the object and List reflects it", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  try {
    const kept = key("packfile", 0);
    const deleted = key("packfile", 1);
    await storage.put(kept, pattern(10, 0));
    await storage.put(deleted, pattern(10, 1));
    assert.deepEqual(
      await listed(storage, "packfile"),
      hexes([kept, deleted]),
    );
    await storage.delete(deleted);
    assert.deepEqual(await listed(storage, "packfile"), hexes([kept]));
    await assert.rejects(
      Deno.lstat(objectPath(tmp.path, deleted)),
      Deno.errors.NotFound,
    );
    assertSameBytes(await read(storage.get(kept)), pattern(10, 0), "kept");
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example fails Get and Delete of a missing object with a message naming it", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  try {
    const missing = key("packfile", 9);
    const hex = toHex(missing.mac);
    const namesIt = (error: unknown) => {
      assert.ok(error instanceof GrpcError, `expected a GrpcError: ${error}`);
      assert.notEqual(error.code, GrpcStatus.OK);
      assert.match(error.details, /: no such file or directory$/);
      assert.ok(error.details.includes(hex), error.details);
      return true;
    };
    await assert.rejects(read(storage.get(missing)), namesIt);
    await assert.rejects(storage.delete(missing), namesIt);
    await storage.ping();
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage service refuses a MAC that is not 32 bytes with INVALID_ARGUMENT", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  const connection = storage.process.connection;
  const invalid = (bytes: number) => (error: unknown) => {
    assert.ok(error instanceof GrpcError, `expected a GrpcError: ${error}`);
    assert.equal(error.code, GrpcStatus.INVALID_ARGUMENT);
    assert.equal(
      error.details,
      `Cannot use a MAC of ${bytes} bytes: expected 32`,
    );
    return true;
  };
  try {
    await assert.rejects(
      connection.unary(
        "/store.Store/Delete",
        pb.DeleteRequest.encode({ mac: new Uint8Array(31), type: 1 }).finish(),
      ),
      invalid(31),
    );

    const get = connection.call("/store.Store/Get");
    await get.send(
      pb.GetRequest.encode({ mac: new Uint8Array(33), type: 1 }).finish(),
    );
    get.end();
    await assert.rejects(Array.fromAsync(get.messages()), invalid(33));

    const put = connection.call("/store.Store/Put");
    const request = (mac: Uint8Array, chunk: Uint8Array) =>
      pb.PutRequest.encode({ mac, type: 1, chunk }).finish();
    await put.send(request(new Uint8Array(0), new Uint8Array(0)));
    await put.send(request(new Uint8Array(0), pattern(1000, 1)));
    put.end();
    await assert.rejects(Array.fromAsync(put.messages()), invalid(0));
    assert.deepEqual(await names(`${tmp.path}/packfile`), []);
    await storage.ping();
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example round-trips 8 concurrent Puts and Gets", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  try {
    const batch = (from: number) =>
      Array.from({ length: 8 }, (_, i): [ObjectKey, Uint8Array] => [
        key(i % 2 ? "packfile" : "state", from + i),
        pattern(MIB + 1000 * (from + i), from + i),
      ]);
    const first = batch(0);
    const second = batch(8);
    const written = await Promise.all(
      first.map(([k, bytes]) => storage.put(k, bytes)),
    );
    assert.deepEqual(written, first.map(([, bytes]) => bytes.byteLength));
    // Gets of the first batch while the second is being put.
    const [got] = await Promise.all([
      Promise.all(first.map(([k]) => read(storage.get(k)))),
      Promise.all(second.map(([k, bytes]) => storage.put(k, bytes))),
    ]);
    got.forEach((bytes, i) => assertSameBytes(bytes, first[i]![1], `#${i}`));
    const again = await Promise.all(second.map(([k]) => read(storage.get(k))));
    again.forEach((bytes, i) =>
      assertSameBytes(bytes, second[i]![1], `#${8 + i}`)
    );
    const all = [...first, ...second].map(([k]) => k);
    assert.deepEqual(
      await listed(storage, "packfile"),
      hexes(all.filter((k) => k.type === "packfile")),
    );
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("storage example never exposes an object whose Put was cancelled", async () => {
  await using tmp = await tempDir();
  const storage = await started(tmp.path);
  try {
    const k = key("packfile", 7);
    const path = objectPath(tmp.path, k);
    const dir = `${tmp.path}/packfile`;
    const temporary = async () =>
      (await names(dir)).filter((name) => name.startsWith(".tmp-"));

    const put = storage.process.connection.call("/store.Store/Put");
    const request = (mac: Uint8Array, chunk: Uint8Array) =>
      pb.PutRequest.encode({ mac, type: 1, chunk }).finish();
    await put.send(request(k.mac, new Uint8Array(0)));
    await put.send(request(new Uint8Array(0), pattern(MIB, 1)));
    await put.send(request(new Uint8Array(0), pattern(MIB, 2)));
    // The connector has written both chunks to its temporary file.
    await eventually("two chunks written", async () => {
      const [temp] = await temporary();
      if (temp === undefined) return false;
      return (await Deno.stat(`${dir}/${temp}`)).size === 2 * MIB;
    });
    put.cancel();
    await assert.rejects(put.status());

    await eventually("the temporary file removed", async () => {
      await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
      return (await temporary()).length === 0;
    });
    assert.deepEqual(await names(dir), []);
    assert.deepEqual(await listed(storage, "packfile"), []);

    // The connector goes on serving; the same object can be put again.
    const bytes = pattern(2 * MIB + 1, 3);
    assert.equal(await storage.put(k, bytes), bytes.byteLength);
    assertSameBytes(await read(storage.get(k)), bytes, "the object put again");
    assert.deepEqual(await listed(storage, "packfile"), hexes([k]));
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});

Deno.test("a Put that fails part-way reaches the host as its cause, after the host has sent the whole object", async () => {
  const storage = StorageClient.spawn(fixture("synthetic_storage"));
  try {
    await storage.init("synthetic:///", { failput: "1" });
    // More than the flow control windows hold: plakar reads the status only
    // once it has sent the whole object.
    const object = new Uint8Array(32 * 1024 * 1024);
    await assert.rejects(
      storage.put({ type: "packfile", mac: new Uint8Array(32) }, object),
      (error: GrpcError) => {
        assert.match(error.details, /^The disk filled up after \d+ bytes$/);
        return true;
      },
    );
    await storage.ping();
  } finally {
    assert.equal((await storage.process.close()).code, 0);
  }
});
