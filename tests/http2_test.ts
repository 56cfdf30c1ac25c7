// The SDK's own HTTP/2 server, driven frame by frame over a connector
// process's real pipes: the cases a grpc-go client may produce that the
// node:http2 client of the other tests never does (tiny windows, padding,
// header blocks in CONTINUATION frames, PING, unknown frame types).
import assert from "node:assert/strict";
import { encodeHeaders, HpackDecoder } from "../src/transport/hpack.ts";
import * as pb from "../proto/gen/storage/storage_pb.ts";
import { fixture } from "./_helpers.ts";

const DATA = 0;
const HEADERS = 1;
const RST_STREAM = 3;
const SETTINGS = 4;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 8;
const CONTINUATION = 9;

interface Frame {
  type: number;
  flags: number;
  id: number;
  payload: Uint8Array;
}

/** A hand-driven HTTP/2 client on a connector's stdin and stdout. */
class RawPeer implements AsyncDisposable {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = new Uint8Array(0);
  decoder = new HpackDecoder();

  constructor(command: string[]) {
    const [program, ...args] = command;
    this.#child = new Deno.Command(program!, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.getReader();
  }

  async send(bytes: Uint8Array): Promise<void> {
    await this.#writer.write(bytes);
  }

  async frame(
    type: number,
    flags: number,
    id: number,
    payload: Uint8Array = new Uint8Array(0),
  ): Promise<void> {
    const out = new Uint8Array(9 + payload.byteLength);
    const view = new DataView(out.buffer);
    view.setUint32(0, payload.byteLength << 8);
    out[3] = type;
    out[4] = flags;
    view.setUint32(5, id);
    out.set(payload, 9);
    await this.send(out);
  }

  async start(settings: Array<[number, number]> = []): Promise<void> {
    await this.send(
      new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    );
    const payload = new Uint8Array(6 * settings.length);
    const view = new DataView(payload.buffer);
    settings.forEach(([key, value], i) => {
      view.setUint16(6 * i, key);
      view.setUint32(6 * i + 2, value);
    });
    await this.frame(SETTINGS, 0, 0, payload);
  }

  async next(): Promise<Frame> {
    while (true) {
      if (this.#buffer.byteLength >= 9) {
        const b = this.#buffer;
        const length = (b[0]! << 16) | (b[1]! << 8) | b[2]!;
        if (b.byteLength >= 9 + length) {
          const frame = {
            type: b[3]!,
            flags: b[4]!,
            id: new DataView(b.buffer, b.byteOffset).getUint32(5) & 0x7fffffff,
            payload: b.slice(9, 9 + length),
          };
          this.#buffer = b.slice(9 + length);
          return frame;
        }
      }
      const { done, value } = await this.#reader.read();
      if (done) throw new Error("the connector closed stdout");
      const joined = new Uint8Array(this.#buffer.byteLength + value.byteLength);
      joined.set(this.#buffer);
      joined.set(value, this.#buffer.byteLength);
      this.#buffer = joined;
    }
  }

  /** The next frame that is not SETTINGS, WINDOW_UPDATE or PING. */
  async nextOf(types: number[]): Promise<Frame> {
    while (true) {
      const frame = await this.next();
      if (types.includes(frame.type)) return frame;
    }
  }

  async exit(): Promise<{ code: number; stderr: string }> {
    await this.#writer.close().catch(() => {});
    this.#reader.releaseLock();
    const out = await this.#child.output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.#child.status;
    await this.#writer.close().catch(() => {});
    await this.#child.stdout.cancel().catch(() => {});
    await this.#child.stderr.cancel().catch(() => {});
  }
}

function request(path: string): Uint8Array {
  return encodeHeaders([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "connector"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
  ]);
}

function message(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + bytes.byteLength);
  new DataView(out.buffer).setUint32(1, bytes.byteLength);
  out.set(bytes, 5);
  return out;
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** Reads a response to its END_STREAM: body bytes and trailers. */
async function response(
  peer: RawPeer,
  id: number,
): Promise<{ body: number; fields: Map<string, string> }> {
  let body = 0;
  const fields = new Map<string, string>();
  while (true) {
    const frame = await peer.nextOf([DATA, HEADERS, RST_STREAM, GOAWAY]);
    assert.notEqual(frame.type, GOAWAY, "unexpected GOAWAY");
    assert.equal(frame.id, id);
    assert.notEqual(frame.type, RST_STREAM, "reset before END_STREAM");
    if (frame.type === DATA) body += frame.payload.byteLength;
    else {
      for (const [k, v] of peer.decoder.decode(frame.payload)) fields.set(k, v);
    }
    if (frame.flags & 1) return { body, fields };
  }
}

async function init(peer: RawPeer, id: number, size: number): Promise<void> {
  const initRequest = pb.InitRequest.encode({
    proto: "synthetic",
    config: { location: "synthetic:///", size: String(size) },
  }).finish();
  await peer.frame(HEADERS, 4, id, request("/store.Store/Init"));
  await peer.frame(DATA, 1, id, message(initRequest));
  const answer = await response(peer, id);
  assert.equal(answer.fields.get("grpc-status"), "0");
}

Deno.test("the HTTP/2 server sends SETTINGS first, acks the peer's and answers PING", async () => {
  await using peer = new RawPeer(fixture("synthetic_storage"));
  await peer.start();
  const first = await peer.next();
  assert.equal(first.type, SETTINGS);
  assert.equal(first.flags, 0);
  const ping = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  await peer.frame(PING, 0, 0, ping);
  let acked = false;
  let pong: Frame | undefined;
  while (!acked || pong === undefined) {
    const frame = await peer.next();
    if (frame.type === SETTINGS && frame.flags === 1) acked = true;
    if (frame.type === PING) pong = frame;
  }
  assert.equal(pong.flags, 1);
  assert.deepEqual(pong.payload, ping);
  assert.equal((await peer.exit()).code, 0);
});

Deno.test("the HTTP/2 server takes padded frames and headers split in CONTINUATION frames", async () => {
  await using peer = new RawPeer(fixture("synthetic_storage"));
  await peer.start();
  await init(peer, 1, 0);
  // HEADERS (padded, with a priority) + two CONTINUATION frames.
  const block = request("/store.Store/Mode");
  const padded = new Uint8Array(1 + 5 + 3 + 7);
  padded[0] = 7; // pad length
  padded.set([0, 0, 0, 0, 15], 1); // PRIORITY fields
  padded.set(block.subarray(0, 3), 6);
  await peer.frame(HEADERS, 0x8 | 0x20, 3, padded);
  await peer.frame(CONTINUATION, 0, 3, block.subarray(3, 5));
  await peer.frame(CONTINUATION, 4, 3, block.subarray(5));
  // An unknown frame type and a PRIORITY frame are ignored.
  await peer.frame(0xfa, 0, 3, new Uint8Array(3));
  await peer.frame(2, 0, 3, new Uint8Array(5));
  // The request message in a padded DATA frame.
  const body = message(new Uint8Array(0));
  const data = new Uint8Array(1 + body.byteLength + 200);
  data[0] = 200;
  data.set(body, 1);
  await peer.frame(DATA, 0x8 | 0x1, 3, data);
  const answer = await response(peer, 3);
  assert.equal(answer.fields.get("grpc-status"), "0");
  assert.equal(answer.body, 5 + 2); // the ModeResponse: field 1 = 6
  assert.equal((await peer.exit()).code, 0);
});

Deno.test("the HTTP/2 server sends no more than the peer's window, and goes on after WINDOW_UPDATE", async () => {
  await using peer = new RawPeer(fixture("synthetic_storage"));
  // SETTINGS_INITIAL_WINDOW_SIZE = 1000 for every stream.
  await peer.start([[4, 1000]]);
  await init(peer, 1, 50_000);
  const get = pb.GetRequest.encode({
    mac: new Uint8Array(32),
    type: 1,
  }).finish();
  await peer.frame(HEADERS, 4, 3, request("/store.Store/Get"));
  await peer.frame(DATA, 1, 3, message(get));
  let received = 0;
  while (received < 1000) {
    const frame = await peer.nextOf([DATA, HEADERS, RST_STREAM]);
    if (frame.type === HEADERS) {
      // The response headers, not yet the end.
      assert.equal(frame.flags & 1, 0, "the response ended early");
      assert.equal(
        new Map(peer.decoder.decode(frame.payload)).get(":status"),
        "200",
      );
      continue;
    }
    assert.equal(frame.type, DATA);
    received += frame.payload.byteLength;
  }
  assert.equal(received, 1000);
  // Nothing more comes until the window grows: a PING's answer comes first.
  await peer.frame(PING, 0, 0, new Uint8Array(8));
  const next = await peer.nextOf([DATA, PING]);
  assert.equal(next.type, PING);
  await peer.frame(WINDOW_UPDATE, 0, 3, uint32(100_000));
  const rest = await response(peer, 3);
  // 50,000 bytes in one { chunk } message: 5 + 1 + 3 bytes of framing.
  assert.equal(received + rest.body, 50_000 + 9);
  assert.equal(rest.fields.get("grpc-status"), "0");
  assert.equal((await peer.exit()).code, 0);
});

Deno.test("the HTTP/2 server ends with GOAWAY and one clear line on a frame over its limit", async () => {
  await using peer = new RawPeer(fixture("synthetic_storage"));
  await peer.start();
  await peer.frame(DATA, 0, 1, new Uint8Array(20_000));
  const goaway = await peer.nextOf([GOAWAY]);
  assert.equal(new DataView(goaway.payload.buffer).getUint32(4), 0x6);
  const { code, stderr } = await peer.exit();
  assert.equal(code, 1);
  assert.match(
    stderr,
    /^synthetic_storage\.ts: the gRPC connection with plakar on stdin\/stdout failed: plakar sent invalid HTTP\/2: a frame of 20000 bytes is over the 16384 allowed\n$/,
  );
});
