// The one place where errors become gRPC statuses.
import {
  type ServerCall,
  Status,
  type StatusCode,
} from "../transport/grpc_server.ts";

export { Status };
import { ConnectorError, type ConnectorErrorKind } from "../connector_error.ts";

const CODE_BY_KIND: Readonly<Record<ConnectorErrorKind, StatusCode>> = {
  "config": Status.INVALID_ARGUMENT,
  "auth": Status.PERMISSION_DENIED,
  "not-found": Status.NOT_FOUND,
  "transient": Status.UNAVAILABLE,
  "protocol": Status.FAILED_PRECONDITION,
};

/** An error carrying the status sent to the host. */
export interface StatusError extends Error {
  code: StatusCode;
  details: string;
}

// Deno's advice for a denied permission fits `deno run`, not a connector
// whose permissions were fixed when it was built.
const DENO_PERMISSION_HINT = /,? run again with the --allow-[a-z-]+ flag/;

/** The message shown to the user for anything a connector threw. */
export function errorMessage(error: unknown): string {
  let message: string;
  if (error instanceof Error) {
    message = error.message === "" ? error.name : error.message;
  } else {
    message = String(error);
  }
  return withoutRunAgain(message);
}

/** `message` with Deno's advice to run again with a flag put right. */
export function withoutRunAgain(message: string): string {
  return message.replace(
    DENO_PERMISSION_HINT,
    " (not granted to this connector)",
  );
}

// Marks the errors made by statusError(), whose code is already chosen.
const explicit = new WeakSet<Error>();

/** Turns anything thrown into the status the host receives. */
export function toStatusError(error: unknown): StatusError {
  if (error instanceof Error && explicit.has(error)) {
    return error as StatusError;
  }
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
