// Importer RPCs: Init, Ping, Import (records out, acks in), Open, Close.
import type {
  ServerDuplexStream,
  ServerWritableStream,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { status as Status } from "@grpc/grpc-js";
import type { Importer, ImporterFactory } from "../importer.ts";
import type { OpenBody } from "../record.ts";
import type * as pb from "../../proto/gen/importer/importer_pb.ts";
import { decodeAck, encodeImportRecord, wireRecordKey } from "./codec.ts";
import { hostOptions, initConfig } from "./init.ts";
import { Instance, unary } from "./instance.ts";
import { failCall, statusError } from "./status.ts";
import { callSignal, incoming, send, sendBody } from "./streams.ts";

/** The importer service's handlers, around one factory. */
export function importerHandlers(
  factory: ImporterFactory,
): UntypedServiceImplementation {
  const importer = new Instance<Importer>("importer");
  let needAck = false;
  // Readers of sent records, by key, until opened or acknowledged.
  const held = new Map<string, OpenBody>();

  return {
    Init: unary<pb.InitRequest, pb.InitResponse>(async (request) => {
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

    Ping: unary<pb.PingRequest, pb.PingResponse>(async () => {
      await importer.get().ping?.();
      return {};
    }),

    async Import(
      call: ServerDuplexStream<pb.ImportRequest, pb.ImportResponse>,
    ) {
      const signal = callSignal(call);
      try {
        const source = importer.get();
        const acks = (async () => {
          const requests = incoming<pb.ImportRequest>(call);
          while (true) {
            const next = await requests.next();
            if (next.done) return;
            const result = next.value.result;
            held.delete(wireRecordKey(result?.header));
            if (needAck && source.ack) await source.ack(decodeAck(result));
          }
        })();
        // Surface an ack failure at once rather than after the last record.
        let ackError: unknown;
        acks.catch((error) => (ackError ??= error));
        for await (const record of source.records(signal)) {
          if (ackError !== undefined) throw ackError;
          const encoded = encodeImportRecord(record);
          if (encoded.open) held.set(encoded.key, encoded.open);
          await send(call, { record: encoded.record, finished: false });
        }
        await send(call, { record: undefined, finished: true });
        await acks;
        call.end();
      } catch (error) {
        if (!signal.aborted) failCall(call, error);
      }
    },

    async Open(call: ServerWritableStream<pb.OpenRequest, pb.OpenResponse>) {
      const signal = callSignal(call);
      try {
        importer.get();
        const key = wireRecordKey(call.request.record);
        const open = held.get(key);
        if (open === undefined) {
          throw statusError(Status.UNKNOWN, "file does not exist");
        }
        held.delete(key);
        await sendBody(call, await open(), signal);
        call.end();
      } catch (error) {
        if (!signal.aborted) failCall(call, error);
      }
    },

    Close: unary<pb.CloseRequest, pb.CloseResponse>(async () => {
      await importer.get().close?.();
      held.clear();
      return {};
    }),
  };
}
