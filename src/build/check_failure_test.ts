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
