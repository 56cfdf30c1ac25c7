import assert from "node:assert/strict";
import { checkFailure } from "./check_failure.ts";

// What deno check 2.9.6 wrote (NO_COLOR) for a package with two errors.
const TWO_ERRORS = `TS2307 [ERROR]: Cannot find module 'file:///pkg/missing.ts'.
    at file:///pkg/src/a.ts:1:19

TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.
const n: number = "s";
      ^
    at file:///pkg/src/a.ts:2:7

Found 2 errors.

error: Type checking failed.
`;

Deno.test("checkFailure() gives the first error with its place, the count, and where to run deno check", () => {
  assert.equal(
    checkFailure("/pkg/src/a.ts", TWO_ERRORS, "/pkg").message,
    "/pkg/src/a.ts does not type-check: /pkg/src/a.ts:1:19: TS2307 [ERROR]: Cannot find module 'file:///pkg/missing.ts'. " +
      '(2 errors in all: run "deno check src/a.ts" in /pkg to see them)',
  );
});

Deno.test("checkFailure() reads deno's other errors (syntax, npm) the same way, and keeps what it cannot place", () => {
  const syntax =
    "error: SyntaxError: Unexpected token `=`.\n  |\n1 | const = 1;\n  |       ~\n    at file:///pkg/c.ts:1:7\n";
  assert.equal(
    checkFailure("/elsewhere/c.ts", syntax, "/pkg").message,
    "/elsewhere/c.ts does not type-check: /pkg/c.ts:1:7: SyntaxError: Unexpected token `=`. " +
      '(run "deno check /elsewhere/c.ts" in /pkg to see every error)',
  );
  assert.equal(
    checkFailure("/pkg/d.ts", "error: something else\nmore\n", "/pkg").message,
    '/pkg/d.ts does not type-check: error: something else / more (run "deno check d.ts" in /pkg to see every error)',
  );
});

Deno.test("checkFailure() places the first error by its own lines only, and shortens a long one", () => {
  // The first error is in a data: module (no place to give); the second's
  // place must not be given as the first's.
  const dataFirst =
    `TS2322 [ERROR]: Type 'number' is not assignable to type 'boolean'.
export const v: boolean = 12;
             ^
    at data:application/typescript,export const v: boolean = 12;:1:14

TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.
const n: number = "s";
      ^
    at file:///pkg/entry.ts:2:7

Found 2 errors.
`;
  assert.equal(
    checkFailure("/pkg/entry.ts", dataFirst, "/pkg").message,
    "/pkg/entry.ts does not type-check: TS2322 [ERROR]: Type 'number' is not assignable to type 'boolean'. " +
      '(2 errors in all: run "deno check entry.ts" in /pkg to see them)',
  );
  // A compiler option error (no place), then errors that have one.
  const values = Array.from({ length: 80 }, (_, i) => `'lib${i}'`).join(", ");
  const option =
    `TS6046 [ERROR]: Argument for '--lib' option must be: ${values}.

TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.
    at file:///pkg/entry.ts:1:7

Found 2 errors.
`;
  const message = checkFailure("/pkg/entry.ts", option, "/pkg").message;
  assert.ok(
    message.startsWith(
      "/pkg/entry.ts does not type-check: TS6046 [ERROR]: Argument for '--lib' option must be: 'lib0', ",
    ),
    message,
  );
  assert.ok(!message.includes("entry.ts:1:7"), message);
  assert.ok(
    message.endsWith(
      '… (2 errors in all: run "deno check entry.ts" in /pkg to see them)',
    ),
    message,
  );
  assert.ok(message.length < 420, message);
  // A module from the network keeps its URL.
  assert.equal(
    checkFailure(
      "/pkg/entry.ts",
      "TS2345 [ERROR]: Bad.\n    at https://example.com/m.ts:3:4\n",
      "/pkg",
    ).message,
    '/pkg/entry.ts does not type-check: https://example.com/m.ts:3:4: TS2345 [ERROR]: Bad. (run "deno check entry.ts" in /pkg to see every error)',
  );
});
