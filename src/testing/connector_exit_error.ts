// A connector process that ended under a call: said as its exit and its own
// last words, not as the broken pipe the client saw.

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*[A-Za-z]`, "g");
const LINES_SHOWN = 12;
// Deno's report of an uncaught error (its first line, the code frame, the
// stack, its causes) is shown whole up to this many lines.
const REPORT_SHOWN = 40;
const UNCAUGHT = /^error: Uncaught\b/;

/**
 * Options of {@linkcode ConnectorExitError}.
 *
 * @example
 * ```ts
 * import type { ConnectorExitErrorOptions } from "@plakar-deno/connector/testing";
 *
 * const options: ConnectorExitErrorOptions = { before: true };
 * ```
 */
export interface ConnectorExitErrorOptions {
  /**
   * The process had already ended when the call started (rather than
   * during it).
   * @default {false}
   */
  before?: boolean;
}

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
   * @param options Whether the process had ended before that call.
   */
  constructor(
    status: Deno.CommandStatus,
    stderr: string,
    path?: string,
    options?: ConnectorExitErrorOptions,
  ) {
    const before = options?.before ?? false;
    const how = status.signal !== null
      ? `${before ? "had been" : "was"} killed by ${status.signal}`
      : `${before ? "had exited" : "exited"} with code ${status.code}`;
    const when = path ? ` ${before ? "before" : "during"} ${path}` : "";
    const tail = lastLines(stderr.replace(ANSI, ""));
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

// The end of stderr: its last lines, reaching back to Deno's report of an
// uncaught error when that starts earlier (a long stack, a cause); a report
// longer still keeps its head (the error and its code frame) and its end.
function lastLines(text: string): string {
  const lines = text.trimEnd().split("\n");
  let start = Math.max(0, lines.length - LINES_SHOWN);
  const report = lines.findLastIndex((line) => UNCAUGHT.test(line));
  let shown: string[];
  if (report >= 0 && report < start) {
    start = report;
    shown = lines.length - report <= REPORT_SHOWN ? lines.slice(report) : [
      ...lines.slice(report, report + 4),
      "…",
      ...lines.slice(-(LINES_SHOWN - 4)),
    ];
  } else {
    shown = lines.slice(start);
  }
  return [...(start > 0 ? ["…"] : []), ...shown].join("\n");
}
