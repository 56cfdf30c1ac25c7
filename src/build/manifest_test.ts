import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { BuildError } from "./build_error.ts";
import { parseManifest, plakarManifestText, readManifest } from "./manifest.ts";

const PATH = "/src/pkg/manifest.yaml";
const EXAMPLE = fileURLToPath(new URL("../../examples/fs", import.meta.url));

/** A valid manifest with one connector whose lines `connector` replaces. */
function manifest(
  connector: string[] = [],
  top: string[] = ["name: demo"],
): string {
  const lines = connector.length > 0 ? connector : [
    "type: importer",
    "protocols: [demo]",
    "location_flags: [localfs]",
    "executable: demo-importer",
    "entry: importer.ts",
  ];
  return [
    ...top,
    "connectors:",
    ...lines.map((l, i) => (i === 0 ? "  - " : "    ") + l),
  ]
    .join("\n");
}

function assertRefused(text: string, message: RegExp): void {
  assert.throws(
    () => parseManifest(text, PATH),
    (error: unknown) => {
      assert.ok(error instanceof BuildError, String(error));
      assert.match(error.message, message);
      assert.ok(error.message.startsWith(`${PATH}: `), error.message);
      assert.ok(!error.message.includes("\n"), error.message);
      return true;
    },
    text,
  );
}

function connector(overrides: Record<string, string>): string[] {
  const base: Record<string, string> = {
    type: "importer",
    protocols: "[demo]",
    executable: "demo-importer",
    entry: "importer.ts",
    ...overrides,
  };
  return Object.entries(base).filter(([, v]) => v !== "").map(([k, v]) =>
    `${k}: ${v}`
  );
}

Deno.test("parseManifest() reads plakar's keys and ours", () => {
  const m = parseManifest(
    manifest([
      "type: storage",
      "class: object-storage",
      "protocols: [demo, demo+tls]",
      "location_flags: [nomerge]",
      "executable: demo-storage",
      "entry: src/storage.ts",
      "validator: schema/storage.json",
      "extra_files: [README.md]",
      "permissions: {net: [demo.example:443], env: [DEMO_TOKEN]}",
    ], ["name: demo", "description: A demo", "api_version: 1.0.0"]),
    PATH,
  );
  assert.equal(m.name, "demo");
  assert.equal(m.dir, "/src/pkg");
  assert.deepEqual(m.plakar, {
    name: "demo",
    description: "A demo",
    api_version: "1.0.0",
  });
  const c = m.connectors[0]!;
  assert.equal(c.type, "storage");
  assert.deepEqual(c.protocols, ["demo", "demo+tls"]);
  assert.deepEqual(c.locationFlags, ["nomerge"]);
  assert.equal(c.entry, "/src/pkg/src/storage.ts");
  assert.equal(c.validator, "schema/storage.json");
  assert.deepEqual(c.extraFiles, ["README.md"]);
  assert.deepEqual(c.permissions, {
    net: ["demo.example:443"],
    env: ["DEMO_TOKEN"],
  });
  assert.deepEqual(c.plakar, {
    type: "storage",
    class: "object-storage",
    protocols: ["demo", "demo+tls"],
    location_flags: ["nomerge"],
    executable: "demo-storage",
    validator: "schema/storage.json",
    extra_files: ["README.md"],
  });
});

Deno.test("parseManifest() refuses a missing or bad name", () => {
  assertRefused(manifest([], []), /: name is missing/);
  assertRefused(manifest([], ["name: ''"]), /name must be a non-empty string/);
  assertRefused(
    manifest([], ["name: my_pkg"]),
    /name "my_pkg" may only contain letters, digits and "-"/,
  );
  assertRefused(manifest([], ["name: [a]"]), /name must be a non-empty string/);
});

Deno.test("parseManifest() refuses a bad type", () => {
  assertRefused(
    manifest(connector({ type: "store" })),
    /connectors\[0\] \(demo-importer\): type must be importer, exporter or storage, not "store" \(plakar spells it "storage"\)/,
  );
  assertRefused(
    manifest(connector({ type: "secret_provider" })),
    /not "secret_provider"/,
  );
  assertRefused(manifest(connector({ type: "" })), /type is missing/);
});

Deno.test("parseManifest() refuses an unknown location flag", () => {
  assertRefused(
    manifest(connector({ location_flags: "[localfs, local]" })),
    /unknown location flag "local" \(expected one of localfs, file, stream, needack, nomerge\)/,
  );
  assertRefused(
    manifest(connector({ location_flags: "localfs" })),
    /location_flags must be a list of strings/,
  );
});

Deno.test("parseManifest() refuses protocols built into plakar for the same type only", () => {
  const builtIn: Record<string, string[]> = {
    importer: ["fs", "stdin", "tar", "tar+gz", "tar+gzip", "tgz", "FS"],
    exporter: ["fs", "stdout", "stderr"],
    storage: ["fs", "http", "https", "ptar", "ptar+http", "ptar+https"],
  };
  for (const [type, protocols] of Object.entries(builtIn)) {
    for (const protocol of protocols) {
      assertRefused(
        manifest(connector({ type, protocols: `[demo, "${protocol}"]` })),
        new RegExp(
          `protocol "${protocol.replace("+", "\\+")}" is built into plakar as ${
            type === "storage" ? "a" : "an"
          } ${type} `,
        ),
      );
    }
  }
  // plakar keeps one registry per type: these are free.
  for (
    const [type, protocol] of [
      ["importer", "https"],
      ["importer", "stdout"],
      ["exporter", "tar"],
      ["storage", "stdin"],
    ]
  ) {
    const parsed = parseManifest(
      manifest(connector({ type: type!, protocols: `[${protocol}]` })),
      "manifest.yaml",
    );
    assert.deepEqual(parsed.connectors[0]!.protocols, [protocol]);
  }
  // One character: plakar reads it as a path (a drive letter).
  assertRefused(
    manifest(connector({ protocols: "[x]" })),
    /"x" is not a URL scheme plakar routes/,
  );
  assertRefused(
    manifest(connector({ protocols: "[]" })),
    /protocols must not be empty/,
  );
  assertRefused(manifest(connector({ protocols: "" })), /protocols is missing/);
  assertRefused(
    manifest(connector({ protocols: "[my_proto]" })),
    /"my_proto" is not a URL scheme/,
  );
});

Deno.test("parseManifest() refuses a missing entry, executable or bad executable", () => {
  assertRefused(
    manifest(connector({ entry: "" })),
    /entry \(the TypeScript file to run\) is missing/,
  );
  assertRefused(
    manifest(connector({ executable: "" })),
    /connectors\[0\]: executable is missing/,
  );
  assertRefused(
    manifest(connector({ executable: "bin/imp" })),
    /executable "bin\/imp" must be a plain file name/,
  );
});

Deno.test("parseManifest() refuses keys plakar would ignore, with a hint", () => {
  assertRefused(
    manifest(connector({ flags: "[localfs]" })),
    /unknown key "flags" \(plakar ignores it: the key is location_flags\)/,
  );
  assertRefused(
    manifest([], ["name: demo", "version: 1.0.0"]),
    /top level: unknown key "version" \(plakar ignores it: give the version to plakar pkg create\)/,
  );
  assertRefused(
    manifest([], ["name: demo", "entry: x.ts"]),
    /"entry" belongs to each connector/,
  );
  assertRefused(manifest(connector({ args: "[-v]" })), /args is not supported/);
});

Deno.test("parseManifest() refuses two connectors of one type on one protocol", () => {
  const text = [
    "name: demo",
    "connectors:",
    "  - {type: importer, protocols: [aa], executable: one, entry: i.ts}",
    "  - {type: importer, protocols: [bb, aa], executable: two, entry: i.ts}",
    "  - {type: exporter, protocols: [aa], executable: three, entry: e.ts}",
  ].join("\n");
  assertRefused(
    text,
    /connectors\[1\] \(two\): another importer already serves protocol "aa"/,
  );
  assertRefused(
    text.replace("executable: two", "executable: one").replace(
      "[bb, aa]",
      "[bb]",
    ),
    /executable "one" is used by another connector/,
  );
});

Deno.test("parseManifest() refuses files outside the manifest's directory", () => {
  assertRefused(
    manifest(connector({ validator: "../schema.json" })),
    /validator "..\/schema.json" must be a file inside/,
  );
  assertRefused(
    manifest(connector({ extra_files: "[/etc/passwd]" })),
    /extra_files entry "\/etc\/passwd" must be a file inside/,
  );
});

Deno.test("parseManifest() refuses what is not a manifest", () => {
  assertRefused("name: [", /not valid YAML/);
  // Where, but not the code frame the parser adds after a colon.
  assertRefused(
    "name: demo\nconnectors:\n  - type: importer\n    protocols: [x\n",
    /: not valid YAML: .* at line \d+, column \d+$/,
  );
  assertRefused("- a\n- b", /must be a YAML mapping/);
  assertRefused("name: demo", /connectors is missing/);
  assertRefused(
    "name: demo\nconnectors: []",
    /connectors must be a non-empty list/,
  );
  assertRefused(
    "name: demo\nconnectors: [importer]",
    /connectors\[0\] must be a mapping/,
  );
});

Deno.test("plakarManifestText() keeps plakar's keys only", () => {
  const m = parseManifest(
    manifest([
      "type: exporter",
      "protocols: [demo]",
      "location_flags: [localfs]",
      "executable: demo-exporter",
      "entry: exporter.ts",
      "permissions: {run: [tar]}",
    ], ["name: demo", "tags: [a, b]", "license: ISC"]),
    PATH,
  );
  const text = plakarManifestText(m);
  assert.match(
    text,
    /^# Generated by "deno task build" from the \S+ sources' manifest\.yaml; edit that file instead\.\n/,
  );
  assert.deepEqual(parseYaml(text), {
    name: "demo",
    license: "ISC",
    tags: ["a", "b"],
    connectors: [{
      type: "exporter",
      protocols: ["demo"],
      location_flags: ["localfs"],
      executable: "demo-exporter",
    }],
  });
});

Deno.test("readManifest() reads the fs example", async () => {
  const m = await readManifest(EXAMPLE);
  assert.equal(m.name, "denofs");
  assert.deepEqual(
    m.connectors.map((c) => [c.type, c.executable, c.entry]),
    [
      ["importer", "denofs-importer", `${EXAMPLE}/importer.ts`],
      ["exporter", "denofs-exporter", `${EXAMPLE}/exporter.ts`],
      ["storage", "denofs-storage", `${EXAMPLE}/storage.ts`],
    ],
  );
  assert.equal((await readManifest(`${EXAMPLE}/manifest.yaml`)).name, "denofs");
});

Deno.test("readManifest() names a missing entry file, a bad validator, a missing directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const write = (text: string) =>
      Deno.writeTextFile(`${dir}/manifest.yaml`, text);
    await write(manifest());
    await assert.rejects(
      () => readManifest(dir),
      new RegExp(
        `connectors\\[0\\] \\(demo-importer\\): entry "${dir}/importer.ts" cannot be read: no such file`,
      ),
    );
    await Deno.writeTextFile(`${dir}/importer.ts`, "");
    assert.equal((await readManifest(dir)).name, "demo");

    await write(manifest(connector({ validator: "schema.json" })));
    await assert.rejects(
      () => readManifest(dir),
      /validator ".*schema.json" cannot be read/,
    );
    await Deno.writeTextFile(`${dir}/schema.json`, "{not json");
    await assert.rejects(
      () => readManifest(dir),
      /validator ".*schema.json" is not valid JSON/,
    );
    await Deno.writeTextFile(`${dir}/schema.json`, "[]");
    await assert.rejects(
      () => readManifest(dir),
      /validator ".*schema.json" must hold a JSON object \(a JSON schema\), which plakar requires/,
    );
    await Deno.writeTextFile(`${dir}/schema.json`, "{}");
    assert.equal(
      (await readManifest(dir)).connectors[0]?.validator,
      "schema.json",
    );

    await write(manifest(connector({ extra_files: "[notes.txt]" })));
    await assert.rejects(
      () => readManifest(dir),
      /extra file ".*notes.txt" cannot be read/,
    );

    await assert.rejects(
      () => readManifest(`${dir}/nowhere`),
      /Cannot build ".*nowhere": no such directory/,
    );
    await Deno.remove(`${dir}/manifest.yaml`);
    await assert.rejects(() => readManifest(dir), /no manifest.yaml in it/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
