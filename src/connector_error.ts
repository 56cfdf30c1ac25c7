/**
 * The few kinds of failure a connector may name, so that plakar gets a
 * matching gRPC status instead of a generic one.
 *
 * - `config`: the location or an option is wrong (`INVALID_ARGUMENT`).
 * - `auth`: credentials are missing or refused (`PERMISSION_DENIED`).
 * - `not-found`: the thing asked for does not exist (`NOT_FOUND`).
 * - `transient`: try again later (`ABORTED`; plakar shows `UNAVAILABLE` as
 *   an I/O error between it and the connector).
 * - `protocol`: the host broke the protocol (`FAILED_PRECONDITION`).
 *
 * @example
 * ```ts
 * import type { ConnectorErrorKind } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const kind: ConnectorErrorKind = "auth";
 * assert.strictEqual(kind, "auth");
 * ```
 */
export type ConnectorErrorKind =
  | "config"
  | "auth"
  | "not-found"
  | "transient"
  | "protocol";

/**
 * Options of {@linkcode ConnectorError}.
 *
 * @example
 * ```ts
 * import type { ConnectorErrorOptions } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const options: ConnectorErrorOptions = { kind: "config" };
 * assert.strictEqual(options.kind, "config");
 * ```
 */
export interface ConnectorErrorOptions extends ErrorOptions {
  /** The kind of failure. */
  kind: ConnectorErrorKind;
}

/**
 * An error of a named kind. Any other error reaches plakar as status
 * `UNKNOWN` with its message, which is what plakar shows the user.
 *
 * @example Refusing a bad location
 * ```ts
 * import { ConnectorError } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const error = new ConnectorError('Bucket "x" does not exist', { kind: "not-found" });
 * assert.strictEqual(error.kind, "not-found");
 * assert.strictEqual(error.name, "ConnectorError");
 * ```
 */
export class ConnectorError extends Error {
  /** The kind of failure. */
  readonly kind: ConnectorErrorKind;

  /**
   * Makes an error of a named kind.
   *
   * @param message One sentence the user can act on.
   * @param options The kind, and optionally the cause.
   */
  constructor(message: string, options: ConnectorErrorOptions) {
    super(message, options);
    this.name = "ConnectorError";
    this.kind = options.kind;
  }
}
