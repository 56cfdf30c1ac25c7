// A connector process that ended under a call: said as its exit and its own
// last words, not as the broken pipe the client saw.

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*[A-Za-z]`, "g");
const LINES_SHOWN = 12;

/**
 * A connector's process ended while a call was in flight (or before it
 * started): its exit status and the end of what it wrote on stderr, which
 * says why, rather than the transport error the client saw (a broken pipe,
 * a stream ended without a status).
 *
 * @example Telling a crash from a status
 * ```ts
 * import { ConnectorExitError } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const error = new ConnectorExitError(
 *   { success: false, code: 1, signal: null },
 *   "error: Uncaught Error: no token in the config\n",
 *   "/importer.Importer/Init",
 * );
 * assert.match(error.message, /exited with code 1 during \/importer\.Importer\/Init/);
 * assert.match(error.message, /no token in the config/);
 * ```
 */
export class ConnectorExitError extends Error {
  /** How the process ended. */
  readonly status: Deno.CommandStatus;
  /** What the process wrote on stderr (its last mebibyte), as written. */
  readonly stderr: string;

  /**
   * Makes the error of a process that ended.
   *
   * @param status How it ended.
   * @param stderr What it wrote on stderr.
   * @param path The method in flight, if any.
   */
  constructor(status: Deno.CommandStatus, stderr: string, path?: string) {
    const how = status.signal !== null
      ? `was killed by ${status.signal}`
      : `exited with code ${status.code}`;
    const when = path ? ` during ${path}` : "";
    const tail = lastLines(stderr.replace(ANSI, ""), LINES_SHOWN);
    super(
      tail === ""
        ? `The connector ${how}${when}, and wrote nothing on stderr`
        : `The connector ${how}${when}; its stderr ends with:\n${tail}`,
    );
    this.name = "ConnectorExitError";
    this.status = status;
    this.stderr = stderr;
  }
}

function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split("\n");
  const kept = lines.slice(-count).join("\n");
  return lines.length > count ? `…\n${kept}` : kept;
}
