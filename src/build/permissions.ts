/**
 * Which Deno permissions a built connector runs with: one table, by
 * connector type and whether the location is a local path, plus what the
 * connector declares under `permissions:` in its manifest. Nothing else:
 * the SDK serves gRPC on stdin/stdout itself, on every Deno runtime, and
 * needs no grant of its own.
 *
 * | connector                          | granted                      |
 * |------------------------------------|------------------------------|
 * | importer with `localfs`            | `--allow-read`               |
 * | exporter or storage with `localfs` | `--allow-read --allow-write` |
 * | any type without `localfs`         | `--allow-net`                |
 *
 * @module
 */
import { isAbsolute } from "node:path";
import { BuildError } from "./build_error.ts";

/** A permission a connector can be granted. */
export type PermissionName = "read" | "write" | "net" | "env" | "run" | "sys";

/**
 * Every permission name, in the order their flags are written.
 *
 * @example
 * ```ts
 * import { PERMISSION_NAMES } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(PERMISSION_NAMES, ["read", "write", "net", "env", "run", "sys"]);
 * ```
 */
export const PERMISSION_NAMES: readonly PermissionName[] = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "sys",
];

/**
 * What is granted for one permission: everything (`true`) or the listed
 * paths, hosts, variable names or programs.
 */
export type PermissionGrant = true | readonly string[];

/** Grants by permission; a missing permission is not granted. */
export type Permissions = {
  readonly [name in PermissionName]?: PermissionGrant;
};

/** The connector types the SDK serves. */
export type ConnectorKind = "importer" | "exporter" | "storage";

/** What the permission table looks at. */
export interface PermissionSubject {
  /** The connector's type. */
  type: ConnectorKind;
  /** The connector's location flags (only `localfs` matters here). */
  locationFlags: readonly string[];
  /**
   * What the manifest declares under `permissions:`.
   * @default {{}}
   */
  declared?: Permissions;
}

/** The permissions of one connector, as flags. */
export interface DerivedPermissions {
  /** Every flag, table and declared grants merged, in a stable order. */
  flags: string[];
  /** The flags of the declared grants alone (empty when none). */
  declaredFlags: string[];
}

// THE table. Everything else in the build derives from it.
const LOCAL: { readonly [type in ConnectorKind]: Permissions } = {
  importer: { read: true },
  exporter: { read: true, write: true },
  storage: { read: true, write: true },
};
const REMOTE: Permissions = { net: true };

/**
 * The permissions the table grants a connector, before what it declares.
 *
 * @param type The connector's type.
 * @param locationFlags Its location flags.
 * @returns The grants.
 *
 * @example
 * ```ts
 * import { tablePermissions } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(tablePermissions("importer", ["localfs"]), { read: true });
 * assert.deepEqual(tablePermissions("exporter", ["localfs"]), {
 *   read: true,
 *   write: true,
 * });
 * assert.deepEqual(tablePermissions("storage", []), { net: true });
 * ```
 */
export function tablePermissions(
  type: ConnectorKind,
  locationFlags: readonly string[],
): Permissions {
  return locationFlags.includes("localfs") ? LOCAL[type] : REMOTE;
}

/**
 * Merges two sets of grants: `true` wins over a list, lists are joined
 * without duplicates.
 *
 * @param a The first grants.
 * @param b The grants added to them.
 * @returns The union.
 *
 * @example
 * ```ts
 * import { mergePermissions } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   mergePermissions({ env: ["LANG"], read: true }, { env: ["HOME"], read: ["/etc"] }),
 *   { read: true, env: ["LANG", "HOME"] },
 * );
 * ```
 */
export function mergePermissions(a: Permissions, b: Permissions): Permissions {
  const out: { [name in PermissionName]?: PermissionGrant } = {};
  for (const name of PERMISSION_NAMES) {
    const x = a[name];
    const y = b[name];
    if (x === undefined && y === undefined) continue;
    if (x === true || y === true) out[name] = true;
    else out[name] = [...new Set([...(x ?? []), ...(y ?? [])])];
  }
  return out;
}

/**
 * The `deno run` flags of a set of grants, in {@linkcode PERMISSION_NAMES}
 * order.
 *
 * @param permissions The grants.
 * @returns One `--allow-NAME[=a,b]` flag per granted permission.
 *
 * @example
 * ```ts
 * import { permissionFlags } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   permissionFlags({ env: ["LANG", "HOME"], read: true }),
 *   ["--allow-read", "--allow-env=LANG,HOME"],
 * );
 * ```
 */
export function permissionFlags(permissions: Permissions): string[] {
  const flags: string[] = [];
  for (const name of PERMISSION_NAMES) {
    const grant = permissions[name];
    if (grant === undefined) continue;
    if (grant === true) flags.push(`--allow-${name}`);
    else if (grant.length > 0) flags.push(`--allow-${name}=${grant.join(",")}`);
  }
  return flags;
}

/**
 * The permission flags a connector runs with: the table's, merged with what
 * it declares.
 *
 * @param subject The connector's type, location flags and declared grants.
 * @returns All flags, and the declared ones alone.
 *
 * @example An exporter of local paths that also runs `tar`
 * ```ts
 * import { derivePermissions } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * const { flags, declaredFlags } = derivePermissions({
 *   type: "exporter",
 *   locationFlags: ["localfs"],
 *   declared: { run: ["tar"] },
 * });
 * assert.deepEqual(flags, [
 *   "--allow-read",
 *   "--allow-write",
 *   "--allow-run=tar",
 * ]);
 * assert.deepEqual(declaredFlags, ["--allow-run=tar"]);
 * ```
 *
 * @example An importer of local paths declaring nothing
 * ```ts
 * import { derivePermissions } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   derivePermissions({ type: "importer", locationFlags: ["localfs"] }).flags,
 *   ["--allow-read"],
 * );
 * ```
 */
export function derivePermissions(
  subject: PermissionSubject,
): DerivedPermissions {
  const declared = subject.declared ?? {};
  return {
    flags: permissionFlags(
      mergePermissions(
        tablePermissions(subject.type, subject.locationFlags),
        declared,
      ),
    ),
    declaredFlags: permissionFlags(declared),
  };
}

/** Options of {@linkcode parseDeclaredPermissions}. */
export interface ParsePermissionsOptions {
  /**
   * How error messages name the value.
   * @default {"permissions"}
   */
  where?: string;
}

const ITEM = /^[^,\s][^,]*$/;

/**
 * Checks and normalises the `permissions:` value of a connector in a
 * source manifest: a mapping from `read`, `write`, `net`, `env`, `run`, `sys`
 * to `true` (everything) or a list of absolute paths, hosts, names,
 * programs or system APIs (`hostname`, `osRelease`, ...). `ffi` is refused:
 * native code would leave the sandbox the other permissions draw.
 *
 * @param value The parsed YAML value.
 * @param options How to name the value.
 * @returns The grants.
 * @throws {BuildError} When the value has another shape.
 *
 * @example
 * ```ts
 * import { parseDeclaredPermissions } from "./permissions.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   parseDeclaredPermissions({ read: ["/srv/data"], net: true }, {}),
 *   { read: ["/srv/data"], net: true },
 * );
 * assert.throws(
 *   () => parseDeclaredPermissions({ ffi: true }, {}),
 *   /permission "ffi" cannot be granted/,
 * );
 * ```
 */
export function parseDeclaredPermissions(
  value: unknown,
  options: ParsePermissionsOptions,
): Permissions {
  const where = options.where ?? "permissions";
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new BuildError(
      `${where} must be a mapping of ${
        PERMISSION_NAMES.join(", ")
      } to true or a list`,
    );
  }
  const out: { [name in PermissionName]?: PermissionGrant } = {};
  for (const [key, grant] of Object.entries(value)) {
    if (key === "ffi") {
      throw new BuildError(
        `${where}: permission "ffi" cannot be granted: native code would leave the sandbox the other permissions draw`,
      );
    }
    if (!(PERMISSION_NAMES as readonly string[]).includes(key)) {
      throw new BuildError(
        `${where}: unknown permission "${key}" (expected one of ${
          PERMISSION_NAMES.join(", ")
        })`,
      );
    }
    const name = key as PermissionName;
    if (grant === true) {
      out[name] = true;
      continue;
    }
    if (
      !Array.isArray(grant) || grant.length === 0 ||
      !grant.every((item) => typeof item === "string" && ITEM.test(item))
    ) {
      throw new BuildError(
        `${where}.${name} must be true or a non-empty list of names without commas, not ${
          JSON.stringify(grant)
        }`,
      );
    }
    const items = grant as string[];
    if (name === "read" || name === "write") {
      const relative = items.find((p) => !isAbsolute(p));
      if (relative !== undefined) {
        throw new BuildError(
          `${where}.${name}: "${relative}" is a relative path; give an absolute one (a built connector runs from plakar's cache, on the machine that installs it)`,
        );
      }
    }
    out[name] = [...items];
  }
  return out;
}
