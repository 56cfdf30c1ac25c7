// Drives a storage connector through the real protocol, as plakar does.
import type {
  ByteRange,
  ObjectKey,
  ResourceType,
  StorageMode,
} from "../storage.ts";
import { RESOURCE_TYPES } from "../storage.ts";
import * as pb from "../../proto/gen/storage/storage_pb.ts";
import { ConnectorProcess, type SpawnOptions } from "./connector_process.ts";
import { ConnectorClient } from "./connector_client.ts";
import { ConnectorExitError } from "./connector_exit_error.ts";
import { GrpcError, GrpcStatus, onlyMessage } from "./grpc_client.ts";
import { decodeFlags, type InitResult } from "./received_record.ts";
import { hostLocation } from "./importer_client.ts";

const CHUNK = 1 << 20;

function typeNumber(type: ResourceType): number {
  return RESOURCE_TYPES.indexOf(type);
}

/**
 * Drives a storage connector through the real protocol on its pipes.
 *
 * @example Creating a repository with the example backend
 * ```ts ignore
 * import { StorageClient } from "@plakar-deno/connector/testing";
 *
 * const storage = StorageClient.spawn([
 *   Deno.execPath(), "run", "--allow-read", "--allow-write", "storage.ts",
 * ]);
 * await storage.init("denofs:///tmp/repo");
 * await storage.create(new TextEncoder().encode("config"));
 * await storage.shutdown();
 * ```
 */
export class StorageClient extends ConnectorClient {
  /**
   * Wraps a running storage connector process.
   *
   * @param process The process.
   */
  constructor(process: ConnectorProcess) {
    super(process, "/store.Store");
  }

  /**
   * Starts a storage connector process.
   *
   * @param command The program and its arguments.
   * @param options How to spawn it.
   * @returns A client for it.
   */
  static spawn(
    command: readonly string[],
    options?: SpawnOptions,
  ): StorageClient {
    return new StorageClient(ConnectorProcess.spawn(command, options));
  }

  /**
   * Calls Init.
   *
   * @param location `<proto>://<path>` or `<proto>:<path>`; becomes
   *   `config.location` as `<proto>://<path>`.
   * @param config Further configuration.
   * @returns The connector's description.
   */
  async init(
    location: string,
    config?: Record<string, string>,
  ): Promise<InitResult> {
    const host = hostLocation(location);
    const request = pb.InitRequest.encode({
      proto: host.proto,
      config: { ...config, location: host.location },
    }).finish();
    const response = pb.InitResponse.decode(await this.unary("Init", request));
    return { ...response, flags: decodeFlags(response.flags) };
  }

  /**
   * Calls Create.
   *
   * @param config The repository configuration to keep.
   */
  async create(config: Uint8Array): Promise<void> {
    await this.unary("Create", pb.CreateRequest.encode({ config }).finish());
  }

  /**
   * Calls Open.
   *
   * @returns The kept configuration.
   */
  async open(): Promise<Uint8Array> {
    return pb.OpenResponse.decode(await this.unary("Open"))
      .config;
  }

  /**
   * Calls Mode.
   *
   * @returns The mode, decoded; a mode without the read bit (4) fails, as
   *   plakar cannot read snapshots from such a repository.
   */
  async mode(): Promise<StorageMode> {
    const { mode } = pb.ModeResponse.decode(
      await this.unary("Mode"),
    );
    if ((mode & 4) === 0) {
      throw new GrpcError(
        GrpcStatus.INTERNAL,
        `the storage's mode ${mode} lacks the read bit (4): plakar cannot read snapshots from it`,
      );
    }
    return (mode & 2) !== 0 ? "read-write" : "read-only";
  }

  /**
   * Calls Mode.
   *
   * @returns The raw mode bits (write 2, read 4).
   */
  async modeBits(): Promise<number> {
    return pb.ModeResponse.decode(await this.unary("Mode"))
      .mode;
  }

  /**
   * Calls Size.
   *
   * @returns The size, `-1` if unknown.
   */
  async size(): Promise<number> {
    return Number(
      pb.SizeResponse.decode(await this.unary("Size")).size,
    );
  }

  /**
   * Calls List.
   *
   * @param type The resource type.
   * @returns The MACs; one that is not 32 bytes long fails the call, as it
   *   fails plakar's.
   */
  async list(type: ResourceType): Promise<Uint8Array[]> {
    const request = pb.ListRequest.encode({ type: typeNumber(type) }).finish();
    const { macs } = pb.ListResponse.decode(await this.unary("List", request));
    for (const mac of macs) {
      if (mac.byteLength !== 32) {
        throw new GrpcError(
          GrpcStatus.INTERNAL,
          `invalid MAC length: ${mac.byteLength} (plakar wants 32 bytes)`,
        );
      }
    }
    return macs;
  }

  /**
   * Calls Put: the key first, then the content in chunks of at most 1 MiB.
   *
   * @param key The object.
   * @param body Its content.
   * @returns The number of bytes the connector says it wrote.
   */
  async put(
    key: ObjectKey,
    body: Uint8Array | ReadableStream<Uint8Array>,
  ): Promise<number> {
    const call = this.call("Put");
    // plakar (integration-grpc) gives up on a Send that fails because the
    // connector ended the call, without reading its status: the user sees
    // only "failed to send chunk: EOF".
    const send = async (m: pb.PutRequest) => {
      try {
        await call.send(pb.PutRequest.encode(m).finish());
      } catch (error) {
        // A process that died is said as such, as every call says it.
        if (error instanceof ConnectorExitError) throw error;
        const status = error instanceof GrpcError ? error.details : error;
        throw new Error(
          `failed to send chunk: EOF (all plakar shows: the connector ended Put before reading the whole object, with "${status}")`,
        );
      }
    };
    const type = typeNumber(key.type);
    await send({ mac: key.mac, type, chunk: new Uint8Array(0) });
    const parts = body instanceof Uint8Array ? [body] : body;
    for await (const part of parts) {
      for (let at = 0; at < part.byteLength; at += CHUNK) {
        await send({
          mac: new Uint8Array(0),
          type: 0,
          chunk: part.subarray(at, at + CHUNK),
        });
      }
    }
    call.end();
    return Number(
      pb.PutResponse.decode(await onlyMessage(call, "Put")).bytesWritten,
    );
  }

  /**
   * Calls Get.
   *
   * @param key The object.
   * @param range Only this part.
   * @returns The content; an error status surfaces on the first read.
   */
  get(key: ObjectKey, range?: ByteRange): ReadableStream<Uint8Array> {
    const call = this.call("Get");
    const request: pb.GetRequest = { mac: key.mac, type: typeNumber(key.type) };
    if (range) {
      request.range = { offset: BigInt(range.offset), length: range.length };
    }
    const start = (async () => {
      await call.send(pb.GetRequest.encode(request).finish());
      call.end();
    })();
    // Its failure reaches whoever reads the stream; one cancelled unread
    // (or not read yet) must not make it an unhandled rejection.
    start.catch(() => {});
    const messages = call.messages();
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        await start;
        const next = await messages.next();
        if (next.done) controller.close();
        else controller.enqueue(pb.GetResponse.decode(next.value).chunk);
      },
      cancel() {
        call.cancel();
      },
    }, { highWaterMark: 0 });
  }

  /**
   * Calls Delete.
   *
   * @param key The object.
   */
  async delete(key: ObjectKey): Promise<void> {
    const request = pb.DeleteRequest.encode({
      mac: key.mac,
      type: typeNumber(key.type),
    })
      .finish();
    await this.unary("Delete", request);
  }
}
