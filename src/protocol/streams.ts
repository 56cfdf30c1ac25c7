// Stream plumbing between grpc-js calls and web streams, with backpressure.
import type { Readable, Writable } from "node:stream";
import { setImmediate } from "node:timers";

/** The largest chunk sent in one message. */
export const MAX_CHUNK = 1 << 20;

/** Aborts when the host cancels the call or the call ends. */
export function callSignal(call: {
  on(event: "cancelled", listener: () => void): unknown;
  cancelled?: boolean;
}): AbortSignal {
  const controller = new AbortController();
  call.on("cancelled", () => {
    controller.abort(
      new DOMException("plakar cancelled the call", "AbortError"),
    );
  });
  if (call.cancelled) controller.abort();
  return controller.signal;
}

/**
 * Writes one message, waiting while the transport's buffer is full.
 * Rejects if the call is cancelled or fails meanwhile.
 */
export function send<T>(call: Writable, message: T): Promise<void> {
  if (call.destroyed || call.writableEnded) {
    return Promise.reject(
      new DOMException("plakar cancelled the call", "AbortError"),
    );
  }
  if (call.write(message)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (error?: unknown) => {
      call.off("drain", onDrain);
      call.off("close", onClose);
      call.off("error", onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () =>
      done(new DOMException("plakar cancelled the call", "AbortError"));
    call.on("drain", onDrain);
    call.on("close", onClose);
    call.on("error", onClose);
  });
}

/**
 * Sends a body as `{ chunk }` messages of at most 1 MiB, in order, pulling
 * the next chunk only when the transport has room.
 */
export async function sendBody(
  call: Writable,
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
): Promise<void> {
  // grpc-js queues up to 16 messages (16 MiB of content) before write()
  // asks to wait: keep at most 1 in its queue.
  const state =
    (call as unknown as { _writableState?: { highWaterMark: number } })
      ._writableState;
  if (state !== undefined) state.highWaterMark = 1;
  const reader = body.getReader();
  const onAbort = () => reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    // Read the next chunk while the current one is being sent.
    let next = reader.read();
    while (true) {
      const { done, value } = await next;
      if (done) return;
      if (!(value instanceof Uint8Array)) {
        throw new TypeError(
          `Cannot send a body chunk of type ${typeof value}: bodies must yield Uint8Array`,
        );
      }
      next = reader.read();
      next.catch(() => {});
      for (let at = 0; at < value.byteLength; at += MAX_CHUNK) {
        const chunk = at === 0 && value.byteLength <= MAX_CHUNK
          ? value
          : value.subarray(at, at + MAX_CHUNK);
        await send(call, { chunk });
      }
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    signal.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

/** How many received messages wait before reading from the host pauses. */
const INCOMING_HIGH_WATER = 8;

/**
 * Reads a call's incoming messages one at a time, pausing the call while
 * they are not consumed. Unlike Node's stream iterator, stopping early or an
 * error never destroys the call: its response side may still be in use, and
 * a destroyed call sends no status.
 */
export function incoming<T>(
  call: Readable & { cancelled?: boolean },
): AsyncIterator<T> {
  const queue: T[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  call.on("data", (message: T) => {
    queue.push(message);
    if (queue.length >= INCOMING_HIGH_WATER) call.pause();
    notify();
  });
  call.on("end", () => {
    ended = true;
    notify();
  });
  call.on("close", () => {
    ended = true;
    notify();
  });
  call.on("error", (error: unknown) => {
    failure ??= error;
    notify();
  });
  return {
    async next(): Promise<IteratorResult<T>> {
      while (true) {
        if (queue.length > 0) {
          const value = queue.shift() as T;
          if (queue.length < INCOMING_HIGH_WATER / 2 && call.isPaused()) {
            call.resume();
          }
          return { done: false, value };
        }
        if (failure !== undefined) throw failure;
        if (ended) {
          // grpc-js reports a stream the host reset (plakar cancelling the
          // call) as the end of its input too, just like a half-close: an
          // upload must not look complete then. Cancellation is known one
          // turn of the event loop later at most.
          await new Promise((resolve) => setImmediate(resolve));
          if (call.cancelled) {
            throw new DOMException("plakar cancelled the call", "AbortError");
          }
          return { done: true, value: undefined };
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
