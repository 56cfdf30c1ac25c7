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

Deno.test("ConnectorExitError keeps Deno's whole report of an uncaught error behind a long stack", () => {
  const report = [
    "error: Uncaught Error: deep boom",
    '  if (n === 0) throw new Error("deep boom");',
    "                     ^",
    ...Array.from({ length: 14 }, (_, i) => `    at f (file:///c.ts:${i}:1)`),
  ];
  const error = new ConnectorExitError(
    { success: false, code: 1, signal: null },
    ["starting", ...report].join("\n") + "\n",
    "/importer.Importer/Init",
  );
  assert.equal(
    error.message,
    "The connector exited with code 1 during /importer.Importer/Init; its stderr ends with:\n…\n" +
      report.join("\n"),
  );
});

Deno.test("ConnectorExitError shortens a report longer than 40 lines to its head and its end", () => {
  const frames = Array.from({ length: 60 }, (_, i) => `    at f (x.ts:${i})`);
  const error = new ConnectorExitError(
    { success: false, code: 1, signal: null },
    ["error: Uncaught RangeError: too deep", "  f()", "  ^", ...frames]
      .join("\n"),
  );
  assert.equal(
    error.message,
    "The connector exited with code 1; its stderr ends with:\n" +
      ["error: Uncaught RangeError: too deep", "  f()", "  ^", frames[0], "…"]
        .join("\n") +
      "\n" + frames.slice(-8).join("\n"),
  );
});

Deno.test("ConnectorExitError says when the process had ended before the call", () => {
  const error = new ConnectorExitError(
    { success: false, code: 1, signal: null },
    "error: Uncaught Error: boom\n",
    "/importer.Importer/Close",
    { before: true },
  );
  assert.equal(
    error.message,
    "The connector had exited with code 1 before /importer.Importer/Close; its stderr ends with:\nerror: Uncaught Error: boom",
  );
  const killed = new ConnectorExitError(
    { success: false, code: 137, signal: "SIGKILL" },
    "",
    "/importer.Importer/Ping",
    { before: true },
  );
  assert.equal(
    killed.message,
    "The connector had been killed by SIGKILL before /importer.Importer/Ping, and wrote nothing on stderr",
  );
});

Deno.test("ConnectorExitError takes only Deno's 'error: Uncaught' line for a report, not a log line saying 'error:'", () => {
  const steps = Array.from({ length: 50 }, (_, i) => `info: step ${i}`);
  const error = new ConnectorExitError(
    { success: false, code: 3, signal: null },
    ["error: cache miss for key a (retrying)", ...steps, "giving up"]
      .join("\n"),
  );
  assert.equal(
    error.message,
    "The connector exited with code 3; its stderr ends with:\n…\n" +
      [...steps.slice(-11), "giving up"].join("\n"),
  );
});
