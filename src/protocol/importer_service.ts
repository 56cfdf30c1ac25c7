// Importer RPCs: Init, Ping, Import (records out, acks in), Open, Close.
import type { Importer, ImporterFactory } from "../importer.ts";
import type { OpenBody } from "../record.ts";
import * as pb from "../../proto/gen/importer/importer_pb.ts";
import { ackKey, decodeAck, wireRecordKey } from "./codec.ts";
import { ImportResponseEncoder } from "./import_encoder.ts";
import { hostOptions, initConfig } from "./init.ts";
import { Instance } from "./instance.ts";
import { describe, MisuseError } from "./misuse.ts";
import { errorMessage, failCall, Status, statusError } from "./status.ts";
import { type Handlers, readRequest, unary } from "./services.ts";
import { sendBody } from "./streams.ts";

const SERVICE = "/importer.Importer/";

/** The importer service's handlers, by method path, around one factory. */
export function importerHandlers(factory: ImporterFactory): Handlers {
  const importer = new Instance<Importer>("importer", ["records"]);
  let needAck = false;
  // Readers of sent records, by key, until opened or acknowledged.
  const held = new Map<string, OpenBody>();

  return new Map([
    [
      SERVICE + "Init",
      unary(pb.InitRequest, pb.InitResponse, async (request) => {
        const answer = await importer.create(() =>
          factory({
            ...initConfig(request.proto, request.config),
            options: hostOptions(request.options),
          })
        );
        needAck = (answer.flags & 8) !== 0;
        held.clear();
        return answer;
      }),
    ],
    [
      SERVICE + "Ping",
      unary(pb.PingRequest, pb.PingResponse, async () => {
        await importer.get().ping?.();
        return {};
      }),
    ],
    [
      SERVICE + "Import",
      async (call) => {
        const signal = call.signal;
        let finished = false;
        try {
          const source = importer.get();
          const acks = (async () => {
            while (true) {
              const bytes = call.take() ?? await call.read();
              if (bytes === undefined) return;
              if (needAck && source.ack) {
                const result = pb.ImportRequest.decode(bytes).result;
                held.delete(wireRecordKey(result?.header));
                await source.ack(decodeAck(result));
              } else if (held.size > 0) held.delete(ackKey(bytes));
            }
          })();
          // Surface an ack failure at once rather than after the last record.
          let ackError: unknown;
          acks.catch((error) => (ackError ??= error));
          // Its buffer is reused: each write is waited for before the next.
          const encoder = new ImportResponseEncoder();
          for await (const record of source.records(signal)) {
            if (ackError !== undefined) throw ackError;
            const message = encoder.encode(record);
            if (encoder.open) held.set(encoder.key, encoder.open);
            const sent = call.write(message);
            if (sent) await sent;
          }
          await call.write(encoder.finished());
          finished = true;
          await acks;
          call.end();
        } catch (error) {
          if (signal.aborted) return;
          if (finished) {
            // plakar stops reading an Import once told it is finished: the
            // status below would be lost.
            Deno.stderr.writeSync(new TextEncoder().encode(
              `The importer failed after its last record, which plakar does not report: ${
                errorMessage(error)
              }\n`,
            ));
          }
          failCall(call, error);
        }
      },
    ],
    [
      SERVICE + "Open",
      async (call) => {
        const signal = call.signal;
        try {
          const request = await readRequest(call, pb.OpenRequest);
          importer.get();
          const key = wireRecordKey(request.record);
          const open = held.get(key);
          if (open === undefined) {
            throw statusError(Status.UNKNOWN, "file does not exist");
          }
          held.delete(key);
          const body: unknown = await open();
          if (!(body instanceof ReadableStream)) {
            throw new MisuseError(
              `open() of "${request.record?.pathname}" returned ${
                describe(body)
              }, not a ReadableStream<Uint8Array> (wrap bytes with ReadableStream.from([bytes]))`,
            );
          }
          await sendBody(call, body, signal);
          call.end();
        } catch (error) {
          if (!signal.aborted) failCall(call, error);
        }
      },
    ],
    [
      SERVICE + "Close",
      unary(pb.CloseRequest, pb.CloseResponse, async () => {
        await importer.get().close?.();
        held.clear();
        return {};
      }),
    ],
  ]);
}
