// The wire contract: proto/ must stay wire-identical to plakar v1.1.x's
// integration-grpc v1.1.0 (kept in ../shared/reference beside this repo in
// CI), and proto/gen must be what `deno task proto` generates from it.
import assert from "node:assert/strict";
import { explicitImports } from "../tools/proto_imports.ts";
import { fileURLToPath } from "node:url";

const PROTO = fileURLToPath(new URL("../proto", import.meta.url));
const REFERENCE = fileURLToPath(
  new URL("../../shared/reference/proto-v1.1.0", import.meta.url),
);
const BUF = [
  "-y",
  "--package=@bufbuild/buf@1.75.0",
  "--package=ts-proto@2.18.0",
  "--",
];

async function npx(args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command("npx", {
    args: [...BUF, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `npx ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}

interface Descriptor {
  file: { name: string; options?: unknown }[];
}

async function descriptors(dir: string): Promise<Descriptor["file"]> {
  const json = await npx([
    "buf",
    "build",
    "--exclude-source-info",
    "-o",
    "-#format=json",
    dir,
  ], dir);
  const files = (JSON.parse(json) as Descriptor).file;
  // File options (go_package) do not travel on the wire.
  for (const file of files) delete file.options;
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

const hasReference = await Deno.stat(REFERENCE).then(() => true, () => false);

Deno.test({
  name: "proto/ is wire-identical to plakar's integration-grpc v1.1.0",
  ignore: !hasReference,
  async fn() {
    assert.deepEqual(await descriptors(PROTO), await descriptors(REFERENCE));
  },
});

Deno.test("proto/gen is what `deno task proto` generates", async () => {
  const work = await Deno.makeTempDir();
  try {
    for (const entry of ["buf.yaml", "buf.gen.yaml", "connectors.proto"]) {
      await Deno.copyFile(`${PROTO}/${entry}`, `${work}/${entry}`);
    }
    for (const dir of ["importer", "exporter", "storage"]) {
      await Deno.mkdir(`${work}/${dir}`);
      await Deno.copyFile(
        `${PROTO}/${dir}/${dir}.proto`,
        `${work}/${dir}/${dir}.proto`,
      );
    }
    await npx(["buf", "generate"], work);
    for (
      const file of [
        "connectors_pb.ts",
        "google/protobuf/timestamp_pb.ts",
        "importer/importer_pb.ts",
        "exporter/exporter_pb.ts",
        "storage/storage_pb.ts",
      ]
    ) {
      assert.equal(
        explicitImports(await Deno.readTextFile(`${work}/gen/${file}`)),
        await Deno.readTextFile(`${PROTO}/gen/${file}`),
        `proto/gen/${file} is stale: run deno task proto`,
      );
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});
