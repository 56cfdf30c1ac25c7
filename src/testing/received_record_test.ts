import assert from "node:assert/strict";
import {
  ackHeader,
  openHeader,
  type ReceivedRecord,
} from "./received_record.ts";

const FILE: ReceivedRecord = {
  pathname: "/f",
  hasReader: false,
  target: "",
  xattrs: ["user.a"],
  fileAttributes: 0,
  fileInfo: {
    name: "f",
    kind: "file",
    size: 3,
    mode: 0o644,
    mtimeNs: 1_500_000_000_123_456_789n,
  },
};

Deno.test("ackHeader() sends back the record as plakar does: reader by kind, the size read", () => {
  const header = ackHeader(FILE, 5);
  assert.equal(header.hasReader, true);
  assert.equal(header.fileInfo?.size, 5n);
  assert.deepEqual(header.fileInfo?.modTime, {
    seconds: 1_500_000_000n,
    nanos: 123_456_789,
  });
  assert.deepEqual(header.extendedAttributes, ["user.a"]);
  // Not read: the size the importer gave.
  assert.equal(ackHeader(FILE).fileInfo?.size, 3n);
  const dir = ackHeader({
    ...FILE,
    hasReader: true,
    fileInfo: { ...FILE.fileInfo!, kind: "directory" },
  }, 9);
  assert.equal(dir.hasReader, false);
  assert.equal(dir.fileInfo?.size, 3n);
  // Errors and extended attributes carry no file info.
  const failed = ackHeader({ ...FILE, error: "gone" });
  assert.equal(failed.fileInfo, undefined);
  assert.equal(failed.hasReader, false);
  assert.equal(failed.error, "gone");
  const xattr = ackHeader({
    ...FILE,
    xattr: { name: "user.a", kind: "extended" },
  });
  assert.equal(xattr.fileInfo, undefined);
  assert.equal(xattr.hasReader, true);
});

Deno.test("openHeader() names the record by path, attribute and target only", () => {
  assert.deepEqual(openHeader({ ...FILE, target: "t" }), {
    hasReader: false,
    pathname: "/f",
    error: "",
    isXattr: false,
    xattrName: "",
    xattrType: 0,
    target: "t",
    fileInfo: undefined,
    extendedAttributes: [],
    fileAttributes: 0,
  });
});
