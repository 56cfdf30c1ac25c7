// Conversions between the author-facing types and the wire messages. Every
// wire quirk (Go mode bits, Timestamp, xattr keys, flag bits) lives here.
import type { FileInfo } from "../file_info.ts";
import type { LocationFlag } from "../location_flags.ts";
import type { ExportRecord, ImportAck, XattrKind } from "../record.ts";
import { RESOURCE_TYPES, type ResourceType } from "../storage.ts";
import type {
  FileInfo as WireFileInfo,
  Record as WireRecord,
  Result as WireResult,
} from "../../proto/gen/connectors_pb.ts";
import { fromGoFileMode, toGoFileMode } from "./file_mode.ts";
import { MisuseError } from "./misuse.ts";

export type { WireFileInfo, WireRecord, WireResult };

const NS_PER_S = 1_000_000_000n;

const FLAG_BITS: Readonly<Record<LocationFlag, number>> = {
  localfs: 1,
  file: 2,
  stream: 4,
  needack: 8,
  nomerge: 16,
};

/** Location flags as plakar's bit set. */
export function encodeFlags(
  flags: readonly LocationFlag[] | undefined,
): number {
  let bits = 0;
  for (const flag of flags ?? []) {
    const bit = FLAG_BITS[flag];
    if (bit === undefined) {
      throw new MisuseError(
        `Cannot declare location flag "${flag}": expected one of ${
          Object.keys(FLAG_BITS).join(", ")
        }`,
      );
    }
    bits |= bit;
  }
  return bits;
}

/** Author-facing file info to the wire. */
export function encodeFileInfo(info: FileInfo): WireFileInfo {
  const ns = BigInt(info.mtimeNs);
  let seconds = ns / NS_PER_S;
  let nanos = ns % NS_PER_S;
  if (nanos < 0n) {
    nanos += NS_PER_S;
    seconds -= 1n;
  }
  return {
    name: info.name,
    size: BigInt(info.size),
    mode: toGoFileMode(info.kind, info.mode),
    modTime: { seconds, nanos: Number(nanos) },
    dev: info.dev ?? 0n,
    ino: info.ino ?? 0n,
    uid: BigInt(info.uid ?? 0),
    gid: BigInt(info.gid ?? 0),
    nlink: (info.nlink ?? 0) & 0xffff,
    username: info.username ?? "",
    groupname: info.groupname ?? "",
    flags: info.flags ?? 0,
  };
}

/** Wire file info to the author-facing form; a missing one is zeroed. */
export function decodeFileInfo(
  wire: WireFileInfo | undefined,
  pathname: string,
): FileInfo {
  if (wire === undefined) {
    return {
      name: pathname.slice(pathname.lastIndexOf("/") + 1),
      kind: "file",
      size: 0,
      mode: 0,
      mtimeNs: 0n,
    };
  }
  const { kind, mode } = fromGoFileMode(wire.mode);
  const time = wire.modTime;
  return {
    name: wire.name,
    kind,
    size: Number(wire.size),
    mode,
    mtimeNs: time ? time.seconds * NS_PER_S + BigInt(time.nanos) : 0n,
    dev: wire.dev,
    ino: wire.ino,
    uid: Number(wire.uid),
    gid: Number(wire.gid),
    nlink: wire.nlink,
    username: wire.username,
    groupname: wire.groupname,
    flags: wire.flags,
  };
}

// kloset's raw values travel in the enum field, whatever its names say.
function xattrKindFromWire(value: number): XattrKind {
  return value === 1 ? "ads" : "extended";
}

/** The key under which plakar opens and acknowledges a record. */
export function recordKey(
  pathname: string,
  xattr?: { name: string; kind: XattrKind },
): string {
  if (xattr === undefined) return pathname;
  return xattr.kind === "ads"
    ? `xattr:${pathname}@${xattr.name}`
    : `xattr:${pathname}:${xattr.name}`;
}

/** The key of a record received from the host. */
export function wireRecordKey(record: WireRecord | undefined): string {
  if (record === undefined) return "";
  return recordKey(
    record.pathname,
    record.isXattr
      ? { name: record.xattrName, kind: xattrKindFromWire(record.xattrType) }
      : undefined,
  );
}

/**
 * The key of the record an Import acknowledgement (an `ImportRequest`) is
 * about, read without decoding the rest: plakar sends one per record.
 */
export function ackKey(bytes: Uint8Array): string {
  // ImportRequest.result (1) -> Result.header (1) -> Record.
  const result = lastField(bytes, 0, bytes.byteLength, 1);
  if (result === undefined) return "";
  const record = lastField(bytes, result[0], result[1], 1);
  if (record === undefined) return "";
  let pathname = "";
  let isXattr = false;
  let xattrName = "";
  let xattrType = 0;
  const cursor = { at: record[0] };
  const end = record[1];
  while (cursor.at < end) {
    const tag = varint(bytes, cursor);
    const no = tag >>> 3;
    const type = tag & 7;
    if (type === 2) {
      const length = varint(bytes, cursor);
      const from = cursor.at;
      cursor.at += length;
      if (no === 2) pathname = utf8.decode(bytes.subarray(from, cursor.at));
      if (no === 5) xattrName = utf8.decode(bytes.subarray(from, cursor.at));
    } else if (type === 0) {
      const value = varint(bytes, cursor);
      if (no === 4) isXattr = value !== 0;
      if (no === 6) xattrType = value;
    } else skip(type, cursor);
  }
  if (cursor.at !== end) throw new RangeError("Malformed acknowledgement");
  return recordKey(
    pathname,
    isXattr
      ? { name: xattrName, kind: xattrKindFromWire(xattrType) }
      : undefined,
  );
}

const utf8 = new TextDecoder();

// Reads a varint of up to 32 bits at `cursor.at`, moving it past.
function varint(bytes: Uint8Array, cursor: { at: number }): number {
  let value = 0;
  for (let shift = 0; shift < 64; shift += 7) {
    const byte = bytes[cursor.at++];
    if (byte === undefined) throw new RangeError("Malformed acknowledgement");
    if (shift < 32) value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return value;
  }
  throw new RangeError("Malformed acknowledgement");
}

function skip(type: number, cursor: { at: number }): void {
  if (type === 1) cursor.at += 8;
  else if (type === 5) cursor.at += 4;
  else throw new RangeError("Malformed acknowledgement");
}

// Where the last length-delimited occurrence of field `number` lies.
function lastField(
  bytes: Uint8Array,
  from: number,
  end: number,
  number: number,
): [number, number] | undefined {
  let found: [number, number] | undefined;
  const cursor = { at: from };
  while (cursor.at < end) {
    const tag = varint(bytes, cursor);
    const type = tag & 7;
    if (type === 2) {
      const length = varint(bytes, cursor);
      if (tag >>> 3 === number) found = [cursor.at, cursor.at + length];
      cursor.at += length;
    } else if (type === 0) varint(bytes, cursor);
    else skip(type, cursor);
  }
  if (cursor.at !== end) throw new RangeError("Malformed acknowledgement");
  return found;
}

/** A record received from the host, to the exporter's form. */
export function decodeExportRecord(
  wire: WireRecord,
  body: ReadableStream<Uint8Array> | undefined,
): ExportRecord {
  const record: ExportRecord = {
    pathname: wire.pathname,
    fileInfo: decodeFileInfo(wire.fileInfo, wire.pathname),
    target: wire.target,
    xattrs: wire.extendedAttributes,
    fileAttributes: wire.fileAttributes,
  };
  if (body !== undefined) record.body = body;
  if (wire.isXattr) {
    record.xattr = {
      name: wire.xattrName,
      kind: xattrKindFromWire(wire.xattrType),
    };
  }
  if (wire.error !== "") record.error = wire.error;
  return record;
}

/** plakar's result for an imported record, to the author's form. */
export function decodeAck(result: WireResult | undefined): ImportAck {
  const header = result?.header;
  const ack: ImportAck = { pathname: header?.pathname ?? "" };
  if (header?.isXattr) {
    ack.xattr = {
      name: header.xattrName,
      kind: xattrKindFromWire(header.xattrType),
    };
  }
  if (result && result.error !== "") ack.error = result.error;
  return ack;
}

/** A storage resource type from its wire number. */
export function decodeResourceType(value: number): ResourceType {
  const type = RESOURCE_TYPES[value];
  if (type === undefined) {
    throw new RangeError(
      `Cannot use resource type ${value}: unknown to this SDK`,
    );
  }
  return type;
}

/** The size of a MAC, in bytes. */
export const MAC_SIZE = 32;
