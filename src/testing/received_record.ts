import type { FileInfo } from "../file_info.ts";
import type { XattrKind } from "../record.ts";
import type { LocationFlag } from "../location_flags.ts";
import { LOCATION_FLAGS } from "../location_flags.ts";
import {
  decodeFileInfo,
  encodeFileInfo,
  type WireRecord,
} from "../protocol/codec.ts";

/**
 * A record as the host receives it from an importer.
 *
 * @example
 * ```ts
 * import type { ReceivedRecord } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const record: ReceivedRecord = {
 *   pathname: "/a", hasReader: false, target: "", xattrs: [], fileAttributes: 0,
 * };
 * assert.strictEqual(record.fileInfo, undefined);
 * ```
 */
export interface ReceivedRecord {
  /** The record's path. */
  pathname: string;
  /** Whether plakar may Open it. */
  hasReader: boolean;
  /** The record's metadata; absent on error and xattr records without one. */
  fileInfo?: FileInfo;
  /** A symlink's target. */
  target: string;
  /** The error of an error record. */
  error?: string;
  /** Set on an extended attribute record. */
  xattr?: { name: string; kind: XattrKind };
  /** Names of the entry's extended attributes. */
  xattrs: readonly string[];
  /** Windows file attributes. */
  fileAttributes: number;
}

/**
 * What a connector answered to Init.
 *
 * @example
 * ```ts
 * import type { InitResult } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const result: InitResult = { origin: "h", type: "t", root: "/", flags: [] };
 * assert.strictEqual(result.root, "/");
 * ```
 */
export interface InitResult {
  /** The connector's origin. */
  origin: string;
  /** The connector's type. */
  type: string;
  /** The connector's root. */
  root: string;
  /** The flags it declared. */
  flags: LocationFlag[];
}

/** Decodes a wire record for the host side. */
export function receivedRecord(wire: WireRecord): ReceivedRecord {
  const record: ReceivedRecord = {
    pathname: wire.pathname,
    hasReader: wire.hasReader,
    target: wire.target,
    xattrs: wire.extendedAttributes,
    fileAttributes: wire.fileAttributes,
  };
  if (wire.fileInfo) {
    record.fileInfo = decodeFileInfo(wire.fileInfo, wire.pathname);
  }
  if (wire.error !== "") record.error = wire.error;
  if (wire.isXattr) {
    record.xattr = {
      name: wire.xattrName,
      kind: wire.xattrType === 1 ? "ads" : "extended",
    };
  }
  return record;
}

/** Decodes flag bits. */
export function decodeFlags(bits: number): LocationFlag[] {
  return LOCATION_FLAGS.filter((_, i) => (bits & (1 << i)) !== 0);
}

/**
 * The record plakar sends back in its acknowledgement of a received one: the
 * whole record as it decoded it, file info included (go-kloset-sdk's
 * importers reject an acknowledgement without it), with the size of what it
 * read of a regular file's content.
 */
export function ackHeader(
  record: ReceivedRecord,
  readSize?: number,
): WireRecord {
  const plain = record.error === undefined && record.xattr === undefined;
  // plakar sets the size to what it read of a regular file's content.
  const fileInfo = plain && record.fileInfo
    ? encodeFileInfo(
      readSize !== undefined && record.fileInfo.kind === "file"
        ? { ...record.fileInfo, size: readSize }
        : record.fileInfo,
    )
    : undefined;
  return {
    // plakar's rule, whatever the importer said: it gave every record a
    // reader.
    hasReader: record.error === undefined &&
      (record.xattr !== undefined || record.fileInfo?.kind === "file"),
    pathname: record.pathname,
    error: record.error ?? "",
    isXattr: record.xattr !== undefined,
    xattrName: record.xattr?.name ?? "",
    xattrType: record.xattr?.kind === "ads" ? 1 : 0,
    target: record.target,
    fileInfo,
    extendedAttributes: [...record.xattrs],
    fileAttributes: record.fileAttributes,
  };
}

/**
 * The record plakar's Open names the content by: its path, what makes it an
 * extended attribute, and its target; nothing else.
 */
export function openHeader(record: ReceivedRecord): WireRecord {
  return {
    hasReader: false,
    pathname: record.pathname,
    error: "",
    isXattr: record.xattr !== undefined,
    xattrName: record.xattr?.name ?? "",
    xattrType: record.xattr?.kind === "ads" ? 1 : 0,
    target: record.target,
    fileInfo: undefined,
    extendedAttributes: [],
    fileAttributes: 0,
  };
}
