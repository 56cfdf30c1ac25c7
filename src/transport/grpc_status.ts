// What both ends of a gRPC call agree on: status codes and the message limit.

/**
 * gRPC status codes, by name (those a connector or its host uses).
 *
 * @example Checking a failed call's code
 * ```ts
 * import { GrpcError, GrpcStatus } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const error = new GrpcError(GrpcStatus.NOT_FOUND, "no such file");
 * assert.strictEqual(error.code, 5);
 * ```
 */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** A gRPC status code. */
export type StatusCode = typeof GrpcStatus[keyof typeof GrpcStatus];

/** The largest message taken or sent, as plakar (grpc-go) allows. */
export const MAX_MESSAGE = 4 * 1024 * 1024;
