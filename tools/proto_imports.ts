/**
 * The last step of `deno task proto`: ts-proto imports its runtime as
 * `@bufbuild/protobuf/wire`, a bare name that only this repository's
 * `deno.json` maps. Written as an `npm:` specifier instead, the SDK also
 * works when a connector outside this repository imports it by path.
 *
 * ```sh
 * deno run --allow-read --allow-write tools/proto_imports.ts proto/gen
 * ```
 *
 * @module
 */

/** The specifier the generated files import their runtime by. */
export const PROTOBUF_RUNTIME = "npm:@bufbuild/protobuf@^2.17.0/wire";

/** `source` (a generated file) with its runtime import made explicit. */
export function explicitImports(source: string): string {
  return source.replaceAll(
    'from "@bufbuild/protobuf/wire";',
    `from "${PROTOBUF_RUNTIME}";`,
  );
}

async function rewrite(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) await rewrite(path);
    else if (entry.name.endsWith(".ts")) {
      const text = await Deno.readTextFile(path);
      const fixed = explicitImports(text);
      if (fixed !== text) await Deno.writeTextFile(path, fixed);
    }
  }
}

if (import.meta.main) {
  const dir = Deno.args[0];
  if (dir === undefined) {
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        "usage: tools/proto_imports.ts <generated directory>\n",
      ),
    );
    Deno.exit(2);
  }
  await rewrite(dir);
}
