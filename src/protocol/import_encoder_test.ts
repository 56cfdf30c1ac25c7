import assert from "node:assert/strict";
import { ImportResponseEncoder } from "./import_encoder.ts";
import { wireRecordKey } from "./codec.ts";
import type { FileInfo } from "../file_info.ts";
import type { ImportRecord } from "../record.ts";
import * as pb from "../../proto/gen/importer/importer_pb.ts";

const INFO: FileInfo = {
  name: "a",
  kind: "file",
  size: 3,
  mode: 0o644,
  mtimeNs: 1_700_000_000_123_456_789n,
  dev: 1n,
  ino: 2n,
  uid: 1000,
  gid: 100,
  nlink: 70000,
};

const open = () => ReadableStream.from([new Uint8Array(1)]);

// What the generated code decodes from the encoder's bytes, and whether it
// encodes that back to the very same bytes (fields in order, no zero value).
function roundTrip(bytes: Uint8Array): pb.ImportResponse {
  const decoded = pb.ImportResponse.decode(bytes);
  assert.deepEqual(pb.ImportResponse.encode(decoded).finish(), bytes);
  return decoded;
}

Deno.test("ImportResponseEncoder writes an entry as the generated encoder would", () => {
  const encoder = new ImportResponseEncoder();
  const record = roundTrip(encoder.encode({
    pathname: "/dir/a",
    fileInfo: { ...INFO, username: "me", groupname: "us", flags: 4 },
    open,
    xattrs: ["user.x", ""],
    fileAttributes: 7,
  })).record!;
  assert.equal(record.hasReader, true);
  assert.equal(record.pathname, "/dir/a");
  assert.deepEqual(record.extendedAttributes, ["user.x", ""]);
  assert.equal(record.fileAttributes, 7);
  assert.deepEqual(record.fileInfo, {
    name: "a",
    size: 3n,
    mode: 0o644,
    modTime: { seconds: 1_700_000_000n, nanos: 123_456_789 },
    dev: 1n,
    ino: 2n,
    uid: 1000n,
    gid: 100n,
    nlink: 70000 & 0xffff,
    username: "me",
    groupname: "us",
    flags: 4,
  });
  assert.equal(encoder.key, "/dir/a");
  assert.equal(encoder.open, open);
});

Deno.test("ImportResponseEncoder writes 64-bit and negative values as int64 and uint64 want", () => {
  const encoder = new ImportResponseEncoder();
  const info = roundTrip(encoder.encode({
    pathname: "/big",
    fileInfo: {
      ...INFO,
      kind: "directory",
      mode: 0o4755,
      size: 2 ** 40 + 3,
      mtimeNs: -1n,
      dev: 2n ** 64n - 1n,
      ino: 2n ** 63n + 5n,
      uid: 2 ** 33,
      gid: 0,
    },
  })).record!.fileInfo!;
  assert.equal(info.size, 2n ** 40n + 3n);
  assert.equal(info.mode, (0x80000000 | 0x00800000 | 0o755) >>> 0);
  assert.deepEqual(info.modTime, { seconds: -1n, nanos: 999_999_999 });
  assert.equal(info.dev, 2n ** 64n - 1n);
  assert.equal(info.ino, 2n ** 63n + 5n);
  assert.equal(info.uid, 2n ** 33n);
  assert.equal(info.gid, 0n);
  assert.equal(encoder.open, undefined);
});

Deno.test("ImportResponseEncoder writes UTF-8 as TextEncoder does", () => {
  const encoder = new ImportResponseEncoder();
  const utf8 = new TextEncoder();
  for (const name of ["é", "€ and ✓", "😀x", "a\ud800b", "\udc00", "z\ud83d"]) {
    const bytes = encoder.encode({
      pathname: "/" + name,
      fileInfo: { ...INFO, name },
    });
    const record = pb.ImportResponse.decode(bytes).record!;
    const expected = new TextDecoder().decode(utf8.encode(name));
    assert.equal(record.pathname, "/" + expected);
    assert.equal(record.fileInfo!.name, expected);
    roundTrip(bytes);
  }
});

Deno.test("ImportResponseEncoder writes lengths of one, two and three bytes", () => {
  const encoder = new ImportResponseEncoder();
  for (const length of [1, 60, 127, 128, 300, 16_383, 16_384, 70_000]) {
    const name = "n".repeat(length);
    const record = roundTrip(encoder.encode({
      pathname: "/" + name,
      fileInfo: { ...INFO, name },
      xattrs: [name],
      target: name,
    })).record!;
    assert.equal(record.pathname.length, length + 1);
    assert.equal(record.fileInfo!.name, name);
    assert.deepEqual(record.extendedAttributes, [name]);
    assert.equal(record.target, name);
  }
  // The buffer is reused: a small record after a large one is still whole.
  const small = roundTrip(encoder.encode({ pathname: "/s", fileInfo: INFO }));
  assert.equal(small.record!.pathname, "/s");
});

Deno.test("ImportResponseEncoder sets hasReader only on regular files and xattrs with content", () => {
  const encoder = new ImportResponseEncoder();
  const dir = roundTrip(encoder.encode({
    pathname: "/d",
    fileInfo: { ...INFO, kind: "directory" },
    open,
  })).record!;
  assert.equal(dir.hasReader, false);
  assert.equal(encoder.open, undefined);
  const xattr = roundTrip(encoder.encode({
    pathname: "/a",
    xattr: { name: "user.x", kind: "extended" },
    open,
  })).record!;
  assert.equal(xattr.isXattr, true);
  assert.equal(xattr.xattrName, "user.x");
  assert.equal(xattr.xattrType, 0);
  assert.equal(xattr.hasReader, true);
  assert.equal(xattr.fileInfo, undefined);
  assert.equal(encoder.key, "xattr:/a:user.x");
  assert.equal(encoder.open, open);
  const ads = roundTrip(encoder.encode({
    pathname: "/a",
    xattr: { name: "s", kind: "ads" },
    open,
    fileInfo: INFO,
  })).record!;
  assert.equal(ads.xattrType, 1);
  assert.equal(ads.fileInfo?.name, "a");
  assert.equal(encoder.key, "xattr:/a@s");
});

Deno.test("ImportResponseEncoder holds an answer for a regular file sent without open, which plakar opens anyway", async () => {
  const encoder = new ImportResponseEncoder();
  const empty = roundTrip(encoder.encode({
    pathname: "/e",
    fileInfo: { ...INFO, size: 0 },
  })).record!;
  assert.equal(empty.hasReader, false);
  const body = await encoder.open!();
  assert.deepEqual(await Array.fromAsync(body), []);
  encoder.encode({ pathname: "/f", fileInfo: { ...INFO, size: 5 } });
  assert.throws(
    () => encoder.open!(),
    /"\/f" has no content to read: the importer sent this regular file of 5 bytes without open/,
  );
  encoder.encode({ pathname: "/d", fileInfo: { ...INFO, kind: "directory" } });
  assert.equal(encoder.open, undefined);
});

Deno.test("ImportResponseEncoder keys a record as the host will name it back, lone surrogates included", () => {
  const encoder = new ImportResponseEncoder();
  // A lone surrogate, as a UTF-16 source (JSON) may give: UTF-8 on the wire
  // carries U+FFFD, and plakar opens the record by that name.
  const path = "/caf\ud800.txt";
  const file = roundTrip(
    encoder.encode({ pathname: path, fileInfo: INFO, open }),
  )
    .record!;
  assert.equal(file.pathname, "/caf\ufffd.txt");
  assert.equal(encoder.key, wireRecordKey(file));
  const xattr = roundTrip(encoder.encode({
    pathname: path,
    xattr: { name: "user.\udc00", kind: "extended" },
    open,
  })).record!;
  assert.equal(encoder.key, wireRecordKey(xattr));
  assert.equal(encoder.key, "xattr:/caf\ufffd.txt:user.\ufffd");
});

Deno.test("ImportResponseEncoder turns errors into error records without file info", () => {
  const encoder = new ImportResponseEncoder();
  const record = roundTrip(encoder.encode({
    pathname: "/x",
    error: new Error("gone"),
  })).record!;
  assert.equal(record.error, "gone");
  assert.equal(record.fileInfo, undefined);
  assert.equal(record.hasReader, false);
  assert.equal(encoder.key, "/x");
  assert.equal(encoder.open, undefined);
  assert.equal(
    pb.ImportResponse.decode(encoder.encode({ pathname: "/x", error: "" }))
      .record!.error,
    "unknown error",
  );
  // Deno's advice fits `deno run`, not a built connector.
  assert.equal(
    roundTrip(encoder.encode({
      pathname: "/proc",
      error:
        'Requires all access to "/proc", run again with the --allow-all flag',
    })).record!.error,
    'Requires all access to "/proc" (not granted to this connector)',
  );
  // Deno's wording of a failed system call, as plakar words it.
  let missing: unknown;
  try {
    Deno.lstatSync("/nonexistent/x");
  } catch (error) {
    missing = error;
  }
  assert.ok(missing instanceof Deno.errors.NotFound);
  assert.equal(
    roundTrip(encoder.encode({ pathname: "/x", error: missing })).record!
      .error,
    "lstat /nonexistent/x: no such file or directory",
  );
});

Deno.test("ImportResponseEncoder refuses relative paths and entries without file info", () => {
  const encoder = new ImportResponseEncoder();
  assert.throws(
    () => encoder.encode({ pathname: "a", error: "x" }),
    /Cannot import record "a": its pathname must be absolute/,
  );
  assert.throws(
    () => encoder.encode({ pathname: "/a" } as unknown as ImportRecord),
    /Cannot import record "\/a": it has no fileInfo/,
  );
});

Deno.test("ImportResponseEncoder ends an Import with finished and no record", () => {
  const encoder = new ImportResponseEncoder();
  encoder.encode({ pathname: "/a", fileInfo: INFO, open });
  const last = roundTrip(encoder.finished());
  assert.equal(last.finished, true);
  assert.equal(last.record, undefined);
  assert.equal(encoder.open, undefined);
});
