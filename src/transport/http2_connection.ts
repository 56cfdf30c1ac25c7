// The server side of one HTTP/2 connection (RFC 9113) over two one-way
// pipes, as much as gRPC needs: prior-knowledge h2c, no push, priorities
// ignored. Bytes in are parsed from one reused buffer; bytes out are framed
// into two reused buffers, one being written while the other fills, so that
// a busy connection sends many frames per write and no frame makes garbage.
import { encodeHeaders, HpackDecoder } from "./hpack.ts";
import { OutputBuffers } from "./output_buffers.ts";

const DATA = 0x0;
const HEADERS = 0x1;
const RST_STREAM = 0x3;
const SETTINGS = 0x4;
const PUSH_PROMISE = 0x5;
const PING = 0x6;
const GOAWAY = 0x7;
const WINDOW_UPDATE = 0x8;
const CONTINUATION = 0x9;

const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const PRIORITY_FLAG = 0x20;

/** HTTP/2 error codes used here. */
export const H2Error = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
} as const;

const SETTINGS_HEADER_TABLE_SIZE = 0x1;
const SETTINGS_ENABLE_PUSH = 0x2;
const SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
const SETTINGS_MAX_FRAME_SIZE = 0x5;
const SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

const PREFACE_LENGTH = 24;
const DEFAULT_WINDOW = 65_535;
const MAX_WINDOW = 0x7fff_ffff;
/** The largest frame we accept (the protocol's default, never raised). */
const MAX_FRAME_IN = 16_384;
const HEADER_TABLE_SIZE = 4096;
const MAX_HEADER_LIST = 64 * 1024;

/** Receive window of each stream: one largest gRPC message and some. */
export const STREAM_WINDOW = 4 * 1024 * 1024 + 16 * 1024;
// Receive window of the connection: streams bound memory, not this one.
const CONNECTION_WINDOW = 64 * 1024 * 1024;

const READ_SIZE = 256 * 1024;
// Blocking reads in a row at most, before an asynchronous one lets the
// event loop run. Flow control bounds a run anyway (a frame is only begun
// within the window); this bounds the pause. Measured against 8: restoring
// 1 GiB 2.53 -> 2.32-2.48 s, backing 1 GiB up into the storage backend
// 5.68 -> 5.43 s (Go's connectors: 2.42-2.46 s and 5.36-5.44 s).
const SYNC_READS = 256;
// A read this large emptied a full pipe (Linux's default size).
const FULL_PIPE = 64 * 1024;
// Room kept in the output buffer for control frames (acks, window updates).
const CONTROL_ROOM = 1024;
// A DATA frame is not started in less room than this (unless it fits).
const MIN_DATA_FRAME = 4096;

/** The two pipes a connection runs on. */
export interface Http2Pipes {
  /** Reads into `buffer`; `null` at the end of input. */
  read(buffer: Uint8Array): Promise<number | null>;
  /** Reads into `buffer`, blocking until some bytes come. */
  readSync?(buffer: Uint8Array): number | null;
  /** Writes all of `bytes`, blocking until they are in the pipe. */
  write(bytes: Uint8Array): void;
}

/** What a connection tells its owner. */
export interface Http2Events {
  /** A request's headers arrived on a new stream. */
  stream(stream: Http2Stream): void;
  /** The peer ended its input (it went away). */
  end(): void;
  /** The connection cannot go on; the message says why. */
  fatal(message: string): void;
}

/** What a stream's owner is told about it. */
export interface StreamListener {
  /** Request bytes; the view is only valid during the call. */
  data(payload: Uint8Array): void;
  /** The peer will send nothing more on this stream. */
  end(): void;
  /** The stream is gone: the peer reset it, or the connection ended. */
  reset(code: number): void;
}

function closed(): DOMException {
  return new DOMException("plakar cancelled the call", "AbortError");
}

interface Waiter {
  until: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
}

/** One request/response exchange on a connection. */
export class Http2Stream {
  /** The stream identifier. */
  readonly id: number;
  /** The request headers, names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  /** Where this stream's events go; set by the owner on `stream`. */
  listener: StreamListener | undefined;

  #connection: Http2Connection;
  // Send side: parts queued, the offset into the first, bytes left.
  #parts: Uint8Array[] = [];
  #head = 0;
  #offset = 0;
  #queued = 0;
  #enqueued = 0;
  #copied = 0;
  #waiters: Waiter[] = [];
  #window: number;
  #headersSent = false;
  #trailers: Array<[string, string]> | undefined;
  #localClosed = false;
  #remoteClosed: boolean;
  #gone = false;
  #credit = 0;

  /** @internal */
  constructor(
    connection: Http2Connection,
    id: number,
    headers: ReadonlyMap<string, string>,
    window: number,
    remoteClosed: boolean,
  ) {
    this.#connection = connection;
    this.id = id;
    this.headers = headers;
    this.#window = window;
    this.#remoteClosed = remoteClosed;
  }

  /** Whether the stream is still open for sending. */
  get writable(): boolean {
    return !this.#gone && !this.#localClosed && this.#trailers === undefined;
  }

  /**
   * Queues `parts` (concatenated) as response body. Returns `undefined` if
   * all of it was copied into the connection's output at once, else a
   * promise that resolves once it is: the parts may be reused then. Rejects
   * with an `AbortError` if the stream is reset or closed first.
   */
  write(...parts: Array<Uint8Array | undefined>): Promise<void> | undefined {
    if (!this.writable) return Promise.reject(closed());
    for (const part of parts) {
      if (part === undefined || part.byteLength === 0) continue;
      this.#parts.push(part);
      this.#queued += part.byteLength;
      this.#enqueued += part.byteLength;
    }
    this.#connection.schedule(this);
    if (this.#copied >= this.#enqueued) return undefined;
    return new Promise((resolve, reject) => {
      this.#waiters.push({ until: this.#enqueued, resolve, reject });
    });
  }

  /**
   * Ends the response with `trailers`, once the queued body is sent. If the
   * peer is still sending, the stream is then reset with NO_ERROR.
   */
  close(trailers: Array<[string, string]>): void {
    if (!this.writable) return;
    this.#trailers = trailers;
    this.#connection.schedule(this);
  }

  /** Resets the stream with `code` (cancelling what is queued). */
  reset(code: number): void {
    if (this.#gone) return;
    this.#connection.sendReset(this.id, code);
    this.#drop(closed());
  }

  /**
   * Returns `n` received bytes to the peer's send window: they were
   * consumed.
   */
  credit(n: number): void {
    if (this.#gone || this.#remoteClosed) return;
    this.#credit += n;
    if (this.#credit >= STREAM_WINDOW / 4) {
      this.#connection.sendWindowUpdate(this.id, this.#credit);
      this.#credit = 0;
    }
  }

  /** @internal The peer's window for this stream grew (or shrank). */
  grow(delta: number): boolean {
    this.#window += delta;
    if (this.#window > MAX_WINDOW) return false;
    if (this.#window > 0 && this.#queued > 0) this.#connection.schedule(this);
    return true;
  }

  /** @internal The peer finished its side. */
  remoteEnd(): void {
    if (this.#remoteClosed) return;
    this.#remoteClosed = true;
    this.listener?.end();
    if (this.#localClosed) this.#connection.forget(this);
  }

  /** @internal The peer reset the stream, or the connection is gone. */
  remoteReset(code: number): void {
    if (this.#gone) return;
    this.#drop(closed());
    this.listener?.reset(code);
  }

  /** @internal Whether data may flow on this stream now. */
  get remoteOpen(): boolean {
    return !this.#gone && !this.#remoteClosed;
  }

  #drop(reason: unknown): void {
    this.#gone = true;
    this.#parts = [];
    this.#queued = 0;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
    this.#connection.forget(this);
  }

  /**
   * @internal Frames what this stream may send into `out`. Returns whether
   * it has more to send once there is room or window.
   */
  emit(
    out: OutputBuffers,
    connectionWindow: { value: number },
    maxFrame: number,
  ): boolean {
    if (this.#gone) return false;
    if (!this.#headersSent && (this.#queued > 0 || this.#trailers)) {
      if (this.#queued === 0 && this.#trailers) {
        // Trailers-only response.
        this.#headersSent = true;
        this.#sendTrailers(out, true, maxFrame);
        return false;
      }
      out.frame(HEADERS, END_HEADERS, this.id, RESPONSE_HEADERS);
      this.#headersSent = true;
    }
    while (this.#queued > 0) {
      const room = out.room - CONTROL_ROOM - 9;
      let n = Math.min(
        this.#queued,
        this.#window,
        connectionWindow.value,
        maxFrame,
      );
      if (n <= 0) return false; // waits for a WINDOW_UPDATE
      if (room < n) {
        if (room < MIN_DATA_FRAME) return true; // waits for room
        n = room;
      }
      out.header(n, DATA, 0, this.id);
      let left = n;
      while (left > 0) {
        const part = this.#parts[this.#head] as Uint8Array;
        const take = Math.min(left, part.byteLength - this.#offset);
        out.copy(part, this.#offset, take);
        left -= take;
        this.#offset += take;
        if (this.#offset === part.byteLength) {
          this.#parts[this.#head] = EMPTY;
          this.#head++;
          this.#offset = 0;
        }
      }
      if (this.#head === this.#parts.length) {
        this.#parts.length = 0;
        this.#head = 0;
      }
      this.#queued -= n;
      this.#window -= n;
      connectionWindow.value -= n;
      this.#copied += n;
      while (
        this.#waiters.length > 0 &&
        (this.#waiters[0] as Waiter).until <= this.#copied
      ) {
        (this.#waiters.shift() as Waiter).resolve();
      }
    }
    if (this.#trailers) this.#sendTrailers(out, false, maxFrame);
    return false;
  }

  #sendTrailers(
    out: OutputBuffers,
    withHeaders: boolean,
    maxFrame: number,
  ): void {
    const trailers = this.#trailers ?? [];
    const block = withHeaders
      ? encodeHeaders([...RESPONSE_HEADER_LIST, ...trailers])
      : encodeHeaders(trailers);
    headerFrames(out, this.id, block, maxFrame);
    this.#trailers = undefined;
    this.#localClosed = true;
    if (!this.#remoteClosed) {
      // Like grpc-go: the response is complete, the request is not needed.
      this.#connection.sendReset(this.id, H2Error.NO_ERROR);
      this.#gone = true;
    }
    this.#connection.forget(this);
  }
}

/**
 * Frames a header block that ends its stream: HEADERS, then CONTINUATION
 * frames if it is longer than the peer's largest frame (a long status
 * message), END_HEADERS on the last. grpc-go drops the whole connection on
 * a frame over its SETTINGS_MAX_FRAME_SIZE.
 */
function headerFrames(
  out: OutputBuffers,
  id: number,
  block: Uint8Array,
  maxFrame: number,
): void {
  let at = Math.min(block.byteLength, maxFrame);
  out.frame(
    HEADERS,
    END_STREAM | (at === block.byteLength ? END_HEADERS : 0),
    id,
    block.subarray(0, at),
  );
  while (at < block.byteLength) {
    const n = Math.min(block.byteLength - at, maxFrame);
    at += n;
    out.frame(
      CONTINUATION,
      at === block.byteLength ? END_HEADERS : 0,
      id,
      block.subarray(at - n, at),
    );
  }
}

const EMPTY = new Uint8Array(0);
const RESPONSE_HEADER_LIST: Array<[string, string]> = [
  [":status", "200"],
  ["content-type", "application/grpc"],
];
const RESPONSE_HEADERS = encodeHeaders(RESPONSE_HEADER_LIST);

/** A connection error: the connection ends with GOAWAY. */
class ConnectionError extends Error {
  code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** The server side of one HTTP/2 connection. */
export class Http2Connection {
  #pipes: Http2Pipes;
  #events: Http2Events;
  #out = new OutputBuffers();
  #flushing = false;
  #broken = false;
  #streams = new Map<number, Http2Stream>();
  #ready: Http2Stream[] = [];
  #readySet = new Set<Http2Stream>();
  #window = { value: DEFAULT_WINDOW };
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrame = 16_384;
  #lastStreamId = 0;
  #decoder = new HpackDecoder(HEADER_TABLE_SIZE, MAX_HEADER_LIST);
  // A header block in CONTINUATION frames.
  #block: { id: number; flags: number; parts: Uint8Array[] } | undefined;
  #connectionCredit = 0;
  // Runs #writeOut in a later turn of the event loop: a message to itself
  // (node:timers' setImmediate would cost milliseconds of start-up to load).
  #later = new MessageChannel();

  /**
   * Takes over `pipes`; `events` hear about streams and the connection.
   */
  constructor(pipes: Http2Pipes, events: Http2Events) {
    this.#pipes = pipes;
    this.#events = events;
    this.#later.port1.onmessage = this.#writeOut;
  }

  /**
   * Runs the connection until the input ends. The caller has already
   * checked and consumed nothing: the client preface is read here.
   */
  async run(): Promise<void> {
    try {
      await this.#run();
    } finally {
      this.#later.port1.close();
      this.#later.port2.close();
    }
  }

  async #run(): Promise<void> {
    // Our SETTINGS (the server preface) and the connection's window.
    const settings: Array<[number, number]> = [
      [SETTINGS_ENABLE_PUSH, 0],
      [SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW],
      [SETTINGS_MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST],
    ];
    this.#out.header(settings.length * 6, SETTINGS, 0, 0);
    for (const [id, value] of settings) {
      this.#out.ensure(6);
      this.#out.copy(new Uint8Array([id >>> 8, id & 0xff]), 0, 2);
      this.#out.uint32(value);
    }
    this.sendWindowUpdate(0, CONNECTION_WINDOW - DEFAULT_WINDOW);

    const buffer = new Uint8Array(READ_SIZE);
    let start = 0;
    let end = 0;
    let preface = true;
    let sync = 0;
    let last = 0;
    while (true) {
      if (buffer.byteLength - end < MAX_FRAME_IN + 9) {
        buffer.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      // When the last read emptied a full pipe, or the frame begun is a
      // full-size DATA frame, the peer is in the middle of writing more and
      // the rest of that frame is coming: read it with a blocking read, far
      // cheaper than an asynchronous one (a few times in a row at most).
      // Otherwise the rest may wait in the peer's buffers, and the event
      // loop must not: read asynchronously.
      let n: number | null;
      if (
        end > start && (last >= FULL_PIPE || bulk(buffer, start, end)) &&
        this.#pipes.readSync && sync < SYNC_READS
      ) {
        n = this.#pipes.readSync(buffer.subarray(end));
        sync++;
      } else {
        n = await this.#pipes.read(buffer.subarray(end));
        sync = 0;
      }
      last = n ?? 0;
      if (n === null) {
        this.#events.end();
        return;
      }
      end += n;
      if (preface) {
        if (end - start < PREFACE_LENGTH) continue;
        start += PREFACE_LENGTH;
        preface = false;
      }
      try {
        while (end - start >= 9) {
          const length = (buffer[start]! << 16) | (buffer[start + 1]! << 8) |
            buffer[start + 2]!;
          if (length > MAX_FRAME_IN) {
            throw new ConnectionError(
              H2Error.FRAME_SIZE_ERROR,
              `a frame of ${length} bytes is over the ${MAX_FRAME_IN} allowed`,
            );
          }
          if (end - start < 9 + length) break;
          const type = buffer[start + 3]!;
          const flags = buffer[start + 4]!;
          const id = ((buffer[start + 5]! & 0x7f) << 24) |
            (buffer[start + 6]! << 16) | (buffer[start + 7]! << 8) |
            buffer[start + 8]!;
          this.#frame(
            type,
            flags,
            id,
            buffer.subarray(start + 9, start + 9 + length),
          );
          start += 9 + length;
        }
      } catch (error) {
        if (!(error instanceof ConnectionError)) throw error;
        this.#goAway(error.code, error.message);
        return;
      }
      if (start === end) start = end = 0;
      if (this.#connectionCredit >= CONNECTION_WINDOW / 4) {
        this.sendWindowUpdate(0, this.#connectionCredit);
        this.#connectionCredit = 0;
      }
    }
  }

  #frame(type: number, flags: number, id: number, payload: Uint8Array): void {
    if (this.#block !== undefined && type !== CONTINUATION) {
      throw new ConnectionError(
        H2Error.PROTOCOL_ERROR,
        "a header block was interrupted by another frame",
      );
    }
    switch (type) {
      case DATA:
        return this.#data(flags, id, payload);
      case HEADERS:
        return this.#headers(flags, id, payload);
      case CONTINUATION:
        return this.#continuation(flags, id, payload);
      case RST_STREAM:
        if (id === 0 || payload.byteLength !== 4) {
          throw new ConnectionError(
            H2Error.PROTOCOL_ERROR,
            "malformed RST_STREAM",
          );
        }
        this.#streams.get(id)?.remoteReset(readUint32(payload, 0));
        return;
      case SETTINGS:
        return this.#settings(flags, id, payload);
      case PING:
        if (id !== 0 || payload.byteLength !== 8) {
          throw new ConnectionError(H2Error.PROTOCOL_ERROR, "malformed PING");
        }
        if ((flags & ACK) === 0) {
          this.#out.frame(PING, ACK, 0, payload);
          this.#flush();
        }
        return;
      case GOAWAY:
        // plakar is leaving; its input ends next.
        return;
      case WINDOW_UPDATE:
        return this.#windowUpdate(id, payload);
      case PUSH_PROMISE:
        throw new ConnectionError(
          H2Error.PROTOCOL_ERROR,
          "a client cannot push",
        );
      default:
        return; // PRIORITY and unknown frame types are ignored.
    }
  }

  #data(flags: number, id: number, payload: Uint8Array): void {
    this.#connectionCredit += payload.byteLength;
    if (id === 0) {
      throw new ConnectionError(H2Error.PROTOCOL_ERROR, "DATA on stream 0");
    }
    const stream = this.#streams.get(id);
    if (stream === undefined) {
      if (id > this.#lastStreamId) {
        throw new ConnectionError(
          H2Error.PROTOCOL_ERROR,
          `DATA on stream ${id}, which was never opened`,
        );
      }
      return; // A stream we closed: the data is not needed.
    }
    if (!stream.remoteOpen) {
      this.sendReset(id, H2Error.STREAM_CLOSED);
      return;
    }
    const body = unpad(flags, payload);
    // Padding is consumed at once.
    stream.credit(payload.byteLength - body.byteLength);
    if (body.byteLength > 0) stream.listener?.data(body);
    if (flags & END_STREAM) stream.remoteEnd();
  }

  #headers(flags: number, id: number, payload: Uint8Array): void {
    if (id === 0) {
      throw new ConnectionError(H2Error.PROTOCOL_ERROR, "HEADERS on stream 0");
    }
    let fragment = unpad(flags, payload);
    if (flags & PRIORITY_FLAG) fragment = fragment.subarray(5);
    if (flags & END_HEADERS) {
      this.#headerBlock(id, flags, fragment);
    } else {
      this.#block = { id, flags, parts: [fragment.slice()] };
    }
  }

  #continuation(flags: number, id: number, payload: Uint8Array): void {
    const block = this.#block;
    if (block === undefined || block.id !== id) {
      throw new ConnectionError(
        H2Error.PROTOCOL_ERROR,
        "unexpected CONTINUATION frame",
      );
    }
    block.parts.push(payload.slice());
    let size = 0;
    for (const part of block.parts) size += part.byteLength;
    if (size > MAX_HEADER_LIST * 2) {
      throw new ConnectionError(
        H2Error.PROTOCOL_ERROR,
        "a header block is too large",
      );
    }
    if ((flags & END_HEADERS) === 0) return;
    this.#block = undefined;
    const whole = new Uint8Array(size);
    let at = 0;
    for (const part of block.parts) {
      whole.set(part, at);
      at += part.byteLength;
    }
    this.#headerBlock(id, block.flags, whole);
  }

  #headerBlock(id: number, flags: number, block: Uint8Array): void {
    let fields: Array<[string, string]>;
    try {
      fields = this.#decoder.decode(block);
    } catch (error) {
      throw new ConnectionError(
        H2Error.COMPRESSION_ERROR,
        `undecodable request headers (${(error as Error).message})`,
      );
    }
    const existing = this.#streams.get(id);
    if (existing !== undefined) {
      // Trailers from the client: they end its side.
      if ((flags & END_STREAM) === 0) {
        throw new ConnectionError(
          H2Error.PROTOCOL_ERROR,
          "second HEADERS without END_STREAM",
        );
      }
      existing.remoteEnd();
      return;
    }
    if (id <= this.#lastStreamId || id % 2 === 0) {
      if (id <= this.#lastStreamId) return; // a stream already closed
      throw new ConnectionError(
        H2Error.PROTOCOL_ERROR,
        `a client cannot open stream ${id}`,
      );
    }
    this.#lastStreamId = id;
    const headers = new Map<string, string>();
    for (const [name, value] of fields) headers.set(name, value);
    const stream = new Http2Stream(
      this,
      id,
      headers,
      this.#peerInitialWindow,
      (flags & END_STREAM) !== 0,
    );
    this.#streams.set(id, stream);
    this.#events.stream(stream);
    if (flags & END_STREAM) stream.listener?.end();
  }

  #settings(flags: number, id: number, payload: Uint8Array): void {
    if (id !== 0) {
      throw new ConnectionError(
        H2Error.PROTOCOL_ERROR,
        "SETTINGS on a stream",
      );
    }
    if (flags & ACK) return;
    if (payload.byteLength % 6 !== 0) {
      throw new ConnectionError(H2Error.FRAME_SIZE_ERROR, "malformed SETTINGS");
    }
    for (let at = 0; at < payload.byteLength; at += 6) {
      const key = (payload[at]! << 8) | payload[at + 1]!;
      const value = readUint32(payload, at + 2);
      if (key === SETTINGS_INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW) {
          throw new ConnectionError(
            H2Error.FLOW_CONTROL_ERROR,
            "initial window too large",
          );
        }
        const delta = value - this.#peerInitialWindow;
        this.#peerInitialWindow = value;
        for (const stream of this.#streams.values()) {
          if (!stream.grow(delta)) {
            throw new ConnectionError(
              H2Error.FLOW_CONTROL_ERROR,
              "a stream window overflowed",
            );
          }
        }
      } else if (key === SETTINGS_MAX_FRAME_SIZE) {
        if (value < 16_384 || value > 16_777_215) {
          throw new ConnectionError(
            H2Error.PROTOCOL_ERROR,
            "invalid MAX_FRAME_SIZE",
          );
        }
        this.#peerMaxFrame = value;
      } else if (key === SETTINGS_HEADER_TABLE_SIZE) {
        // Our encoder never uses the dynamic table.
      }
    }
    this.#out.frame(SETTINGS, ACK, 0, EMPTY);
    this.#flush();
  }

  #windowUpdate(id: number, payload: Uint8Array): void {
    if (payload.byteLength !== 4) {
      throw new ConnectionError(
        H2Error.FRAME_SIZE_ERROR,
        "malformed WINDOW_UPDATE",
      );
    }
    const increment = readUint32(payload, 0) & 0x7fff_ffff;
    if (id === 0) {
      if (increment === 0) {
        throw new ConnectionError(
          H2Error.PROTOCOL_ERROR,
          "WINDOW_UPDATE of 0",
        );
      }
      this.#window.value += increment;
      if (this.#window.value > MAX_WINDOW) {
        throw new ConnectionError(
          H2Error.FLOW_CONTROL_ERROR,
          "the connection window overflowed",
        );
      }
      // Every stream with data may go on.
      for (const stream of this.#streams.values()) this.schedule(stream);
      return;
    }
    const stream = this.#streams.get(id);
    if (stream === undefined) return;
    if (increment === 0 || !stream.grow(increment)) {
      stream.reset(H2Error.FLOW_CONTROL_ERROR);
    }
  }

  /** @internal A stream has something to send. */
  schedule(stream: Http2Stream): void {
    if (!this.#readySet.has(stream)) {
      this.#readySet.add(stream);
      this.#ready.push(stream);
    }
    this.#pump();
  }

  /** @internal A stream is done: it leaves the table. */
  forget(stream: Http2Stream): void {
    this.#streams.delete(stream.id);
  }

  /** @internal */
  sendReset(id: number, code: number): void {
    const payload = new Uint8Array(4);
    writeUint32(payload, 0, code);
    this.#out.frame(RST_STREAM, 0, id, payload);
    this.#flush();
  }

  /** @internal */
  sendWindowUpdate(id: number, increment: number): void {
    this.#out.header(4, WINDOW_UPDATE, 0, id);
    this.#out.uint32(increment);
    this.#flush();
  }

  // Frames what ready streams may send, as room and windows allow.
  #pump(): void {
    if (this.#broken) return;
    const ready = this.#ready;
    let rounds = ready.length;
    while (ready.length > 0 && rounds-- > 0) {
      if (this.#out.room < CONTROL_ROOM + 9 + MIN_DATA_FRAME) break;
      const stream = ready.shift() as Http2Stream;
      this.#readySet.delete(stream);
      const more = stream.emit(this.#out, this.#window, this.#peerMaxFrame);
      if (more) {
        this.#readySet.add(stream);
        ready.push(stream);
      }
    }
    this.#flush();
  }

  // Writes happen once the current turn of the event loop is over, so that
  // what it framed (many small messages, often) goes out in one write.
  #flush(): void {
    if (this.#flushing || this.#broken || this.#out.used === 0) return;
    this.#flushing = true;
    this.#later.port2.postMessage(null);
  }

  #writeOut = (): void => {
    try {
      while (this.#out.used > 0) {
        this.#pipes.write(this.#out.take());
        // Room again: frame what waits (it goes out in this loop).
        if (this.#ready.length > 0) this.#pump();
      }
    } catch (error) {
      this.#broken = true;
      this.#events.fatal(
        `the connection with plakar on stdout failed: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    } finally {
      this.#flushing = false;
    }
  };

  #goAway(code: number, message: string): void {
    const text = new TextEncoder().encode(message);
    const payload = new Uint8Array(8 + text.byteLength);
    writeUint32(payload, 0, this.#lastStreamId);
    writeUint32(payload, 4, code);
    payload.set(text, 8);
    this.#out.frame(GOAWAY, 0, 0, payload);
    this.#writeOut(); // now: the process ends next
    for (const stream of [...this.#streams.values()]) {
      stream.remoteReset(code);
    }
    this.#events.fatal(`plakar sent invalid HTTP/2: ${message}`);
  }
}

// Whether the frame begun at `start` is a full-size DATA frame: bulk
// content, whose sender has more to write right behind it.
function bulk(buffer: Uint8Array, start: number, end: number): boolean {
  if (end - start < 9) return false;
  const length = (buffer[start]! << 16) | (buffer[start + 1]! << 8) |
    buffer[start + 2]!;
  return buffer[start + 3] === DATA && length >= MAX_FRAME_IN;
}

function unpad(flags: number, payload: Uint8Array): Uint8Array {
  if ((flags & PADDED) === 0) return payload;
  const pad = payload[0];
  if (pad === undefined || pad >= payload.byteLength) {
    throw new ConnectionError(H2Error.PROTOCOL_ERROR, "invalid padding");
  }
  return payload.subarray(1, payload.byteLength - pad);
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) +
    (bytes[at + 2]! << 8) + bytes[at + 3]!;
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}
