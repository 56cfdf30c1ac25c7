import assert from "node:assert/strict";
import type { FileInfo } from "../file_info.ts";
import { describe, fileInfoProblem } from "./misuse.ts";

const good: FileInfo = {
  name: "f",
  kind: "file",
  size: 3,
  mode: 0o644,
  mtimeNs: 0n,
};

function problem(wrong: Record<string, unknown>): string | undefined {
  return fileInfoProblem({ ...good, ...wrong } as unknown as FileInfo);
}

Deno.test("fileInfoProblem() passes what encodes as meant", () => {
  assert.equal(fileInfoProblem(good), undefined);
  assert.equal(problem({ mtimeNs: 5 }), undefined);
  assert.equal(
    problem({ uid: 1, gid: 2, nlink: 1, dev: 1n, ino: 2n, username: "u" }),
    undefined,
  );
});

Deno.test("fileInfoProblem() names the field, the value and what it must be", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ name: 1 }, "its fileInfo.name is 1, not a string"],
    [
      { kind: "dir" },
      'its fileInfo.kind is the string "dir": it must be one of',
    ],
    [{ size: -1 }, "its fileInfo.size is -1, not a number of bytes"],
    [{ size: 1.5 }, "its fileInfo.size is 1.5, not a number of bytes"],
    [{ mode: "755" }, 'its fileInfo.mode is the string "755", not a number'],
    [{ mtimeNs: new Date(0) }, "its fileInfo.mtimeNs is an object (Date), not"],
    [{ uid: "0" }, 'its fileInfo.uid is the string "0", not a whole number'],
    [{ ino: 7 }, "its fileInfo.ino is 7, not a bigint"],
    [{ groupname: null }, "its fileInfo.groupname is null, not a string"],
  ];
  for (const [wrong, start] of cases) {
    const text = problem(wrong);
    assert.ok(text?.startsWith(start), `${JSON.stringify(text)}`);
  }
  assert.equal(
    fileInfoProblem(undefined as unknown as FileInfo),
    "its fileInfo is missing, not an object",
  );
});

Deno.test("describe() shows a value as its author wrote it", () => {
  assert.equal(describe("x"), 'the string "x"');
  assert.equal(describe(2n), "the bigint 2n");
  assert.equal(describe(undefined), "missing");
  assert.equal(describe(new Uint8Array(1)), "a Uint8Array of 1 byte");
  assert.equal(describe(new Uint8Array(2)), "a Uint8Array of 2 bytes");
  assert.equal(describe(() => 1), "a function");
  assert.equal(describe([]), "an object (Array)");
});
