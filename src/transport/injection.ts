/**
 * Whether a Deno runtime can run the connector's HTTP/2 session directly on
 * the stdio pipes (`inject`), or needs the loopback `bridge` (and so
 * `--allow-net=127.0.0.1`). Shared by the transport, which picks the mode
 * at run time, and the build's permission table, which grants the bridge's
 * loopback only to runtimes that need it. Imports nothing, so the build can
 * use it without loading grpc-js.
 *
 * @module
 */

/**
 * The first Deno release whose node:http2 sessions accept any Duplex with
 * write backpressure (the `inject` transport).
 */
export const INJECTION_SINCE = "2.9.4";

/**
 * Whether a Deno runtime can run HTTP/2 directly on the stdio pipes.
 *
 * @param version A Deno version such as `2.7.11` (pre-release suffixes are
 *   ignored).
 * @returns `true` from {@linkcode INJECTION_SINCE} on.
 *
 * @example
 * ```ts
 * import { supportsInjection } from "./injection.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(supportsInjection("2.7.11"), false);
 * assert.equal(supportsInjection("2.9.4"), true);
 * ```
 */
export function supportsInjection(
  version: string = Deno.version.deno,
): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map(Number);
  return major > 2 ||
    (major === 2 && (minor > 9 || (minor === 9 && patch >= 4)));
}
