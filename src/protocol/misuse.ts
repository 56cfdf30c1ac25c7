// Values of the wrong type a connector hands the SDK (what TypeScript catches,
// and plain JavaScript or a cast lets through): said in a sentence naming the
// record and the field, rather than sent as something else (a mode "0644" as
// 0o1204, a kind "regular" as a file) or failing without a name.
import type { FileInfo } from "../file_info.ts";
import { isFileKind } from "./file_mode.ts";

/**
 * What the SDK throws about a value a connector gave it: its message names
 * the value and where it was, so no stack is shown (see status.ts).
 */
export class MisuseError extends TypeError {
  override name = "TypeError";
}

/**
 * What is wrong with `info`, as the end of a sentence about the record, or
 * `undefined` when it will encode as meant.
 */
export function fileInfoProblem(info: FileInfo): string | undefined {
  if (typeof info !== "object" || info === null) {
    return `its fileInfo is ${describe(info)}, not an object`;
  }
  if (typeof info.name !== "string") {
    return `its fileInfo.name is ${describe(info.name)}, not a string`;
  }
  if (!isFileKind(info.kind)) {
    return `its fileInfo.kind is ${
      describe(info.kind)
    }: it must be one of file, directory, symlink, block-device, char-device, named-pipe, socket, irregular`;
  }
  if (!Number.isSafeInteger(info.size) || info.size < 0) {
    return `its fileInfo.size is ${describe(info.size)}, not a number of bytes${
      typeof info.size === "bigint" ? " (convert it with Number())" : ""
    }`;
  }
  if (!Number.isSafeInteger(info.mode) || info.mode < 0) {
    return `its fileInfo.mode is ${
      describe(info.mode)
    }, not a number of permission bits such as 0o644`;
  }
  const mtime: unknown = info.mtimeNs;
  if (
    typeof mtime !== "bigint" &&
    !(typeof mtime === "number" && Number.isSafeInteger(mtime))
  ) {
    return `its fileInfo.mtimeNs is ${
      describe(mtime)
    }, not nanoseconds since the epoch as a bigint (BigInt(Date.parse(text)) * 1_000_000n)`;
  }
  for (const key of ["uid", "gid", "nlink", "flags"] as const) {
    const value = info[key];
    if (value !== undefined && !Number.isSafeInteger(value)) {
      return `its fileInfo.${key} is ${describe(value)}, not a whole number`;
    }
  }
  for (const key of ["dev", "ino"] as const) {
    const value = info[key];
    if (value !== undefined && typeof value !== "bigint") {
      return `its fileInfo.${key} is ${describe(value)}, not a bigint`;
    }
  }
  for (const key of ["username", "groupname"] as const) {
    const value = info[key];
    if (value !== undefined && typeof value !== "string") {
      return `its fileInfo.${key} is ${describe(value)}, not a string`;
    }
  }
  return undefined;
}

/** A value as an author would recognise it in an error message. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value)}`;
    case "bigint":
      return `the bigint ${value}n`;
    case "undefined":
      return "missing";
    case "object":
      if (value === null) return "null";
      if (value instanceof Uint8Array) {
        const n = value.byteLength;
        return `a Uint8Array of ${n} byte${n === 1 ? "" : "s"}`;
      }
      return `an object (${
        Object.prototype.toString.call(value).slice(8, -1)
      })`;
    case "function":
      return "a function";
    default:
      return String(value);
  }
}
