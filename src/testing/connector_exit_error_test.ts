import assert from "node:assert/strict";
import { ConnectorExitError } from "./connector_exit_error.ts";

Deno.test("ConnectorExitError says how the process ended and the end of its stderr, without colours", () => {
  const stderr = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`)
    .join("\n") + "\n\x1b[31merror\x1b[0m: Uncaught Error: gone\n";
  const error = new ConnectorExitError(
    { success: false, code: 1, signal: null },
    stderr,
    "/store.Store/Put",
  );
  assert.equal(
    error.message,
    "The connector exited with code 1 during /store.Store/Put; its stderr ends with:\n…\n" +
      Array.from({ length: 11 }, (_, i) => `line ${i + 10}`).join("\n") +
      "\nerror: Uncaught Error: gone",
  );
  assert.equal(error.stderr, stderr);
});

Deno.test("ConnectorExitError names a signal, and says when stderr is empty", () => {
  const error = new ConnectorExitError(
    { success: false, code: 137, signal: "SIGKILL" },
    "  \n",
  );
  assert.equal(
    error.message,
    "The connector was killed by SIGKILL, and wrote nothing on stderr",
  );
  assert.equal(error.name, "ConnectorExitError");
});
