import assert from "node:assert/strict";
import { fromGoFileMode, toGoFileMode } from "./file_mode.ts";
import type { FileKind } from "../file_info.ts";

Deno.test("toGoFileMode() sets Go's type bits for every kind", () => {
  const cases: [FileKind, number][] = [
    ["file", 0],
    ["directory", 0x80000000],
    ["symlink", 1 << 27],
    ["block-device", 1 << 26],
    ["char-device", (1 << 26) | (1 << 21)],
    ["named-pipe", 1 << 25],
    ["socket", 1 << 24],
    ["irregular", 1 << 19],
  ];
  for (const [kind, bits] of cases) {
    assert.equal(toGoFileMode(kind, 0o640), (bits | 0o640) >>> 0, kind);
    assert.deepEqual(fromGoFileMode((bits | 0o640) >>> 0), {
      kind,
      mode: 0o640,
    }, kind);
  }
});

Deno.test("toGoFileMode() moves setuid, setgid and sticky to Go's bits and back", () => {
  assert.equal(toGoFileMode("file", 0o4755), ((1 << 23) | 0o755) >>> 0);
  assert.equal(toGoFileMode("file", 0o2750), ((1 << 22) | 0o750) >>> 0);
  assert.equal(
    toGoFileMode("directory", 0o1777),
    (0x80000000 | (1 << 20) | 0o777) >>> 0,
  );
  for (const mode of [0o4755, 0o2750, 0o1777, 0o7777, 0o600, 0]) {
    assert.equal(fromGoFileMode(toGoFileMode("file", mode)).mode, mode);
  }
});

Deno.test("fromGoFileMode() ignores Go-only bits such as append and exclusive", () => {
  assert.deepEqual(fromGoFileMode(((1 << 30) | (1 << 29) | 0o644) >>> 0), {
    kind: "file",
    mode: 0o644,
  });
});
