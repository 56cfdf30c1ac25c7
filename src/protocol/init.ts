// Decoding of the Init request shared by the three services.
import type { HostOptions, StorageInit } from "../connector.ts";
import type { Options } from "../../proto/gen/importer/importer_pb.ts";

/** The proto, location and configuration of an Init request. */
export function initConfig(
  proto: string,
  config: { [key: string]: string },
): StorageInit {
  const frozen = Object.freeze({ ...config });
  return { proto, location: frozen.location ?? "", config: frozen };
}

/** The host's options of an importer or exporter Init request. */
export function hostOptions(options: Options | undefined): HostOptions {
  return {
    hostname: options?.hostname ?? "",
    os: options?.os ?? "",
    arch: options?.arch ?? "",
    cwd: options?.cwd ?? "",
    maxConcurrency: Number(options?.maxconcurrency ?? 0n),
    excludes: Object.freeze([...(options?.excludes ?? [])]),
    noXattr: options?.noxattr ?? false,
  };
}
