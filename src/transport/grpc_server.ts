// gRPC on an HTTP/2 connection: length-prefixed messages, one call per
// stream, statuses in trailers. Messages are bytes here; the protocol layer
// encodes and decodes them.
import {
  Http2Connection,
  type Http2Pipes,
  type Http2Stream,
} from "./http2_connection.ts";
import {
  GrpcStatus as Status,
  MAX_MESSAGE,
  type StatusCode,
} from "./grpc_status.ts";

// A status message longer than this is cut (grpc-go takes header blocks of
// up to 16 MiB; an error message this long is already a mistake).
const MAX_STATUS_MESSAGE = 64 * 1024;

/** An error that ends a call with its own status code. */
export interface StatusError extends Error {
  code: StatusCode;
  details: string;
}

/** Makes an error that ends a call with `code`. */
export function statusError(code: StatusCode, details: string): StatusError {
  return Object.assign(new Error(details), { code, details });
}

/** Handles one call; the call is ended with its status by then. */
export type CallHandler = (call: ServerCall) => Promise<void>;

function cancelled(): DOMException {
  return new DOMException("plakar cancelled the call", "AbortError");
}

/** One gRPC call, as a handler sees it. */
export class ServerCall {
  /** The method path, such as `/importer.Importer/Import`. */
  readonly path: string;
  /** Aborts when plakar cancels the call. */
  readonly signal: AbortSignal;

  #stream: Http2Stream;
  #abort = new AbortController();
  #queue: Uint8Array[] = [];
  #head = 0;
  #ended = false;
  #failure: unknown;
  #wake: (() => void) | undefined;
  #done = false;
  // The message being assembled: its prefix, then its bytes.
  #prefix = new Uint8Array(5);
  #prefixOut = new Uint8Array(5);
  #prefixFill = 0;
  #message: Uint8Array | undefined;
  #messageFill = 0;

  constructor(stream: Http2Stream) {
    this.#stream = stream;
    this.path = stream.headers.get(":path") ?? "";
    this.signal = this.#abort.signal;
    stream.listener = {
      data: (payload) => this.#data(payload),
      end: () => {
        if (this.#message !== undefined || this.#prefixFill > 0) {
          this.#fail(
            statusError(
              Status.INTERNAL,
              "plakar ended its request in the middle of a message",
            ),
          );
        }
        this.#ended = true;
        this.#notify();
      },
      reset: () => {
        this.#done = true;
        this.#failure ??= cancelled();
        this.#abort.abort(cancelled());
        this.#notify();
      },
    };
  }

  /**
   * The next request message, or `undefined` once plakar sent them all.
   * Rejects with an `AbortError` if plakar cancels the call.
   */
  async read(): Promise<Uint8Array | undefined> {
    while (true) {
      const message = this.take();
      if (message !== undefined) return message;
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** The next request message if one is there already, without waiting. */
  take(): Uint8Array | undefined {
    if (this.#head === this.#queue.length) return undefined;
    const message = this.#queue[this.#head] as Uint8Array;
    this.#queue[this.#head++] = EMPTY;
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    }
    this.#stream.credit(5 + message.byteLength);
    return message;
  }

  /**
   * Sends one message: `head` then `body`, if given, concatenated. Returns
   * `undefined` if they were copied out at once, else a promise that
   * resolves once they are (they may be reused then), or rejects with an
   * `AbortError` if the call is cancelled or over.
   */
  write(head: Uint8Array, body?: Uint8Array): Promise<void> | undefined {
    if (this.#done) return Promise.reject(cancelled());
    const length = head.byteLength + (body?.byteLength ?? 0);
    if (length > MAX_MESSAGE) {
      return Promise.reject(
        new RangeError(
          `Cannot send a message of ${length} bytes: plakar accepts at most ${MAX_MESSAGE}`,
        ),
      );
    }
    const prefix = this.#prefixOut;
    prefix[1] = length >>> 24;
    prefix[2] = (length >>> 16) & 0xff;
    prefix[3] = (length >>> 8) & 0xff;
    prefix[4] = length & 0xff;
    const pending = this.#stream.write(prefix, head, body);
    // Still queued: the next message needs its own prefix.
    if (pending !== undefined) this.#prefixOut = new Uint8Array(5);
    return pending;
  }

  /** Ends the call with a status (OK by default). Later calls do nothing. */
  end(code: StatusCode = Status.OK, message = ""): void {
    if (this.#done) return;
    this.#done = true;
    const trailers: Array<[string, string]> = [["grpc-status", String(code)]];
    if (message !== "") {
      trailers.push(["grpc-message", percentEncode(message)]);
    }
    this.#stream.close(trailers);
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #fail(error: StatusError): void {
    this.#failure ??= error;
    this.end(error.code, error.details);
    this.#notify();
  }

  #data(payload: Uint8Array): void {
    if (this.#failure !== undefined) return;
    let at = 0;
    const length = payload.byteLength;
    while (at < length) {
      if (this.#message === undefined) {
        // Fast path: a whole prefix in this frame.
        if (this.#prefixFill === 0 && length - at >= 5) {
          this.#prefix.set(payload.subarray(at, at + 5));
          this.#prefixFill = 5;
          at += 5;
        } else {
          const take = Math.min(5 - this.#prefixFill, length - at);
          this.#prefix.set(payload.subarray(at, at + take), this.#prefixFill);
          this.#prefixFill += take;
          at += take;
          if (this.#prefixFill < 5) return;
        }
        this.#prefixFill = 0;
        const p = this.#prefix;
        const size = ((p[1]! << 24) >>> 0) + (p[2]! << 16) + (p[3]! << 8) +
          p[4]!;
        if (p[0] !== 0) {
          return this.#fail(
            statusError(
              Status.INTERNAL,
              "plakar sent a compressed message, which this connector does not accept",
            ),
          );
        }
        if (size > MAX_MESSAGE) {
          return this.#fail(
            statusError(
              Status.RESOURCE_EXHAUSTED,
              `Received a message of ${size} bytes, over the ${MAX_MESSAGE} allowed`,
            ),
          );
        }
        if (length - at >= size) {
          this.#deliver(payload.slice(at, at + size));
          at += size;
          continue;
        }
        this.#message = messageBuffer(size);
        this.#messageFill = 0;
      }
      const message = this.#message;
      const take = Math.min(
        message.byteLength - this.#messageFill,
        length - at,
      );
      message.set(payload.subarray(at, at + take), this.#messageFill);
      this.#messageFill += take;
      at += take;
      if (this.#messageFill === message.byteLength) {
        this.#message = undefined;
        this.#deliver(message);
      }
    }
  }

  #deliver(message: Uint8Array): void {
    this.#queue.push(message);
    this.#notify();
  }
}

const EMPTY = new Uint8Array(0);

// Messages of content (a chunk of up to 1 MiB and its few bytes of framing)
// are received into buffers that the protocol layer gives back once it has
// copied the content out: streaming makes no garbage then.
const POOLED_MIN = 64 * 1024;
const POOLED_CAPACITY = 1024 * 1024 + 1024;
const POOL_SIZE = 8;
const pool: ArrayBuffer[] = [];

function messageBuffer(size: number): Uint8Array {
  if (size < POOLED_MIN || size > POOLED_CAPACITY) return new Uint8Array(size);
  return new Uint8Array(
    pool.pop() ?? new ArrayBuffer(POOLED_CAPACITY),
    0,
    size,
  );
}

/**
 * Gives back the buffer of a received message (or of a view into one) for
 * the next messages. Only for bytes nothing refers to any more.
 */
export function recycleMessage(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (
    buffer instanceof ArrayBuffer && buffer.byteLength === POOLED_CAPACITY &&
    !buffer.detached && pool.length < POOL_SIZE && !pool.includes(buffer)
  ) {
    pool.push(buffer);
  }
}

/** Percent-encodes a status message as gRPC requires (UTF-8 first). */
export function percentEncode(message: string): string {
  const text = message.length > MAX_STATUS_MESSAGE
    ? message.slice(0, MAX_STATUS_MESSAGE) + "..."
    : message;
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return text;
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    if (byte < 0x20 || byte > 0x7e || byte === 0x25) {
      out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    } else {
      out += String.fromCharCode(byte);
    }
  }
  return out;
}

/** What a gRPC server reports about its connection. */
export interface GrpcServerEvents {
  /** The peer ended its input. */
  end(): void;
  /** The connection cannot go on. */
  fatal(message: string): void;
}

/**
 * Serves `handlers` (by method path) on one HTTP/2 connection over
 * `pipes`, until the input ends.
 */
export function serveGrpc(
  pipes: Http2Pipes,
  handlers: ReadonlyMap<string, CallHandler>,
  events: GrpcServerEvents,
): Promise<void> {
  const connection = new Http2Connection(pipes, {
    stream(stream) {
      const call = new ServerCall(stream);
      const handler = handlers.get(call.path);
      if (handler === undefined) {
        call.end(
          Status.UNIMPLEMENTED,
          `Unknown method ${call.path}: this connector does not serve it`,
        );
        return;
      }
      handler(call).then(
        () => call.end(),
        (error) => {
          const code = (error as Partial<StatusError>)?.code ?? Status.UNKNOWN;
          call.end(
            code as StatusCode,
            error instanceof Error ? error.message : String(error),
          );
        },
      );
    },
    end: events.end,
    fatal: events.fatal,
  });
  return connection.run();
}
