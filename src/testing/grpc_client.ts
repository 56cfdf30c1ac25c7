// A small gRPC client over one HTTP/2 connection on arbitrary pipes, as
// plakar (grpc-go) speaks it to a connector: prior-knowledge h2c, no TLS.
import http2 from "node:http2";
import { addAbortSignal, type Duplex } from "node:stream";
import { GrpcStatus, MAX_MESSAGE } from "../transport/grpc_status.ts";

export { GrpcStatus };

/**
 * A call ended with a non-OK gRPC status.
 *
 * @example Checking the status of a failed call
 * ```ts
 * import { GrpcError } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const error = new GrpcError(12, "unknown method");
 * assert.strictEqual(error.code, 12);
 * assert.match(error.message, /unknown method/);
 * ```
 */
export class GrpcError extends Error {
  /** The gRPC status code. */
  readonly code: number;
  /** The status message as the connector sent it. */
  readonly details: string;

  /**
   * Makes an error for a status.
   *
   * @param code The gRPC status code.
   * @param details The status message.
   */
  constructor(code: number, details: string) {
    super(`gRPC status ${code}: ${details}`);
    this.name = "GrpcError";
    this.code = code;
    this.details = details;
  }
}

const RECEIVE_WINDOW = 8 * 1024 * 1024;

function frame(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + message.byteLength);
  new DataView(out.buffer).setUint32(1, message.byteLength);
  out.set(message, 5);
  return out;
}

/**
 * What a connection does when a call ends without a gRPC status: the
 * connector's pipes closed or broke, as when its process dies. It gets the
 * call's method path and when the call started (`performance.now()`), and
 * returns the error to throw instead of the transport's, if it has one.
 *
 * @example Explaining a lost connection by the process's end
 * ```ts
 * import type { ExplainLoss } from "@plakar-deno/connector/testing";
 *
 * const explain: ExplainLoss = (path) =>
 *   Promise.resolve(new Error(`the connector died during ${path}`));
 * ```
 */
export type ExplainLoss = (
  path: string,
  startedAt: number,
) => Promise<Error | undefined>;

/**
 * Options of {@linkcode GrpcConnection} and {@linkcode GrpcCall}.
 *
 * @example
 * ```ts
 * import type { GrpcCallOptions } from "@plakar-deno/connector/testing";
 *
 * const options: GrpcCallOptions = { path: "/importer.Importer/Init" };
 * ```
 */
export interface GrpcCallOptions {
  /**
   * The method path, to name the call in errors.
   * @default {""}
   */
  path?: string;
  /**
   * Called when the call fails without a gRPC status (a transport error):
   * the error it returns is thrown instead of the transport's.
   * {@linkcode ConnectorProcess} explains such a loss by the process's
   * exit and what it wrote on stderr.
   * @default {undefined}
   */
  explainLoss?: ExplainLoss;
}

/** One call in flight: messages in both directions, then a status. */
export class GrpcCall {
  #stream: http2.ClientHttp2Stream | undefined;
  #status: Promise<Error | undefined>;
  #path: string;
  #explainLoss: ExplainLoss | undefined;
  #startedAt = performance.now();
  #cancelled = false;

  /**
   * Wraps an HTTP/2 stream opened for a gRPC method, or the error that kept
   * it from opening (the connection was already lost): such a call fails
   * as a call whose connection is lost under it.
   *
   * @param stream The request stream, or why none could be opened.
   * @param options How to name the call and explain a lost connection.
   */
  constructor(
    stream: http2.ClientHttp2Stream | Error,
    options?: GrpcCallOptions,
  ) {
    this.#path = options?.path ?? "";
    this.#explainLoss = options?.explainLoss;
    if (stream instanceof Error) {
      // Never opened: whatever ended the connector ended it before this.
      this.#startedAt = Infinity;
      this.#status = this.#lost(stream);
      return;
    }
    this.#stream = stream;
    let headers: http2.IncomingHttpHeaders = {};
    stream.on("response", (h) => (headers = h));
    this.#status = new Promise((resolve) => {
      let trailers: http2.IncomingHttpHeaders | undefined;
      const settle = () => {
        const source = trailers ?? headers;
        const code = source["grpc-status"];
        if (code === undefined) {
          resolve(this.#lost(
            new GrpcError(
              GrpcStatus.INTERNAL,
              `the connector ended the stream without a status (HTTP/2 code ${stream.rstCode})`,
            ),
          ));
          return;
        }
        const n = Number(code);
        const message = String(source["grpc-message"] ?? "");
        resolve(
          n === 0 ? undefined : new GrpcError(n, decodeURIComponent(message)),
        );
      };
      stream.on("trailers", (t) => {
        trailers = t;
        settle();
      });
      // A status in the headers alone (trailers-only), or none at all.
      stream.on("end", settle);
      stream.on("close", settle);
    });
    stream.on("error", () => {});
  }

  // The error to give for a transport failure: the explanation, if the
  // call was not cancelled here and the explainer has one. Asked once: the
  // status and the message loop of a call fail with the same error.
  #lost(error: unknown): Promise<Error> {
    return this.#lostError ??= (async () => {
      const fallback = error instanceof Error
        ? error
        : new Error(String(error));
      if (this.#cancelled || this.#explainLoss === undefined) return fallback;
      return (await this.#explainLoss(this.#path, this.#startedAt)) ??
        fallback;
    })();
  }

  #lostError: Promise<Error> | undefined;

  /**
   * Sends one message, waiting while the connection's buffer is full. Fails
   * once the connector has ended the call, as grpc-go's Send does: with the
   * call's error status, or, if it ended OK, saying so.
   */
  async send(message: Uint8Array): Promise<void> {
    const stream = this.#stream;
    if (stream?.writableEnded) {
      // node:http2 would drop the message, or wait for room forever.
      throw new Error(
        `Cannot send on ${this.#path || "a call"}: the client has ended it`,
      );
    }
    if (stream === undefined || stream.destroyed || stream.closed) {
      throw (await this.#status) ?? new GrpcError(
        GrpcStatus.INTERNAL,
        "the connector ended the call with OK before the client had sent everything",
      );
    }
    if (!stream.write(frame(message))) {
      // Room again, or the connector answered without waiting for the rest
      // (a status refusing the request, then RST_STREAM).
      const events = ["drain", "close", "end", "trailers", "response"];
      await new Promise<void>((resolve) => {
        const done = () => {
          for (const event of events) stream.off(event, done);
          resolve();
        };
        for (const event of events) stream.on(event, done);
      });
    }
  }

  /** Half-closes: no more messages from the client. */
  end(): void {
    this.#stream?.end();
  }

  /**
   * Abandons the call as a cancelled grpc-go context does: RST_STREAM
   * CANCEL alone. (`close(NGHTTP2_CANCEL)` would half-close first, which
   * tells the connector that the request is complete.)
   */
  cancel(): void {
    this.#cancelled = true;
    if (this.#stream === undefined) return;
    // Destroying with an AbortError is what makes node:http2 send CANCEL.
    const abort = new AbortController();
    addAbortSignal(abort.signal, this.#stream);
    abort.abort();
  }

  /**
   * The messages the connector sends, then its status (thrown if not OK).
   * Every call returns a view of the same sequence: leaving one loop early
   * does not lose or close the rest.
   */
  messages(): AsyncIterableIterator<Uint8Array> {
    const shared = this.#shared ??= this.#read();
    return {
      next: () => shared.next(),
      return: () => Promise.resolve({ done: true, value: undefined }),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  #shared: AsyncGenerator<Uint8Array> | undefined;

  async *#read(): AsyncGenerator<Uint8Array> {
    // Frames arrive in pieces: keep them apart and join each message once.
    const parts: Uint8Array[] = [];
    let buffered = 0;
    const take = (n: number): Uint8Array => {
      const first = parts[0]!;
      if (first.byteLength >= n) {
        const out = first.subarray(0, n);
        if (first.byteLength === n) parts.shift();
        else parts[0] = first.subarray(n);
        buffered -= n;
        return out;
      }
      const out = new Uint8Array(n);
      let at = 0;
      while (at < n) {
        const part = parts[0]!;
        const used = Math.min(part.byteLength, n - at);
        out.set(part.subarray(0, used), at);
        at += used;
        if (used === part.byteLength) parts.shift();
        else parts[0] = part.subarray(used);
      }
      buffered -= n;
      return out;
    };
    let length = -1;
    if (this.#stream === undefined) throw await this.#status;
    const iterator = this.#stream[Symbol.asyncIterator]();
    while (true) {
      let next: IteratorResult<unknown>;
      try {
        next = await iterator.next();
      } catch (error) {
        throw await this.#lost(error);
      }
      if (next.done) break;
      const data = next.value;
      // node:http2 hands out Buffers: messages are plain Uint8Arrays, so
      // that what is decoded from them (bytes fields are views) is too.
      const buffer = data as Uint8Array;
      const chunk = new Uint8Array(
        buffer.buffer,
        buffer.byteOffset,
        buffer.byteLength,
      );
      parts.push(chunk);
      buffered += chunk.byteLength;
      while (true) {
        if (length < 0) {
          if (buffered < 5) break;
          const header = take(5);
          length = new DataView(header.buffer, header.byteOffset).getUint32(1);
          if (length > MAX_MESSAGE) {
            this.cancel();
            throw new GrpcError(
              GrpcStatus.RESOURCE_EXHAUSTED,
              `the connector sent a message of ${length} bytes, more than ${MAX_MESSAGE}`,
            );
          }
        }
        if (buffered < length) break;
        const message = length === 0 ? new Uint8Array(0) : take(length);
        length = -1;
        yield message;
      }
    }
    const error = await this.#status;
    if (error) throw error;
    if (buffered !== 0 || length >= 0) {
      throw new GrpcError(
        GrpcStatus.INTERNAL,
        "the connector sent a truncated message",
      );
    }
  }

  /**
   * The call's final status: resolves on OK, rejects with a GrpcError (or
   * the explanation of a lost connection).
   */
  async status(): Promise<void> {
    const error = await this.#status;
    if (error) throw error;
  }
}

/** One HTTP/2 connection to a connector. */
export class GrpcConnection {
  #session: http2.ClientHttp2Session;
  #explainLoss: ExplainLoss | undefined;

  /**
   * Speaks HTTP/2 with prior knowledge over `transport`.
   *
   * @param transport The connector's pipes, as one duplex stream.
   * @param options How a call explains a lost connection (its `path` is
   * each call's own).
   */
  constructor(transport: Duplex, options?: Omit<GrpcCallOptions, "path">) {
    this.#explainLoss = options?.explainLoss;
    this.#session = http2.connect("http://connector", {
      createConnection: () => transport as unknown as import("node:net").Socket,
      // A large receive window, as grpc-go (plakar) grows its own: the
      // 64 KiB default costs a WINDOW_UPDATE every 32 KiB.
      settings: { initialWindowSize: RECEIVE_WINDOW },
    });
    this.#session.on("connect", () => {
      try {
        this.#session.setLocalWindowSize(RECEIVE_WINDOW);
      } catch { /* the default window works, only slower */ }
    });
    this.#session.on("error", () => {});
  }

  /** Starts a call on a method path such as `/store.Store/Mode`. */
  call(path: string): GrpcCall {
    let stream: http2.ClientHttp2Stream | Error;
    try {
      stream = this.#session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        "te": "trailers",
      });
    } catch (error) {
      // The session is gone already ("The session has been destroyed"):
      // the call fails as one lost under way, explained the same way.
      stream = error instanceof Error ? error : new Error(String(error));
    }
    return new GrpcCall(stream, {
      path,
      ...(this.#explainLoss ? { explainLoss: this.#explainLoss } : {}),
    });
  }

  /** A unary call. */
  async unary(path: string, request: Uint8Array): Promise<Uint8Array> {
    const call = this.call(path);
    await call.send(request);
    call.end();
    return await onlyMessage(call, path);
  }

  /** Drops the connection without a GOAWAY (as plakar does when it exits). */
  destroy(): void {
    this.#session.destroy();
  }
}

/**
 * The one message of a call's answer (unary, or client streaming), read to
 * its status: none or more than one fails, as it fails grpc-go's client
 * ("cardinality violation").
 */
export async function onlyMessage(
  call: GrpcCall,
  path: string,
): Promise<Uint8Array> {
  let response: Uint8Array | undefined;
  for await (const message of call.messages()) {
    if (response !== undefined) {
      call.cancel();
      throw new GrpcError(
        GrpcStatus.INTERNAL,
        `cardinality violation: the connector answered ${path} with more than one message`,
      );
    }
    response = message;
  }
  if (response === undefined) {
    throw new GrpcError(
      GrpcStatus.INTERNAL,
      `cardinality violation: the connector answered ${path} with no message`,
    );
  }
  return response;
}
