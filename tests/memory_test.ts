// Content streams through a connector in chunks, with backpressure: its
// memory must not grow with the size of what it streams. Each test moves
// 1 GiB through a real connector process and reads the process's peak
// resident memory (VmHWM) from /proc.
import assert from "node:assert/strict";
import { ExporterClient, ImporterClient, StorageClient } from "../testing.ts";
import { fixture, peakRss } from "./_helpers.ts";

const GIB = 1024 * 1024 * 1024;
const LIMIT = 200 * 1024 * 1024;

function generated(size: number): ReadableStream<Uint8Array> {
  let left = size;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) return controller.close();
      const chunk = new Uint8Array(Math.min(1 << 20, left));
      left -= chunk.length;
      controller.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}

Deno.test("streaming 1 GiB through Open keeps the importer's memory flat", async () => {
  const importer = ImporterClient.spawn(fixture("synthetic_importer"));
  try {
    await importer.init("synthetic:///", { size: String(GIB) });
    const entries = await importer.importAll({ read: "digest" });
    assert.equal(entries.find((e) => e.record.pathname === "/big")?.size, GIB);
    const peak = await peakRss(importer.process.pid);
    assert.ok(peak < LIMIT, `peak RSS ${peak} bytes`);
  } finally {
    await importer.process.close();
  }
});

Deno.test("streaming 1 GiB through Export keeps the exporter's memory flat", async () => {
  const exporter = ExporterClient.spawn(fixture("synthetic_exporter"));
  try {
    await exporter.init("synthetic:///");
    const results = await exporter.export([{
      pathname: "/big",
      fileInfo: {
        name: "big",
        kind: "file",
        size: GIB,
        mode: 0o644,
        mtimeNs: 0n,
      },
      body: generated(GIB),
    }]);
    assert.deepEqual(results.map((r) => [r.pathname, r.error]), [["/big", ""]]);
    const peak = await peakRss(exporter.process.pid);
    assert.ok(peak < LIMIT, `peak RSS ${peak} bytes`);
  } finally {
    await exporter.process.close();
  }
});

Deno.test("streaming 1 GiB through Get and Put keeps the storage's memory flat", async () => {
  const storage = StorageClient.spawn(fixture("synthetic_storage"));
  try {
    await storage.init("synthetic:///", { size: String(GIB) });
    let received = 0;
    for await (
      const chunk of storage.get({ type: "packfile", mac: new Uint8Array(32) })
    ) {
      received += chunk.byteLength;
    }
    assert.equal(received, GIB);
    const written = await storage.put({
      type: "packfile",
      mac: new Uint8Array(32),
    }, generated(GIB));
    assert.equal(written, GIB);
    const peak = await peakRss(storage.process.pid);
    assert.ok(peak < LIMIT, `peak RSS ${peak} bytes`);
  } finally {
    await storage.process.close();
  }
});
