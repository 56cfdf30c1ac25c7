// Bodies and message streams between gRPC calls and web streams, with
// backpressure both ways.
import { recycleMessage, type ServerCall } from "../transport/grpc_server.ts";
import type { Codec } from "./services.ts";
import { sendChunk } from "./services.ts";
import { MisuseError } from "./misuse.ts";

/** The largest chunk sent in one message. */
export const MAX_CHUNK = 1 << 20;

/**
 * Sends a body as `{ chunk }` messages of at most 1 MiB, in order, reading
 * the next chunk while the current one is sent. A byte stream is read into
 * two buffers used in turn, so a body of any size makes no garbage.
 */
export async function sendBody(
  call: ServerCall,
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<void> {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch { /* not a byte stream */ }
  const reader = byob ?? body.getReader();
  const onAbort = () => reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  let spare: ArrayBuffer | undefined;
  try {
    const read = (): Promise<ReadableStreamReadResult<Uint8Array>> => {
      if (byob === undefined) {
        return (reader as ReadableStreamDefaultReader<Uint8Array>).read();
      }
      const buffer = spare ?? pool.pop() ?? new ArrayBuffer(MAX_CHUNK);
      spare = undefined;
      return byob.read(new Uint8Array(buffer));
    };
    let next = read();
    while (true) {
      const { done, value } = await next;
      if (done) {
        if (byob !== undefined && value) release(value.buffer);
        return;
      }
      if (!(value instanceof Uint8Array)) {
        throw new MisuseError(
          `Cannot send a body chunk of type ${typeof value}: bodies must yield Uint8Array`,
        );
      }
      next = read();
      next.catch(() => {});
      for (let at = 0; at < value.byteLength; at += MAX_CHUNK) {
        const chunk = at === 0 && value.byteLength <= MAX_CHUNK
          ? value
          : value.subarray(at, at + MAX_CHUNK);
        await sendChunk(call, chunk);
      }
      // Copied out: its buffer takes the read after next.
      if (byob !== undefined) spare = value.buffer as ArrayBuffer;
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    if (spare !== undefined) release(spare);
    signal.removeEventListener("abort", onAbort);
    // The reader is not released: the body is read to its end or
    // cancelled, and releasing makes an exception object (5-9 µs a body).
  }
}

// Read buffers of finished bodies, for the next ones: a body of 4 KiB reads
// into a 1 MiB buffer, which is not allocated again for each file.
const pool: ArrayBuffer[] = [];
const POOL_SIZE = 8;

function release(buffer: ArrayBufferLike): void {
  if (
    buffer instanceof ArrayBuffer && buffer.byteLength === MAX_CHUNK &&
    !buffer.detached && pool.length < POOL_SIZE
  ) {
    pool.push(buffer);
  }
}

/** A call's request messages, decoded, one at a time as they are read. */
export function incoming<T>(
  call: ServerCall,
  codec: Codec<T>,
): AsyncIterator<T> {
  return {
    async next(): Promise<IteratorResult<T>> {
      const bytes = await call.read();
      if (bytes === undefined) return { done: true, value: undefined };
      return { done: false, value: codec.decode(bytes) };
    },
  };
}

/**
 * A body received from the host, chunk by chunk as `next` yields them
 * (`undefined` at its end). It is a byte stream: a BYOB reader gets the
 * content copied into its own buffer, and each message's buffer goes back to
 * the transport; a default reader gets the chunks themselves.
 */
export function receivedBody(
  next: () => Promise<Uint8Array | undefined>,
): ReadableStream<Uint8Array> {
  let current: Uint8Array | undefined;
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      if (current === undefined) {
        const chunk = await next();
        if (chunk === undefined) {
          controller.close();
          controller.byobRequest?.respond(0);
          return;
        }
        current = chunk;
        offset = 0;
      }
      const request = controller.byobRequest;
      const view = request?.view;
      if (request && view) {
        const n = Math.min(view.byteLength, current.byteLength - offset);
        new Uint8Array(view.buffer, view.byteOffset, n).set(
          current.subarray(offset, offset + n),
        );
        offset += n;
        if (offset === current.byteLength) {
          recycleMessage(current);
          current = undefined;
        }
        request.respond(n);
        return;
      }
      const chunk = offset === 0 ? current : current.slice(offset);
      current = undefined;
      controller.enqueue(chunk);
    },
  });
}
