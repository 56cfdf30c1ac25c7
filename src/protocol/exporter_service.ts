// Exporter RPCs: Init, Ping, Export (records and chunks in, results out), Close.
import type { Exporter, ExporterFactory } from "../exporter.ts";
import * as pb from "../../proto/gen/exporter/exporter_pb.ts";
import { decodeExportRecord, type WireRecord } from "./codec.ts";
import { hostOptions, initConfig } from "./init.ts";
import { Instance } from "./instance.ts";
import { errorMessage, failCall, Status, statusError } from "./status.ts";
import { type Handlers, send, unary } from "./services.ts";
import { incoming, receivedBody } from "./streams.ts";
import { recycleMessage } from "../transport/grpc_server.ts";

const SERVICE = "/plakar.exporter.Exporter/";

/** The exporter service's handlers, around one factory. */
export function exporterHandlers(factory: ExporterFactory): Handlers {
  const exporter = new Instance<Exporter>("exporter", ["write"]);

  return new Map([
    [
      SERVICE + "Init",
      unary(
        pb.InitRequest,
        pb.InitResponse,
        (request) =>
          exporter.create(() =>
            factory({
              ...initConfig(request.proto, request.config),
              options: hostOptions(request.options),
            })
          ),
      ),
    ],
    [
      SERVICE + "Ping",
      unary(pb.PingRequest, pb.PingResponse, async () => {
        await exporter.get().ping?.();
        return {};
      }),
    ],
    [
      SERVICE + "Export",
      async (call) => {
        const signal = call.signal;
        let target: Exporter | undefined;
        let finished = false;
        try {
          target = exporter.get();
          const packets = new PacketReader(incoming(call, pb.ExportRequest));
          while (true) {
            const packet = await packets.next();
            if (packet === undefined) break;
            if (packet.$case !== "record") {
              throw statusError(
                Status.FAILED_PRECONDITION,
                "Protocol error: plakar sent file content without a record before it",
              );
            }
            const wire = packet.value;
            const body = wire.hasReader
              ? packets.body(wire.pathname)
              : undefined;
            let failure = "";
            try {
              await target.write(
                decodeExportRecord(wire, body?.stream),
                signal,
              );
            } catch (error) {
              if (signal.aborted) throw error;
              failure = errorMessage(error);
            }
            // Skip whatever content the exporter left unread. Content still
            // being read when write() returned fails the record: what the
            // exporter would restore of it is cut.
            if (body) {
              const late = await body.settle();
              if (late !== undefined && failure === "") failure = late;
            }
            await send(call, pb.ExportResponse, {
              result: { header: wire, error: failure },
            });
          }
          finished = true;
          await target.finish?.(signal);
          call.end();
        } catch (error) {
          // Stopped early (cancelled, or plakar's stream broke): what was
          // restored is still put in order, as when the records run out.
          if (target !== undefined && !finished) {
            try {
              await target.finish?.(signal);
            } catch (cleanup) {
              // The call reports why the restore stopped; this goes beside.
              Deno.stderr.writeSync(new TextEncoder().encode(
                `The exporter's finish() failed after the restore stopped: ${
                  errorMessage(cleanup)
                }\n`,
              ));
            }
          }
          if (!signal.aborted) failCall(call, error);
        }
      },
    ],
    [
      SERVICE + "Close",
      unary(pb.CloseRequest, pb.CloseResponse, async () => {
        await exporter.get().close?.();
        return {};
      }),
    ],
  ]);
}

type Packet = NonNullable<pb.ExportRequest["packet"]>;

/** A body fed by the chunk packets that follow its record. */
interface Body {
  stream: ReadableStream<Uint8Array>;
  /**
   * Called once write() has settled: skips what is left of the content,
   * fails the exporter's later reads, and returns the record's error if the
   * exporter was still reading it.
   */
  settle(): Promise<string | undefined>;
}

/** Reads Export packets in order and turns chunk runs into bodies. */
class PacketReader {
  #packets: AsyncIterator<pb.ExportRequest>;

  constructor(packets: AsyncIterator<pb.ExportRequest>) {
    this.#packets = packets;
  }

  async next(): Promise<Packet | undefined> {
    while (true) {
      const next = await this.#packets.next();
      if (next.done) return undefined;
      if (next.value.packet !== undefined) return next.value.packet;
    }
  }

  /**
   * The content of the record just read, up to its empty end chunk. A
   * missing end marker fails the whole Export: the stream is out of step.
   */
  body(pathname: WireRecord["pathname"]): Body {
    let ended = false;
    let broken: unknown;
    let pending: Promise<Uint8Array | undefined> | undefined;
    const read = async (): Promise<Uint8Array | undefined> => {
      if (ended) return undefined;
      const packet = await this.next();
      if (packet === undefined || packet.$case !== "chunk") {
        ended = true;
        broken = statusError(
          Status.FAILED_PRECONDITION,
          `Protocol error: the content of "${pathname}" ended without its end marker`,
        );
        throw broken;
      }
      if (packet.value.byteLength === 0) {
        ended = true;
        return undefined;
      }
      return packet.value;
    };
    // One read at a time, whoever asks: the reader of the body or settle().
    const nextChunk = (): Promise<Uint8Array | undefined> => {
      const previous = pending ?? Promise.resolve(undefined);
      const current = previous.catch(() => undefined).then(read);
      pending = current;
      return current;
    };
    let settled = false;
    let reading = 0; // the exporter's reads in flight
    let told = false; // a late read was reported
    const lateRead =
      `The exporter read the content of "${pathname}" after its write() returned, and the rest of it was skipped: read a record's content before write() settles`;
    const stream = receivedBody(() => {
      if (settled) {
        // On stderr too: a reader in the background may not report it.
        if (!told) {
          told = true;
          Deno.stderr.writeSync(new TextEncoder().encode(`${lateRead}\n`));
        }
        return Promise.reject(new Error(lateRead));
      }
      reading++;
      return nextChunk().finally(() => reading--);
    });
    return {
      stream,
      async settle() {
        settled = true;
        const stillReading = reading > 0;
        // The record's error will say it.
        if (stillReading) told = true;
        try {
          while (true) {
            const chunk = await nextChunk();
            if (chunk === undefined) break;
            recycleMessage(chunk);
          }
        } catch { /* reported below */ }
        if (broken !== undefined) throw broken;
        if (!stillReading) return undefined;
        return `write() returned while the content of "${pathname}" was still being read, so what it restored of it is cut: read a record's content before write() settles`;
      },
    };
  }
}
