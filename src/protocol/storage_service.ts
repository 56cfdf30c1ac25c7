// Storage RPCs: Init, Create, Open, Ping, Mode, Size, List, Put, Get, Delete, Close.
import type {
  GetOptions,
  ObjectKey,
  Storage,
  StorageFactory,
} from "../storage.ts";
import * as pb from "../../proto/gen/storage/storage_pb.ts";
import { decodeResourceType, MAC_SIZE } from "./codec.ts";
import { initConfig } from "./init.ts";
import { Instance } from "./instance.ts";
import { failCall, Status, statusError } from "./status.ts";
import { type Handlers, readRequest, send, unary } from "./services.ts";
import { incoming, receivedBody, sendBody } from "./streams.ts";
import { MisuseError } from "./misuse.ts";

const SERVICE = "/store.Store/";

// plakar's 4 MiB message limit, less the room of one List entry's framing.
const MAX_LIST_ENTRIES = Math.floor((4 * 1024 * 1024 - 5) / (MAC_SIZE + 2));

function objectKey(mac: Uint8Array, type: number): ObjectKey {
  if (mac.byteLength !== MAC_SIZE) {
    throw statusError(
      Status.INVALID_ARGUMENT,
      `Cannot use a MAC of ${mac.byteLength} bytes: expected ${MAC_SIZE}`,
    );
  }
  return { type: decodeResourceType(type), mac: mac.slice() };
}

/** The storage service's handlers, around one factory. */
export function storageHandlers(factory: StorageFactory): Handlers {
  const storage = new Instance<Storage>("storage connector", [
    "create",
    "open",
    "list",
    "put",
    "get",
    "delete",
  ]);
  const current = () => storage.get();

  return new Map([
    [
      SERVICE + "Init",
      unary(
        pb.InitRequest,
        pb.InitResponse,
        (request) =>
          storage.create(() =>
            factory(initConfig(request.proto, request.config))
          ),
      ),
    ],

    [
      SERVICE + "Create",
      unary(pb.CreateRequest, pb.CreateResponse, async (request) => {
        await current().create(request.config.slice());
        return {};
      }),
    ],

    [
      SERVICE + "Open",
      unary(pb.OpenRequest, pb.OpenResponse, async () => {
        const config = await current().open();
        if (!(config instanceof Uint8Array)) {
          throw new MisuseError(
            `Cannot answer Open: the connector returned ${typeof config}, expected a Uint8Array`,
          );
        }
        return { config };
      }),
    ],

    [
      SERVICE + "Ping",
      unary(pb.PingRequest, pb.PingResponse, async () => {
        await current().ping?.();
        return {};
      }),
    ],

    [
      SERVICE + "Mode",
      unary(pb.ModeRequest, pb.ModeResponse, () => {
        const mode = current().mode ?? "read-write";
        return { mode: mode === "read-only" ? 4 : 6 };
      }),
    ],

    [
      SERVICE + "Size",
      unary(pb.SizeRequest, pb.SizeResponse, async () => {
        const target = current();
        const size = target.size ? await target.size() : -1;
        return { size: BigInt(Math.trunc(size)) };
      }),
    ],

    [
      SERVICE + "List",
      unary(pb.ListRequest, pb.ListResponse, async (request) => {
        const type = decodeResourceType(request.type);
        const macs: Uint8Array[] = [];
        for await (const mac of await current().list(type)) {
          if (!(mac instanceof Uint8Array) || mac.byteLength !== MAC_SIZE) {
            throw new MisuseError(
              `Cannot list ${type}: the connector returned a MAC of ${
                mac instanceof Uint8Array
                  ? mac.byteLength + " bytes"
                  : typeof mac
              }, expected ${MAC_SIZE} bytes`,
            );
          }
          macs.push(mac);
          if (macs.length > MAX_LIST_ENTRIES) {
            throw new RangeError(
              `Cannot list ${type}: more than ${MAX_LIST_ENTRIES} objects do not fit in plakar's 4 MiB message limit`,
            );
          }
        }
        return { macs };
      }),
    ],

    [
      SERVICE + "Put",
      async (call) => {
        const signal = call.signal;
        const requests = incoming(call, pb.PutRequest);
        let pending: Promise<IteratorResult<pb.PutRequest>> | undefined;
        let ended = false;
        try {
          const target = current();
          const first = await requests.next();
          if (first.done) {
            ended = true;
            throw statusError(
              Status.FAILED_PRECONDITION,
              "Protocol error: Put ended before naming its object",
            );
          }
          const key = objectKey(first.value.mac, first.value.type);
          const nextChunk = async (): Promise<Uint8Array | undefined> => {
            while (!ended) {
              pending = requests.next();
              const next = await pending;
              if (next.done) ended = true;
              else if (next.value.chunk.byteLength > 0) return next.value.chunk;
            }
            return undefined;
          };
          const body = receivedBody(nextChunk);
          const written = await target.put(key, body, { signal });
          await pending;
          if (!ended && await nextChunk() !== undefined) {
            throw new Error(
              "Cannot finish Put: the connector returned before reading the whole object",
            );
          }
          await send(call, pb.PutResponse, { bytesWritten: BigInt(written) });
          call.end();
        } catch (error) {
          // plakar reads Put's status only once it has sent the whole
          // object: ended before, the call shows as "failed to send chunk:
          // EOF" and the cause is lost. The rest is read and dropped first.
          if (!signal.aborted) {
            try {
              if (pending !== undefined && (await pending).done) ended = true;
              while (!ended) ended = (await requests.next()).done ?? true;
            } catch {
              // The call broke: the status below says why the Put failed.
            }
          }
          failCall(call, error);
        }
      },
    ],
    [
      SERVICE + "Get",
      async (call) => {
        const signal = call.signal;
        try {
          const request = await readRequest(call, pb.GetRequest);
          const key = objectKey(request.mac, request.type);
          const options: GetOptions = { signal };
          if (request.range) {
            options.range = {
              offset: Number(request.range.offset),
              length: request.range.length,
            };
          }
          const body = await current().get(key, options);
          await sendBody(call, body, signal);
          call.end();
        } catch (error) {
          if (!signal.aborted) failCall(call, error);
        }
      },
    ],
    [
      SERVICE + "Delete",
      unary(pb.DeleteRequest, pb.DeleteResponse, async (request) => {
        await current().delete(objectKey(request.mac, request.type));
        return {};
      }),
    ],

    [
      SERVICE + "Close",
      unary(pb.CloseRequest, pb.CloseResponse, async () => {
        await current().close?.();
        return {};
      }),
    ],
  ]);
}
