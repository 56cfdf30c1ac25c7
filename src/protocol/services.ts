// gRPC service definitions for grpc-js, built from the generated messages.
// Paths and streaming kinds are the wire contract of plakar v1.1.x.
import { Buffer } from "node:buffer";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import type { BinaryWriter } from "@bufbuild/protobuf/wire";
import * as imp from "../../proto/gen/importer/importer_pb.ts";
import * as exp from "../../proto/gen/exporter/exporter_pb.ts";
import * as sto from "../../proto/gen/storage/storage_pb.ts";
import { hasHeadroom } from "../_headroom.ts";

interface Codec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array): T;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function method<Req, Res>(
  path: string,
  request: Codec<Req>,
  response: Codec<Res>,
  requestStream: boolean,
  responseStream: boolean,
  responseSerialize?: (message: Res) => Buffer,
): MethodDefinition<Req, Res> {
  return {
    path,
    requestStream,
    responseStream,
    requestSerialize: (m: Req) => toBuffer(request.encode(m).finish()),
    requestDeserialize: (b: Uint8Array) => request.decode(b),
    responseSerialize: responseSerialize ??
      ((m: Res) => toBuffer(response.encode(m).finish())),
    responseDeserialize: (b: Uint8Array) => response.decode(b),
  };
}

/**
 * Serialises a `{ chunk }` message (field 1, bytes) with one copy: the hot
 * path of Open and Get.
 */
export function encodeChunkMessage(message: { chunk: Uint8Array }): Buffer {
  const chunk = message.chunk;
  const length = chunk.byteLength;
  if (length === 0) return Buffer.alloc(0);
  let varintSize = 1;
  for (let v = length; v >= 0x80; v = Math.floor(v / 128)) varintSize++;
  const header = 1 + varintSize;
  const out = hasHeadroom(chunk, header)
    ? Buffer.from(chunk.buffer, chunk.byteOffset - header, header + length)
    : Buffer.allocUnsafe(header + length);
  out[0] = 0x0a;
  let i = 1;
  let v = length;
  while (v >= 0x80) {
    out[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[i++] = v;
  if (out.buffer !== chunk.buffer) out.set(chunk, i);
  return out;
}

/** `/importer.Importer`. */
export const importerService: ServiceDefinition = {
  Init: method(
    "/importer.Importer/Init",
    imp.InitRequest,
    imp.InitResponse,
    false,
    false,
  ),
  Ping: method(
    "/importer.Importer/Ping",
    imp.PingRequest,
    imp.PingResponse,
    false,
    false,
  ),
  Import: method(
    "/importer.Importer/Import",
    imp.ImportRequest,
    imp.ImportResponse,
    true,
    true,
  ),
  Open: method(
    "/importer.Importer/Open",
    imp.OpenRequest,
    imp.OpenResponse,
    false,
    true,
    encodeChunkMessage,
  ),
  Close: method(
    "/importer.Importer/Close",
    imp.CloseRequest,
    imp.CloseResponse,
    false,
    false,
  ),
};

/** `/plakar.exporter.Exporter`. */
export const exporterService: ServiceDefinition = {
  Init: method(
    "/plakar.exporter.Exporter/Init",
    exp.InitRequest,
    exp.InitResponse,
    false,
    false,
  ),
  Ping: method(
    "/plakar.exporter.Exporter/Ping",
    exp.PingRequest,
    exp.PingResponse,
    false,
    false,
  ),
  Export: method(
    "/plakar.exporter.Exporter/Export",
    exp.ExportRequest,
    exp.ExportResponse,
    true,
    true,
  ),
  Close: method(
    "/plakar.exporter.Exporter/Close",
    exp.CloseRequest,
    exp.CloseResponse,
    false,
    false,
  ),
};

/** `/store.Store`. */
export const storageService: ServiceDefinition = {
  Init: method(
    "/store.Store/Init",
    sto.InitRequest,
    sto.InitResponse,
    false,
    false,
  ),
  Create: method(
    "/store.Store/Create",
    sto.CreateRequest,
    sto.CreateResponse,
    false,
    false,
  ),
  Open: method(
    "/store.Store/Open",
    sto.OpenRequest,
    sto.OpenResponse,
    false,
    false,
  ),
  Ping: method(
    "/store.Store/Ping",
    sto.PingRequest,
    sto.PingResponse,
    false,
    false,
  ),
  Mode: method(
    "/store.Store/Mode",
    sto.ModeRequest,
    sto.ModeResponse,
    false,
    false,
  ),
  Size: method(
    "/store.Store/Size",
    sto.SizeRequest,
    sto.SizeResponse,
    false,
    false,
  ),
  List: method(
    "/store.Store/List",
    sto.ListRequest,
    sto.ListResponse,
    false,
    false,
  ),
  Put: method(
    "/store.Store/Put",
    sto.PutRequest,
    sto.PutResponse,
    true,
    false,
  ),
  Get: method(
    "/store.Store/Get",
    sto.GetRequest,
    sto.GetResponse,
    false,
    true,
    encodeChunkMessage,
  ),
  Delete: method(
    "/store.Store/Delete",
    sto.DeleteRequest,
    sto.DeleteResponse,
    false,
    false,
  ),
  Close: method(
    "/store.Store/Close",
    sto.CloseRequest,
    sto.CloseResponse,
    false,
    false,
  ),
};
