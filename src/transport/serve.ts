// Serves one gRPC service over the process's stdin and stdout.
import { Duplex } from "node:stream";
import { createServer, type Socket } from "node:net";
import {
  type ChannelOptions,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { pumpStdin, type StdinSink } from "./stdin_source.ts";
import { takeStdout, writeStdoutSync } from "./stdout_guard.ts";
import { fail, programName } from "./preflight.ts";
import { supportsInjection } from "./injection.ts";

/**
 * How the gRPC server reaches stdin and stdout.
 *
 * - `inject`: the HTTP/2 session runs directly on the pipes (Deno 2.9.4 and
 *   later, where node:http2 accepts any stream with write backpressure).
 * - `bridge`: bytes are copied between the pipes and one loopback
 *   connection on 127.0.0.1 that the server is given (older runtimes; needs
 *   `--allow-net=127.0.0.1`, revoked once the connection is up).
 * - `auto`: `inject` where the runtime supports it, `bridge` otherwise.
 */
export type Transport = "auto" | "inject" | "bridge";

const SERVER_OPTIONS: ChannelOptions = {
  // plakar (grpc-go) refuses messages over 4 MiB: fail cleanly on our side.
  "grpc.max_send_message_length": 4 * 1024 * 1024,
  "grpc.max_receive_message_length": 4 * 1024 * 1024,
};

export { supportsInjection };

/** Serves `handlers` on stdin/stdout until stdin ends (exit 0). */
export async function serveStdio(
  service: ServiceDefinition,
  handlers: UntypedServiceImplementation,
  transport: Transport,
): Promise<void> {
  const server = new Server(SERVER_OPTIONS);
  server.addService(service, handlers);
  const stdout = takeStdout().getWriter();
  const mode = transport === "auto"
    ? (supportsInjection() ? "inject" : "bridge")
    : transport;
  const connection = mode === "inject"
    ? injectedConnection(server, stdout)
    : await bridgedConnection(server, stdout);
  await pumpStdin(connection);
}

// How long stdin may take to end after the HTTP/2 session did.
const SESSION_END_GRACE_MS = 1000;

function onEnd(): never {
  Deno.exit(0);
}

function onGarbage(message: string): never {
  fail(`${programName()}: ${message}`);
}

function onBroken(error: unknown): never {
  // stdout's reader is gone: plakar exited, as when stdin ends.
  if (error instanceof Deno.errors.BrokenPipe) onEnd();
  const detail = error instanceof Error ? error.message : String(error);
  fail(
    `${programName()}: the gRPC connection with plakar on stdin/stdout failed: ${detail}`,
  );
}

// Small writes (frame headers, WINDOW_UPDATEs, acks) cost far less blocking
// than as an async op each; large ones go through the stream.
const SYNC_WRITE_MAX = 64 * 1024;

function writeOut(
  stdout: WritableStreamDefaultWriter<Uint8Array>,
  bytes: Uint8Array,
  callback: (error?: Error | null) => void,
): void {
  if (bytes.byteLength > SYNC_WRITE_MAX) {
    stdout.write(bytes).then(() => callback(), callback);
    return;
  }
  try {
    writeStdoutSync(bytes);
  } catch (error) {
    callback(error instanceof Error ? error : new Error(String(error)));
    return;
  }
  callback();
}

// The HTTP/2 receive window. With the 64 KiB default, nghttp2 answers every
// 32 KiB plakar sends with WINDOW_UPDATE frames; grpc-go grows its own
// window much larger. Memory stays bounded: incoming() pauses the call.
const RECEIVE_WINDOW = 8 * 1024 * 1024;

// grpc-js has no public option for the session's local window: these are
// its internals (1.14), used only if present.
interface GrpcServerInternals {
  commonServerOptions?: { settings?: Record<string, number> };
  http2Servers?: Map<
    {
      on(
        event: "session",
        listener: (session: { setLocalWindowSize(n: number): void }) => void,
      ): void;
    },
    unknown
  >;
}

/** A Duplex over the pipes, handed to grpc-js as an accepted connection. */
function injectedConnection(
  server: Server,
  stdout: WritableStreamDefaultWriter<Uint8Array>,
): StdinSink {
  let waiting: (() => void) | undefined;
  const duplex = new Duplex({
    read() {
      const resume = waiting;
      waiting = undefined;
      resume?.();
    },
    write(chunk: Uint8Array, _encoding, callback) {
      writeOut(stdout, chunk, callback);
    },
    writev(chunks, callback) {
      writeOut(
        stdout,
        concat(chunks.map((c) => c.chunk as Uint8Array)),
        callback,
      );
    },
    destroy(error, callback) {
      callback(error);
      // The session ended while plakar is still there: either it failed,
      // or it refused what came in (after telling the host in a GOAWAY).
      // stdin's end, if it comes at once, means plakar left: exit 0.
      if (error) onBroken(error);
      else {
        setTimeout(
          () =>
            onBroken(
              new Error(
                "the HTTP/2 session ended while stdin is still open (invalid data from the host?)",
              ),
            ),
          SESSION_END_GRACE_MS,
        );
      }
    },
  });
  duplex.on("error", () => {});
  const internals = server as unknown as GrpcServerInternals;
  if (internals.commonServerOptions) {
    internals.commonServerOptions.settings = {
      ...internals.commonServerOptions.settings,
      initialWindowSize: RECEIVE_WINDOW,
    };
  }
  const injector = server.createConnectionInjector(
    ServerCredentials.createInsecure(),
  );
  for (const http2Server of internals.http2Servers?.keys() ?? []) {
    http2Server.on("session", (session) => {
      try {
        session.setLocalWindowSize(RECEIVE_WINDOW);
      } catch { /* the default window works, only slower */ }
    });
  }
  // deno-lint-ignore no-explicit-any
  injector.injectConnection(duplex as any);
  return {
    data(chunk) {
      if (duplex.push(chunk)) return;
      return new Promise<void>((resolve) => (waiting = resolve));
    },
    end: onEnd,
    garbage: onGarbage,
  };
}

/**
 * One loopback connection, bridged to the pipes, for runtimes whose
 * node:http2 cannot run on them. Our own listener on 127.0.0.1 accepts our
 * own connection only (any other is dropped), then stops listening; the
 * accepted socket is handed to grpc-js as its connection. Our end is Deno's
 * own TCP (node:net sockets paused for backpressure lose or reorder bytes
 * under load in those runtimes), read and written as web streams, with
 * backpressure both ways. Once the bridge is up, the loopback permission it
 * needed (`--allow-net=127.0.0.1`) is revoked: the connector cannot reach
 * 127.0.0.1 itself.
 */
async function bridgedConnection(
  server: Server,
  stdout: WritableStreamDefaultWriter<Uint8Array>,
): Promise<StdinSink> {
  const listener = createServer();
  const port = await new Promise<number>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(0, "127.0.0.1", () => {
      const address = listener.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  const accepted: Socket[] = [];
  let arrived: () => void = () => {};
  listener.on("connection", (socket: Socket) => {
    accepted.push(socket);
    arrived();
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const ours = conn.localAddr.port;
  let socket: Socket | undefined;
  while (socket === undefined) {
    for (const s of accepted.splice(0)) {
      if (s.remotePort === ours && socket === undefined) socket = s;
      else s.destroy();
    }
    if (socket === undefined) {
      await new Promise<void>((resolve) => (arrived = resolve));
    }
  }
  listener.close();
  listener.on("connection", (s: Socket) => s.destroy());
  server.createConnectionInjector(ServerCredentials.createInsecure())
    .injectConnection(socket);
  if (Deno.permissions.querySync({ name: "net" }).state !== "granted") {
    Deno.permissions.revokeSync({ name: "net", host: "127.0.0.1" });
  }

  (async () => {
    for await (const chunk of conn.readable) await stdout.write(chunk);
  })().then(
    () => onBroken(new Error("the loopback connection closed")),
    onBroken,
  );
  const toServer = conn.writable.getWriter();
  return {
    async data(chunk) {
      await toServer.ready;
      toServer.write(chunk).catch(onBroken);
    },
    end: onEnd,
    garbage: onGarbage,
  };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
