/**
 * The testing clients of `@plakar-deno/connector/testing` against
 * connectors built with go-kloset-sdk v1.1.0: the bench's Go peer
 * (`bench/go`, built with `bench/go/build.sh`, modules from the Go module
 * proxy), whose logic is the example's. The clients must drive them as plakar
 * does (go-kloset-sdk checks what plakar sends), and both implementations
 * must answer the same.
 *
 * ```sh
 * deno task e2e   # this file with plakar_e2e.ts; needs Go, as plakar's build
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  type ExportEntry,
  ExporterClient,
  type ImportedEntry,
  ImporterClient,
  StorageClient,
} from "../../testing.ts";
import type { ObjectKey } from "../../mod.ts";
import { example, tempDir } from "../_helpers.ts";
import { run } from "../../tools/run_command.ts";
import { compareTrees } from "./compare.ts";
import { generateTree } from "./tree.ts";

const ROOT_DIR = fileURLToPath(new URL("../../", import.meta.url));

let goPeer: Promise<string> | undefined;

/** The directory of the built Go peer (built once per run). */
function buildGoPeer(): Promise<string> {
  goPeer ??= (async () => {
    const out = await Deno.makeTempDir({ prefix: "plakar-deno-gofs-" });
    const built = await run("sh", [`${ROOT_DIR}bench/go/build.sh`, out], {
      hint: "sh",
    });
    if (built.code !== 0) {
      throw new Error(
        `bench/go/build.sh failed (it needs Go and the Go module proxy): ${built.stderr.trim()}`,
      );
    }
    return out;
  })();
  return goPeer;
}

type Kind = "importer" | "exporter" | "storage";

/** Both implementations of a connector type, with their protocol names. */
async function peers(
  type: Kind,
): Promise<{ name: string; proto: string; command: string[] }[]> {
  const go = await buildGoPeer();
  return [
    { name: "Go", proto: "gofs", command: [`${go}/gofs-${type}`] },
    { name: "ours", proto: "denofs", command: example(type) },
  ];
}

/**
 * What the two importers must agree on, per record: everything, except for
 * the location's parents (`/`, `/tmp`), which other processes change
 * meanwhile.
 */
function comparable(entry: ImportedEntry, location: string): unknown {
  const { record } = entry;
  if (!`${record.pathname}/`.startsWith(`${location}/`)) {
    return { pathname: record.pathname, kind: record.fileInfo?.kind };
  }
  return {
    pathname: record.pathname,
    hasReader: record.hasReader,
    target: record.target,
    error: record.error,
    // Deno reads times to the millisecond (README, Known limits).
    fileInfo: record.fileInfo && {
      ...record.fileInfo,
      mtimeNs: record.fileInfo.mtimeNs / 1_000_000n * 1_000_000n,
    },
    size: entry.size,
    sha256: entry.sha256,
    openError: entry.openError,
  };
}

Deno.test("ImporterClient drives a go-kloset-sdk importer as plakar does, and it reports what ours does", async () => {
  await using dir = await tempDir();
  await generateTree(dir.path, {
    bigFileSize: 3 * 1024 * 1024 + 17,
    smallFileCount: 300,
    filesPerDir: 50,
    depth: 4,
  });
  const seen: unknown[][] = [];
  for (const peer of await peers("importer")) {
    const importer = ImporterClient.spawn(peer.command);
    try {
      await importer.init(`${peer.proto}://${dir.path}`);
      // Every record acknowledged with what plakar sends back; Go's SDK
      // fails the whole Import on an acknowledgement it cannot decode.
      const entries = await importer.importAll({ read: "digest" });
      assert.ok(entries.length > 300, `${peer.name}: ${entries.length}`);
      seen.push(
        entries.map((entry) => comparable(entry, dir.path)).sort((a, b) =>
          (a as { pathname: string }).pathname <
              (b as { pathname: string }).pathname
            ? -1
            : 1
        ),
      );
    } finally {
      await importer.shutdown();
    }
  }
  assert.deepStrictEqual(seen[1], seen[0]);
});

Deno.test("ExporterClient restores through a go-kloset-sdk exporter the tree ours restores", async () => {
  await using source = await tempDir();
  await generateTree(source.path, {
    bigFileSize: 2 * 1024 * 1024 + 5,
    smallFileCount: 100,
    filesPerDir: 25,
    depth: 3,
    mtimePrecision: "ms",
  });
  const importer = ImporterClient.spawn(example("importer"));
  let entries: ImportedEntry[];
  try {
    await importer.init(`denofs://${source.path}`);
    entries = await importer.importAll({ read: "bytes" });
  } finally {
    await importer.shutdown();
  }
  // The location and what is under it, not its parents, as plakar
  // restores a snapshot.
  const inside: ExportEntry[] = entries.filter(({ record }) =>
    record.pathname === source.path ||
    record.pathname.startsWith(`${source.path}/`)
  ).map(({ record, content }) => ({
    pathname: record.pathname.slice(source.path.length) || "/",
    fileInfo: record.fileInfo!,
    target: record.target,
    ...(record.hasReader && content !== undefined ? { body: content } : {}),
  }));
  await using out = await tempDir();
  for (const peer of await peers("exporter")) {
    const exporter = ExporterClient.spawn(peer.command);
    try {
      await exporter.init(`${peer.proto}://${out.path}/${peer.name}`);
      const results = await exporter.export(inside);
      assert.deepStrictEqual(
        results.filter((r) => r.error !== ""),
        [],
        peer.name,
      );
      assert.strictEqual(results.length, inside.length, peer.name);
    } finally {
      await exporter.shutdown();
    }
  }
  assert.deepStrictEqual(
    await compareTrees(`${out.path}/Go`, `${out.path}/ours`),
    [],
  );
  assert.deepStrictEqual(
    await compareTrees(source.path, `${out.path}/ours`),
    [],
  );
});

Deno.test("StorageClient drives a go-kloset-sdk storage backend, which answers as ours does", async () => {
  await using dir = await tempDir();
  const body = new Uint8Array(3 * 1024 * 1024 + 3);
  for (let i = 0; i < body.length; i++) body[i] = (i * 13 + 5) & 0xff;
  const key: ObjectKey = { type: "packfile", mac: new Uint8Array(32).fill(7) };
  const state: ObjectKey = { type: "state", mac: new Uint8Array(32).fill(9) };
  const answers: unknown[] = [];
  for (const peer of await peers("storage")) {
    const storage = StorageClient.spawn(peer.command);
    try {
      const init = await storage.init(
        `${peer.proto}://${dir.path}/${peer.name}`,
      );
      await storage.create(new TextEncoder().encode("config bytes"));
      const read = async (stream: ReadableStream<Uint8Array>) =>
        new Uint8Array(await new Response(stream).arrayBuffer());
      const whole = await storage.put(key, body);
      const small = await storage.put(state, new Uint8Array([1, 2, 3]));
      const answer = {
        flags: init.flags,
        config: new TextDecoder().decode(await storage.open()),
        mode: await storage.mode(),
        written: [whole, small],
        packfiles: await storage.list("packfile"),
        states: await storage.list("state"),
        locks: await storage.list("lock"),
        range: await read(storage.get(key, { offset: 1_048_570, length: 20 })),
        same: (await read(storage.get(key))).every((b, i) => b === body[i]),
        afterDelete: await storage.delete(key).then(() =>
          storage.list("packfile")
        ),
        missing: await read(storage.get(key)).then(() => "read", () => "error"),
      };
      answers.push(answer);
      for (const mac of [...answer.packfiles, ...answer.states]) {
        // Plain Uint8Arrays, whichever way the response came in.
        assert.strictEqual(Object.getPrototypeOf(mac), Uint8Array.prototype);
      }
      assert.strictEqual(answer.same, true, peer.name);
      assert.deepStrictEqual(
        answer.range,
        body.subarray(1_048_570, 1_048_590),
        peer.name,
      );
    } finally {
      await storage.shutdown();
    }
  }
  assert.deepStrictEqual(answers[1], answers[0]);
});
