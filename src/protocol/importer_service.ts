// Importer RPCs: Init, Ping, Import (records out, acks in), Open, Close.
import type {
  sendUnaryData,
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { status as Status } from "@grpc/grpc-js";
import type { Importer, ImporterFactory } from "../importer.ts";
import type { OpenBody } from "../record.ts";
import type * as pb from "../../proto/gen/importer/importer_pb.ts";
import {
  decodeAck,
  encodeFlags,
  encodeImportRecord,
  wireRecordKey,
} from "./codec.ts";
import { hostOptions, initConfig } from "./init.ts";
import { failCall, statusError, toStatusError } from "./status.ts";
import { callSignal, incoming, send, sendBody } from "./streams.ts";

/** The importer service's handlers, around one factory. */
export function importerHandlers(
  factory: ImporterFactory,
): UntypedServiceImplementation {
  let importer: Importer | undefined;
  let needAck = false;
  // Readers of sent records, by key, until opened or acknowledged.
  const held = new Map<string, OpenBody>();

  function current(): Importer {
    if (importer === undefined) {
      throw statusError(
        Status.FAILED_PRECONDITION,
        "The importer is not initialised: plakar must call Init first",
      );
    }
    return importer;
  }

  return {
    async Init(
      call: ServerUnaryCall<pb.InitRequest, pb.InitResponse>,
      callback: sendUnaryData<pb.InitResponse>,
    ) {
      try {
        const request = call.request;
        const created = await factory({
          ...initConfig(request.proto, request.config),
          options: hostOptions(request.options),
        });
        const flags = encodeFlags(created.flags);
        importer = created;
        needAck = (flags & 8) !== 0;
        held.clear();
        callback(null, {
          origin: created.origin,
          type: created.type,
          root: created.root,
          flags,
        });
      } catch (error) {
        callback(toStatusError(error));
      }
    },

    async Ping(
      _call: ServerUnaryCall<pb.PingRequest, pb.PingResponse>,
      callback: sendUnaryData<pb.PingResponse>,
    ) {
      try {
        await current().ping?.();
        callback(null, {});
      } catch (error) {
        callback(toStatusError(error));
      }
    },

    async Import(
      call: ServerDuplexStream<pb.ImportRequest, pb.ImportResponse>,
    ) {
      const signal = callSignal(call);
      try {
        const source = current();
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
        current();
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

    async Close(
      _call: ServerUnaryCall<pb.CloseRequest, pb.CloseResponse>,
      callback: sendUnaryData<pb.CloseResponse>,
    ) {
      try {
        await current().close?.();
        held.clear();
        callback(null, {});
      } catch (error) {
        callback(toStatusError(error));
      }
    },
  };
}
