// What the three services share on the wire: unary calls, the request of a
// server-streaming call, and the `{ chunk }` message of Open and Get.
import { BinaryWriter } from "npm:@bufbuild/protobuf@^2.17.0/wire";
import type { CallHandler, ServerCall } from "../transport/grpc_server.ts";
import { failCall, Status, statusError } from "./status.ts";

/** A generated message type's encoder and decoder. */
export interface Codec<T> {
  /** Encodes a message. */
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  /** Decodes a message. */
  decode(input: Uint8Array): T;
}

/** Handlers by method path. */
export type Handlers = Map<string, CallHandler>;

/** Reads the one request message of a unary or server-streaming call. */
export async function readRequest<T>(
  call: ServerCall,
  codec: Codec<T>,
): Promise<T> {
  const bytes = await call.read();
  if (bytes === undefined) {
    throw statusError(
      Status.INTERNAL,
      `Protocol error: plakar called ${call.path} without a request message`,
    );
  }
  return codec.decode(bytes);
}

// One writer for every message (finish() hands out the bytes and resets it).
const writer = new BinaryWriter();

/**
 * Sends one message; `undefined` if it was copied out at once, else a
 * promise of that (see {@linkcode ServerCall.write}).
 */
export function send<T>(
  call: ServerCall,
  codec: Codec<T>,
  message: T,
): Promise<void> | undefined {
  return call.write(codec.encode(message, writer).finish());
}

/** A unary handler answering what `run` returns, errors as statuses. */
export function unary<Req, Res>(
  request: Codec<Req>,
  response: Codec<Res>,
  run: (request: Req) => Res | Promise<Res>,
): CallHandler {
  return async (call) => {
    try {
      const answer = await run(await readRequest(call, request));
      await send(call, response, answer);
      call.end();
    } catch (error) {
      failCall(call, error);
    }
  };
}

/**
 * Sends `chunk` as a `{ chunk }` message (field 1, bytes) without copying
 * it: the hot path of Open and Get. Resolves once `chunk` may be reused.
 */
export function sendChunk(
  call: ServerCall,
  chunk: Uint8Array,
): Promise<void> | undefined {
  const length = chunk.byteLength;
  let varintSize = 1;
  for (let v = length; v >= 0x80; v = Math.floor(v / 128)) varintSize++;
  const head = new Uint8Array(1 + varintSize);
  head[0] = 0x0a;
  let i = 1;
  let v = length;
  while (v >= 0x80) {
    head[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  head[i] = v;
  return call.write(head, chunk);
}
