// The one place where errors become gRPC statuses.
import type { ServerCall } from "../transport/grpc_server.ts";
import {
  GrpcStatus as Status,
  type StatusCode,
} from "../transport/grpc_status.ts";

export { Status };
import { ConnectorError, type ConnectorErrorKind } from "../connector_error.ts";
import { MisuseError } from "./misuse.ts";

const CODE_BY_KIND: Readonly<Record<ConnectorErrorKind, StatusCode>> = {
  "config": Status.INVALID_ARGUMENT,
  "auth": Status.PERMISSION_DENIED,
  "not-found": Status.NOT_FOUND,
  // Not UNAVAILABLE: plakar shows that as "I/O error communicating with the
  // integration", as if the connector itself were unreachable.
  "transient": Status.ABORTED,
  "protocol": Status.FAILED_PRECONDITION,
};

/** An error carrying the status sent to the host. */
export interface StatusError extends Error {
  code: StatusCode;
  details: string;
}

// Deno's advice for a denied permission fits `deno run` or `deno compile`,
// not a connector whose permissions were fixed when it was built: "run
// again with the --allow-read flag" under `deno run`, "specify the required
// permissions during compilation using `deno compile --allow-read`" in a
// compiled binary.
const DENO_PERMISSION_HINT =
  /,? (?:run again with the --allow-[a-z-]+ flag|specify the required permissions during compilation using `deno compile --allow-[a-z-]+`)/;

// Deno words a failed system call `No such file or directory (os error 2):
// lstat '/x'`, where plakar and its Go connectors say `lstat /x: no such
// file or directory`; users read both in the same output. Matched at the
// start of the message or after a connector's own `...: ` prefix.
const DENO_OS_ERROR =
  /(^|: )([A-Z][^():]*?) \(os error \d+\): ([a-z_]+) '(.*?)'(?: -> '(.*)')?$/;

// The same without the call and path (a read or write on an open file):
// `write /x: No space left on device (os error 28)`, where the connector
// named them, becomes `write /x: no space left on device`.
const DENO_OS_ERROR_ALONE = /(^|: )([A-Z][^():]*?) \(os error \d+\)$/;

/** The message shown to the user for anything a connector threw. */
export function errorMessage(error: unknown): string {
  let message: string;
  if (error instanceof Error) {
    message = error.message === "" ? error.name : error.message;
  } else {
    message = String(error);
  }
  return readableMessage(message);
}

/**
 * `message` as the user should read it: Deno's advice to run again with a
 * flag put right (a connector's permissions were fixed when it was built),
 * and its wording of system call errors made plakar's.
 */
export function readableMessage(message: string): string {
  return message
    .replace(DENO_PERMISSION_HINT, " (not granted to this connector)")
    .replace(
      DENO_OS_ERROR,
      (_, lead: string, reason: string, call: string, path: string, to) =>
        `${lead}${call} ${path}${to === undefined ? "" : ` -> ${to}`}: ${
          reason[0]!.toLowerCase() + reason.slice(1)
        }`,
    )
    .replace(
      DENO_OS_ERROR_ALONE,
      (_, lead: string, reason: string) =>
        `${lead}${reason[0]!.toLowerCase() + reason.slice(1)}`,
    );
}

// Marks the errors made by statusError(), whose code is already chosen.
const explicit = new WeakSet<Error>();

// A connector's own bug (`Cannot read properties of undefined`, `x is not
// a function`, `x is not defined`) is said with its stack on stderr, as the
// message alone does not tell where it is; a few times, not once per file.
const MAX_STACKS = 3;
let stacksShown = 0;

function showStack(error: unknown): void {
  if (
    !(error instanceof TypeError || error instanceof ReferenceError) ||
    error instanceof MisuseError || stacksShown >= MAX_STACKS
  ) {
    return;
  }
  stacksShown++;
  Deno.stderr.writeSync(new TextEncoder().encode(
    `${error.stack ?? error}\n${
      stacksShown === MAX_STACKS ? "(later stacks are not shown)\n" : ""
    }`,
  ));
}

/** Turns anything thrown into the status the host receives. */
export function toStatusError(error: unknown): StatusError {
  if (error instanceof Error && explicit.has(error)) {
    return error as StatusError;
  }
  showStack(error);
  let code: StatusCode = Status.UNKNOWN;
  if (error instanceof ConnectorError) code = CODE_BY_KIND[error.kind];
  else if (error instanceof Error && error.name === "AbortError") {
    code = Status.CANCELLED;
  }
  const details = errorMessage(error);
  return Object.assign(new Error(details), { code, details });
}

/** A status error with an explicit code. */
export function statusError(code: StatusCode, details: string): StatusError {
  const error = Object.assign(new Error(details), { code, details });
  explicit.add(error);
  return error;
}

/** Ends a call with the status for `error` (nothing if it already ended). */
export function failCall(call: ServerCall, error: unknown): void {
  const status = toStatusError(error);
  call.end(status.code, status.details);
}
