/**
 * The source manifest of a connector package: plakar's `manifest.yaml`
 * (github.com/PlakarKorp/pkg v1.1.0) plus two keys per connector that only
 * the build reads, `entry` (the TypeScript file to run) and `permissions`
 * (Deno permissions beyond what the type and location flags imply).
 *
 * Validation is strict where plakar is silent: plakar ignores unknown keys
 * (so `flags:` instead of `location_flags:` is lost without a word) and
 * only fails at `pkg add` or at run time on other mistakes.
 *
 * @module
 */
import {
  parse as parseYaml,
  stringify as stringifyYaml,
} from "npm:yaml@^2.8.0";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { BuildError } from "./build_error.ts";
import {
  type ConnectorKind,
  parseDeclaredPermissions,
  type Permissions,
} from "./permissions.ts";

/**
 * The connector types a package built with this SDK can hold.
 *
 * @example
 * ```ts
 * import { CONNECTOR_TYPES } from "./manifest.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(CONNECTOR_TYPES.includes("storage"));
 * ```
 */
export const CONNECTOR_TYPES: readonly ConnectorKind[] = [
  "importer",
  "exporter",
  "storage",
];

/**
 * The location flags plakar v1.1.4 knows (kloset v1.1.3 `ParseFlag`).
 *
 * @example
 * ```ts
 * import { KNOWN_LOCATION_FLAGS } from "./manifest.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(KNOWN_LOCATION_FLAGS.includes("localfs"));
 * ```
 */
export const KNOWN_LOCATION_FLAGS: readonly string[] = [
  "localfs",
  "file",
  "stream",
  "needack",
  "nomerge",
];

/**
 * Protocols built into plakar v1.1.4, by connector type: a package cannot
 * provide one of these for that type (plakar keeps one registry per type,
 * so an `https` importer is fine, an `https` storage is not).
 *
 * @example
 * ```ts
 * import { BUILTIN_PROTOCOLS } from "./manifest.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(BUILTIN_PROTOCOLS.importer.includes("fs"));
 * assert.ok(!BUILTIN_PROTOCOLS.importer.includes("https"));
 * ```
 */
export const BUILTIN_PROTOCOLS: Readonly<
  Record<ConnectorKind, readonly string[]>
> = {
  importer: ["fs", "stdin", "tar", "tar+gz", "tar+gzip", "tgz"],
  exporter: ["fs", "stdout", "stderr"],
  storage: ["fs", "http", "https", "ptar", "ptar+http", "ptar+https"],
};

const TOP_KEYS = [
  "name",
  "display_name",
  "description",
  "tier",
  "contact",
  "homepage",
  "license",
  "tags",
  "api_version",
  "connectors",
] as const;

const CONNECTOR_PLAKAR_KEYS = [
  "type",
  "class",
  "subclass",
  "validator",
  "protocols",
  "location_flags",
  "executable",
  "args",
  "extra_files",
] as const;

const CONNECTOR_OWN_KEYS = ["entry", "permissions"] as const;

const HINTS: Readonly<Record<string, string>> = {
  flags: "plakar ignores it: the key is location_flags",
  location: "plakar ignores it: the key is location_flags",
  locationFlags: "plakar ignores it: the key is location_flags",
  "location-flags": "plakar ignores it: the key is location_flags",
  version: "plakar ignores it: give the version to plakar pkg create",
  extra_file: "plakar ignores it: the key is extra_files",
  protocol: "plakar ignores it: the key is protocols, a list",
  tag: "plakar ignores it: the key is tags",
};

const PACKAGE_NAME = /^[A-Za-z0-9-]+$/;
// plakar reads a scheme of one character as a path (kloset's location
// lookup: Windows drive letters).
const PROTOCOL = /^[a-z][a-z0-9+.-]+$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** One connector of a source manifest, checked. */
export interface ConnectorManifest {
  /** Its type. */
  type: ConnectorKind;
  /** The protocols (URL schemes) it serves. */
  protocols: string[];
  /** Its location flags. */
  locationFlags: string[];
  /** The file name of its executable in the built package. */
  executable: string;
  /** The absolute path of the TypeScript (or JavaScript) file it runs. */
  entry: string;
  /** What it declares under `permissions:`. */
  permissions: Permissions;
  /** Its JSON Schema file, relative to the manifest's directory, if any. */
  validator?: string;
  /** Other files to ship, relative to the manifest's directory. */
  extraFiles: string[];
  /** Its plakar keys as written (no `entry`, no `permissions`). */
  plakar: Record<string, unknown>;
}

/** A source manifest, checked. */
export interface PackageManifest {
  /** The absolute path of the manifest file. */
  path: string;
  /** The directory the manifest's relative paths start from. */
  dir: string;
  /** The package name. */
  name: string;
  /** Its connectors, in manifest order. */
  connectors: ConnectorManifest[];
  /** Its top-level plakar keys as written, `connectors` left out. */
  plakar: Record<string, unknown>;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return typeof value === "string" || typeof value === "number" ||
    typeof value === "boolean";
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function unknownKey(where: string, key: string, known: readonly string[]) {
  const hint = HINTS[key] ?? `expected one of ${known.join(", ")}`;
  return new BuildError(`${where}: unknown key "${key}" (${hint})`);
}

function stringList(
  value: unknown,
  where: string,
  options: { required: boolean },
): string[] {
  if (value === undefined || value === null) {
    if (options.required) {
      throw new BuildError(`${where} is missing (a non-empty list)`);
    }
    return [];
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new BuildError(
      `${where} must be a list of strings, not ${show(value)}`,
    );
  }
  if (options.required && value.length === 0) {
    throw new BuildError(`${where} must not be empty`);
  }
  return value as string[];
}

function requiredString(value: unknown, where: string): string {
  if (value === undefined || value === null) {
    throw new BuildError(`${where} is missing`);
  }
  if (typeof value !== "string" || value.trim() === "") {
    throw new BuildError(
      `${where} must be a non-empty string, not ${show(value)}`,
    );
  }
  return value;
}

/** A path inside `dir`, relative to it, or an error naming `where`. */
function insideDir(dir: string, path: string, where: string): string {
  const rel = relative(dir, resolve(dir, path));
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
    throw new BuildError(
      `${where} "${path}" must be a file inside the manifest's directory ${dir}`,
    );
  }
  return rel;
}

function parseConnector(
  raw: unknown,
  index: number,
  dir: string,
): ConnectorManifest {
  let where = `connectors[${index}]`;
  if (!isMapping(raw)) {
    throw new BuildError(`${where} must be a mapping, not ${show(raw)}`);
  }
  if (typeof raw.executable === "string") where += ` (${raw.executable})`;
  const known = [...CONNECTOR_PLAKAR_KEYS, ...CONNECTOR_OWN_KEYS];
  for (const key of Object.keys(raw)) {
    if (!(known as readonly string[]).includes(key)) {
      throw unknownKey(where, key, known);
    }
  }

  const type = raw.type;
  if (type === undefined || type === null) {
    throw new BuildError(
      `${where}: type is missing (importer, exporter or storage)`,
    );
  }
  if (!(CONNECTOR_TYPES as readonly unknown[]).includes(type)) {
    const hint = type === "store" ? ' (plakar spells it "storage")' : "";
    throw new BuildError(
      `${where}: type must be importer, exporter or storage, not ${
        show(type)
      }${hint}`,
    );
  }

  const protocols = stringList(raw.protocols, `${where}: protocols`, {
    required: true,
  });
  for (const protocol of protocols) {
    if (
      BUILTIN_PROTOCOLS[type as ConnectorKind].includes(protocol.toLowerCase())
    ) {
      throw new BuildError(
        `${where}: protocol "${protocol}" is built into plakar as ${
          type === "storage" ? "a" : "an"
        } ${type} and cannot be provided by a package`,
      );
    }
    if (!PROTOCOL.test(protocol)) {
      throw new BuildError(
        `${where}: protocol "${protocol}" is not a URL scheme plakar routes (a lowercase letter, then at least one more of letters, digits, "+", "-", ".")`,
      );
    }
  }

  const locationFlags = stringList(
    raw.location_flags,
    `${where}: location_flags`,
    { required: false },
  );
  for (const flag of locationFlags) {
    if (!KNOWN_LOCATION_FLAGS.includes(flag)) {
      throw new BuildError(
        `${where}: unknown location flag "${flag}" (expected one of ${
          KNOWN_LOCATION_FLAGS.join(", ")
        })`,
      );
    }
  }

  const executable = requiredString(raw.executable, `${where}: executable`);
  if (!FILE_NAME.test(executable) || executable === "manifest.yaml") {
    throw new BuildError(
      `${where}: executable "${executable}" must be a plain file name (letters, digits, ".", "_", "+", "-"), not a path`,
    );
  }

  if (raw.args !== undefined && raw.args !== null) {
    throw new BuildError(
      `${where}: args is not supported: a connector built with this SDK takes no arguments (configuration arrives in Init)`,
    );
  }

  const entryValue = requiredString(
    raw.entry,
    `${where}: entry (the TypeScript file to run)`,
  );
  const entry = resolve(dir, entryValue);

  for (const key of ["class", "subclass"] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== "string") {
      throw new BuildError(
        `${where}: ${key} must be a string, not ${show(raw[key])}`,
      );
    }
  }

  let validator: string | undefined;
  if (raw.validator !== undefined && raw.validator !== null) {
    validator = insideDir(
      dir,
      requiredString(raw.validator, `${where}: validator`),
      `${where}: validator`,
    );
  }
  const extraFiles = stringList(raw.extra_files, `${where}: extra_files`, {
    required: false,
  }).map((file) => insideDir(dir, file, `${where}: extra_files entry`));

  const permissions = parseDeclaredPermissions(raw.permissions, {
    where: `${where}: permissions`,
  });

  const plakar: Record<string, unknown> = {};
  for (const key of CONNECTOR_PLAKAR_KEYS) {
    if (raw[key] !== undefined) plakar[key] = raw[key];
  }
  if (validator !== undefined) plakar.validator = validator;
  if (extraFiles.length > 0) plakar.extra_files = extraFiles;

  const connector: ConnectorManifest = {
    type: type as ConnectorKind,
    protocols,
    locationFlags,
    executable,
    entry,
    permissions,
    extraFiles,
    plakar,
  };
  if (validator !== undefined) connector.validator = validator;
  return connector;
}

/**
 * Parses and checks a source manifest. Pure: files named by the manifest
 * are not looked at (see {@linkcode readManifest}).
 *
 * @param text The manifest's YAML text.
 * @param path The manifest's absolute path (relative paths in it start from
 *   its directory; messages name it).
 * @returns The checked manifest.
 * @throws {BuildError} With one line naming the file and the problem.
 *
 * @example
 * ```ts
 * import { parseManifest } from "./manifest.ts";
 * import assert from "node:assert/strict";
 *
 * const manifest = parseManifest(
 *   [
 *     "name: hello",
 *     "connectors:",
 *     "  - type: importer",
 *     "    protocols: [hello]",
 *     "    executable: hello-importer",
 *     "    entry: importer.ts",
 *   ].join("\n"),
 *   "/src/hello/manifest.yaml",
 * );
 * assert.equal(manifest.connectors[0]?.entry, "/src/hello/importer.ts");
 * assert.throws(
 *   () => parseManifest("connectors: []", "/src/hello/manifest.yaml"),
 *   /name is missing/,
 * );
 * ```
 */
export function parseManifest(text: string, path: string): PackageManifest {
  const dir = dirname(path);
  try {
    return parseChecked(text, path, dir);
  } catch (error) {
    if (error instanceof BuildError) {
      throw new BuildError(`${path}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function parseChecked(
  text: string,
  path: string,
  dir: string,
): PackageManifest {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    // The YAML parser reads two debugging variables: without env access,
    // that is what to say, not the manifest.
    if (error instanceof Deno.errors.NotCapable) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    // Its first line ends with ":" before a code frame: the place is enough.
    throw new BuildError(
      `not valid YAML: ${detail.split("\n")[0]!.replace(/:$/, "")}`,
    );
  }
  if (!isMapping(raw)) {
    throw new BuildError(`must be a YAML mapping, not ${show(raw)}`);
  }
  for (const key of Object.keys(raw)) {
    if (!(TOP_KEYS as readonly string[]).includes(key)) {
      if (key === "entry" || key === "permissions") {
        throw new BuildError(
          `"${key}" belongs to each connector under connectors, not at the top level`,
        );
      }
      throw unknownKey("top level", key, TOP_KEYS);
    }
  }
  if (raw.name === undefined || raw.name === null) {
    throw new BuildError("name is missing (the package name)");
  }
  const name = requiredString(raw.name, "name");
  if (!PACKAGE_NAME.test(name)) {
    throw new BuildError(
      `name "${name}" may only contain letters, digits and "-" (plakar pkg add refuses others)`,
    );
  }
  for (const key of TOP_KEYS) {
    if (key === "tags" || key === "connectors") continue;
    if (raw[key] !== undefined && raw[key] !== null && !isScalar(raw[key])) {
      throw new BuildError(`${key} must be a string, not ${show(raw[key])}`);
    }
  }
  if (raw.tags !== undefined && raw.tags !== null) {
    if (!Array.isArray(raw.tags) || !raw.tags.every(isScalar)) {
      throw new BuildError(
        `tags must be a list of strings, not ${show(raw.tags)}`,
      );
    }
  }
  if (raw.connectors === undefined || raw.connectors === null) {
    throw new BuildError("connectors is missing (a non-empty list)");
  }
  if (!Array.isArray(raw.connectors) || raw.connectors.length === 0) {
    throw new BuildError("connectors must be a non-empty list");
  }
  const connectors = raw.connectors.map((c, i) => parseConnector(c, i, dir));

  const executables = new Set<string>();
  const served = new Set<string>();
  const shipped = new Set<string>();
  for (const c of connectors) {
    for (const file of [c.validator, ...c.extraFiles]) {
      if (file !== undefined) shipped.add(file);
    }
  }
  for (const [i, c] of connectors.entries()) {
    if (executables.has(c.executable)) {
      throw new BuildError(
        `connectors[${i}]: executable "${c.executable}" is used by another connector`,
      );
    }
    if (shipped.has(c.executable)) {
      throw new BuildError(
        `connectors[${i}]: executable "${c.executable}" is also a validator or extra file`,
      );
    }
    executables.add(c.executable);
    for (const protocol of c.protocols) {
      const key = `${c.type} ${protocol}`;
      if (served.has(key)) {
        throw new BuildError(
          `connectors[${i}] (${c.executable}): another ${c.type} already serves protocol "${protocol}"`,
        );
      }
      served.add(key);
    }
  }

  const plakar: Record<string, unknown> = {};
  for (const key of TOP_KEYS) {
    if (key !== "connectors" && raw[key] !== undefined) plakar[key] = raw[key];
  }
  return { path, dir, name, connectors, plakar };
}

async function checkFile(path: string, what: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new BuildError(`${what} "${path}" cannot be read: ${reason}`);
  }
  if (!info.isFile) {
    throw new BuildError(`${what} "${path}" is not a regular file`);
  }
}

/**
 * Reads, parses and checks the source manifest of a connector package, and
 * checks the files it names: every entry exists, every validator is valid
 * JSON, every extra file exists.
 *
 * @param path The package directory, or its `manifest.yaml`.
 * @returns The checked manifest.
 * @throws {BuildError} With one line naming the file and the problem.
 *
 * @example Reading the fs example
 * ```ts
 * import { readManifest } from "./manifest.ts";
 * import assert from "node:assert/strict";
 *
 * const manifest = await readManifest(
 *   new URL("../../examples/fs", import.meta.url).pathname,
 * );
 * assert.equal(manifest.name, "denofs");
 * ```
 */
export async function readManifest(path: string): Promise<PackageManifest> {
  let file = resolve(path);
  try {
    if ((await Deno.stat(file)).isDirectory) {
      file = resolve(file, "manifest.yaml");
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new BuildError(`Cannot build "${path}": no such directory`);
    }
    throw error;
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new BuildError(`Cannot build "${path}": no manifest.yaml in it`);
    }
    throw error;
  }
  const manifest = parseManifest(text, file);
  for (const [i, c] of manifest.connectors.entries()) {
    const where = `${file}: connectors[${i}] (${c.executable}):`;
    await checkFile(c.entry, `${where} entry`);
    if (c.validator !== undefined) {
      const validator = resolve(manifest.dir, c.validator);
      await checkFile(validator, `${where} validator`);
      let schema: unknown;
      try {
        schema = JSON.parse(await Deno.readTextFile(validator));
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new BuildError(
          `${where} validator "${validator}" is not valid JSON: ${detail}`,
        );
      }
      if (
        typeof schema !== "object" || schema === null || Array.isArray(schema)
      ) {
        throw new BuildError(
          `${where} validator "${validator}" must hold a JSON object (a JSON schema), which plakar requires`,
        );
      }
    }
    for (const extra of c.extraFiles) {
      await checkFile(resolve(manifest.dir, extra), `${where} extra file`);
    }
  }
  return manifest;
}

/**
 * The `manifest.yaml` that goes into the built package: plakar's keys only,
 * in plakar's order, `entry` and `permissions` removed.
 *
 * @param manifest The checked source manifest.
 * @returns The YAML text.
 *
 * @example
 * ```ts
 * import { parseManifest, plakarManifestText } from "./manifest.ts";
 * import assert from "node:assert/strict";
 *
 * const text = plakarManifestText(parseManifest(
 *   "name: x\nconnectors: [{type: importer, protocols: [xx], executable: x-imp, entry: i.ts}]",
 *   "/src/x/manifest.yaml",
 * ));
 * assert.ok(text.includes("executable: x-imp"));
 * assert.ok(!text.includes("entry"));
 * ```
 */
export function plakarManifestText(manifest: PackageManifest): string {
  const doc = {
    ...manifest.plakar,
    connectors: manifest.connectors.map((c) => c.plakar),
  };
  // The source's own name only: the package goes to other machines.
  return `# Generated by "deno task build" from the ${manifest.name} sources' manifest.yaml; edit that file instead.\n` +
    stringifyYaml(doc, { lineWidth: 0 });
}
