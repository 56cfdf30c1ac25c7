/**
 * A connector built with `--no-bundle` into a compiled binary finds the
 * files and workers' modules beside its sources through `import.meta.url`,
 * with its sources moved away and no read permission: the build embeds the
 * sources' directory (`deno compile --include`); and what a connector prints
 * as it loads, before it imports the SDK, goes to stderr (the build preloads
 * the SDK's stdout guard). Run by `deno task
 * e2e:compiled` (Deno `E2E_DENO_VERSION`, 2.7.11 by default, with its
 * offline runtime).
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { build } from "../../src/build/build.ts";
import { ImporterClient } from "../../testing.ts";
import { DENO_VERSION, denortBin } from "./_compiled.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("a compiled --no-bundle connector reads its files and starts its workers through import.meta.url", async () => {
  const denort = await denortBin();
  // The SDK imported by a relative path: compiled by Deno 2.7.11 without a
  // bundle, an absolute import of it runs the SDK's TypeScript untranspiled
  // (a SyntaxError at start; README, --no-bundle).
  const dir = await Deno.makeTempDir({ dir: ROOT, prefix: ".e2e-files-" });
  try {
    const src = `${dir}/src`;
    await Deno.mkdir(src);
    await Deno.writeTextFile(
      `${src}/manifest.yaml`,
      "name: files\nconnectors:\n  - {type: importer, protocols: [files], executable: files-importer, entry: importer.ts}\n",
    );
    await Deno.writeTextFile(`${src}/motd.txt`, "hello from the package\n");
    await Deno.writeTextFile(
      `${src}/worker.ts`,
      '(globalThis as unknown as { postMessage(m: string): void }).postMessage("worker ok");\n',
    );
    await Deno.writeTextFile(
      `${src}/importer.ts`,
      `import { runImporter } from "../../mod.ts";

async function report(): Promise<string> {
  const motd = await Deno.readTextFile(new URL("./motd.txt", import.meta.url));
  const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  const reply = await new Promise<string>((resolve) => {
    worker.onmessage = (event) => resolve(String(event.data));
  });
  worker.terminate();
  return \`\${motd.trim()}|\${reply}\`;
}

await runImporter((init) => ({
  origin: "files",
  type: init.proto,
  root: "/",
  async *records() {
    yield {
      pathname: "/",
      fileInfo: { name: "/", kind: "directory", size: 0, mode: 0o755, mtimeNs: 0n },
    };
    yield { pathname: "/report", error: await report().catch(String) };
  },
}));
`,
    );
    const result = await build(src, {
      out: `${dir}/out`,
      bundle: false,
      denoVersion: DENO_VERSION,
      ...(denort !== undefined ? { denort } : {}),
    });
    // The binary alone: its sources are gone.
    await Deno.rename(src, `${dir}/moved`);
    const importer = ImporterClient.spawn([result.connectors[0]!.path], {
      cwd: "/",
    });
    try {
      await importer.init("files:///");
      const entries = await importer.importAll({ read: "none" });
      const report = entries.find((e) => e.record.pathname === "/report");
      assert.equal(report?.record.error, "hello from the package|worker ok");
    } finally {
      await importer.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a compiled connector that prints before it imports the SDK prints to stderr, bundled or not", async () => {
  const denort = await denortBin();
  const dir = await Deno.makeTempDir({ dir: ROOT, prefix: ".e2e-early-" });
  try {
    const src = `${dir}/src`;
    await Deno.mkdir(src);
    await Deno.writeTextFile(
      `${src}/manifest.yaml`,
      "name: early\nconnectors:\n  - {type: importer, protocols: [early], executable: early-importer, entry: importer.ts}\n",
    );
    await Deno.writeTextFile(
      `${src}/banner.ts`,
      'console.log("printed while loading");\n',
    );
    await Deno.writeTextFile(
      `${src}/importer.ts`,
      `import "./banner.ts";
import { runImporter } from "../../mod.ts";

await runImporter((init) => ({
  origin: "early",
  type: init.proto,
  root: "/",
  async *records() {
    yield {
      pathname: "/",
      fileInfo: { name: "/", kind: "directory", size: 0, mode: 0o755, mtimeNs: 0n },
    };
  },
}));
`,
    );
    for (const bundle of [true, false]) {
      const result = await build(src, {
        out: `${dir}/out-${bundle}`,
        bundle,
        denoVersion: DENO_VERSION,
        ...(denort !== undefined ? { denort } : {}),
      });
      const importer = ImporterClient.spawn([result.connectors[0]!.path], {
        cwd: "/",
      });
      try {
        await importer.init("early:///");
        const entries = await importer.importAll({ read: "none" });
        assert.deepEqual(entries.map((e) => e.record.pathname), ["/"]);
      } finally {
        assert.equal((await importer.shutdown()).code, 0);
      }
      assert.match(importer.process.stderr, /^printed while loading$/m);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
