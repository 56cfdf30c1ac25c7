import assert from "node:assert/strict";
import {
  ackKey,
  decodeAck,
  decodeFileInfo,
  decodeResourceType,
  encodeFileInfo,
  encodeFlags,
  recordKey,
} from "./codec.ts";
import { ImportResponseEncoder } from "./import_encoder.ts";
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

Deno.test("encodeFileInfo() splits nanoseconds into a Timestamp and back", () => {
  const wire = encodeFileInfo(INFO);
  assert.deepEqual(wire.modTime, {
    seconds: 1_700_000_000n,
    nanos: 123_456_789,
  });
  assert.equal(wire.nlink, 70000 & 0xffff);
  const back = decodeFileInfo(wire, "/a");
  assert.equal(back.mtimeNs, INFO.mtimeNs);
  assert.equal(back.mode, 0o644);
  assert.equal(back.kind, "file");
});

Deno.test("encodeFileInfo() keeps nanoseconds positive before the epoch", () => {
  const wire = encodeFileInfo({ ...INFO, mtimeNs: -1n });
  assert.deepEqual(wire.modTime, { seconds: -1n, nanos: 999_999_999 });
  assert.equal(decodeFileInfo(wire, "/a").mtimeNs, -1n);
});

Deno.test("decodeFileInfo() reads a missing time as the epoch and a missing info as zero", () => {
  assert.equal(
    decodeFileInfo({ ...encodeFileInfo(INFO), modTime: undefined }, "/a")
      .mtimeNs,
    0n,
  );
  assert.deepEqual(decodeFileInfo(undefined, "/x/y"), {
    name: "y",
    kind: "file",
    size: 0,
    mode: 0,
    mtimeNs: 0n,
  });
});

Deno.test("encodeFlags() gives plakar's bits and refuses unknown flags", () => {
  assert.equal(encodeFlags(["localfs", "needack"]), 9);
  assert.equal(encodeFlags(["file", "stream", "nomerge"]), 22);
  assert.equal(encodeFlags(undefined), 0);
  assert.throws(
    () => encodeFlags(["bogus" as "file"]),
    /Cannot declare location flag "bogus": expected one of localfs, file, stream, needack, nomerge/,
  );
});

Deno.test("recordKey() names xattrs and alternate data streams as plakar does", () => {
  assert.equal(recordKey("/a"), "/a");
  assert.equal(
    recordKey("/a", { name: "user.x", kind: "extended" }),
    "xattr:/a:user.x",
  );
  assert.equal(recordKey("/a", { name: "s", kind: "ads" }), "xattr:/a@s");
});

Deno.test("decodeAck() reads plakar's result, xattr keys included", () => {
  const ack = decodeAck({
    header: {
      hasReader: false,
      pathname: "/a",
      error: "",
      isXattr: true,
      xattrName: "s",
      xattrType: 1,
      target: "",
      fileInfo: undefined,
      extendedAttributes: [],
      fileAttributes: 0,
    },
    error: "failed",
  });
  assert.deepEqual(ack, {
    pathname: "/a",
    xattr: { name: "s", kind: "ads" },
    error: "failed",
  });
});

Deno.test("decodeResourceType() maps wire numbers and refuses unknown ones", () => {
  assert.equal(decodeResourceType(1), "packfile");
  assert.equal(decodeResourceType(5), "ecc-state");
  assert.throws(() => decodeResourceType(9), RangeError);
});

Deno.test("ackKey() reads the key of an acknowledged record, skipping the rest", () => {
  const cases: Array<[ImportRecord, string]> = [
    [{ pathname: "/dir/a b", fileInfo: INFO, xattrs: ["user.x"] }, "/dir/a b"],
    [
      {
        pathname: "/f",
        xattr: { name: "user.k", kind: "extended" },
        open: () => new ReadableStream(),
      },
      "xattr:/f:user.k",
    ],
    [
      {
        pathname: "/f",
        xattr: { name: "stream", kind: "ads" },
        open: () => new ReadableStream(),
      },
      "xattr:/f@stream",
    ],
    [{ pathname: "/broken", error: new Error("gone") }, "/broken"],
  ];
  const encoder = new ImportResponseEncoder();
  for (const [input, key] of cases) {
    const header = pb.ImportResponse.decode(encoder.encode(input)).record;
    const bytes = pb.ImportRequest.encode({
      result: { header, error: "a failure" },
    }).finish();
    assert.equal(ackKey(bytes), key);
  }
  assert.equal(ackKey(new Uint8Array(0)), "");
  assert.throws(() => ackKey(new Uint8Array([0x0a, 0x05, 0x0a])), RangeError);
  assert.equal(
    ackKey(pb.ImportRequest.encode({ result: undefined }).finish()),
    "",
  );
});
