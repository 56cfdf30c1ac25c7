import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { build } from "./build.ts";
import { checkPackageVersion, createPtar, ptarName } from "./plakar_pkg.ts";

const EXAMPLE = fileURLToPath(new URL("../../examples/fs", import.meta.url));

// plakar v1.1.4 where tools/install_plakar.sh keeps it, or PLAKAR_BIN.
async function findPlakar(): Promise<string | undefined> {
  const candidates = [
    Deno.env.get("PLAKAR_BIN"),
    `${Deno.env.get("HOME")}/.cache/plakar-deno/plakar-v1.1.4/plakar`,
  ];
  for (const path of candidates) {
    if (!path) continue;
    try {
      if ((await Deno.stat(path)).isFile) return path;
    } catch { /* next */ }
  }
  return undefined;
}

const plakar = await findPlakar();

Deno.test("checkPackageVersion() and ptarName() follow plakar pkg create", () => {
  for (const good of ["v1.0.0", "v0.1.2-rc.1", "v2.0.0+build.5"]) {
    assert.equal(checkPackageVersion(good), good);
  }
  for (const bad of ["1.0.0", "v1.0", "latest", "v1.0.0 "]) {
    assert.throws(() => checkPackageVersion(bad), /leading v/, bad);
  }
  assert.equal(
    ptarName("denofs", "v1.2.3", "windows_arm64"),
    "denofs_v1.2.3_windows_arm64.ptar",
  );
});

Deno.test("createPtar() says so when plakar cannot be found", async () => {
  assert.equal(
    await createPtar({
      plakar: "plakar-that-does-not-exist",
      manifest: "/nowhere/manifest.yaml",
      version: "v1.0.0",
      os: "linux",
      arch: "amd64",
      out: "/nowhere/x.ptar",
    }),
    undefined,
  );
});

Deno.test({
  name:
    "build() runs plakar pkg create and writes the .ptar beside the package",
  ignore: plakar === undefined,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const result = await build(EXAMPLE, {
        out: `${dir}/denofs`,
        launcher: true,
        plakar: plakar!,
        packageVersion: "v0.2.0",
      });
      const ptar = `${dir}/denofs_v0.2.0_${result.packages[0]!.platform}.ptar`;
      assert.equal(result.packages[0]!.ptar, ptar);
      assert.ok((await Deno.stat(ptar)).size > 0);
      // Built again: the package is replaced (plakar would not overwrite).
      const first = (await Deno.stat(ptar)).mtime!.getTime();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const again = await build(EXAMPLE, {
        out: `${dir}/denofs`,
        launcher: true,
        plakar: plakar!,
        packageVersion: "v0.2.0",
      });
      assert.equal(again.packages[0]!.ptar, ptar);
      assert.ok((await Deno.stat(ptar)).mtime!.getTime() > first);

      // For another OS: plakar wants .exe names for Windows, GOOS decides.
      const pkg = `${dir}/windows_amd64`;
      await Deno.mkdir(pkg);
      await Deno.writeTextFile(
        `${pkg}/manifest.yaml`,
        "name: denofs\nconnectors:\n  - {type: importer, protocols: [denofs], executable: denofs-importer.exe}\n",
      );
      await Deno.writeTextFile(`${pkg}/denofs-importer.exe`, "MZ");
      assert.equal(
        await createPtar({
          plakar: plakar!,
          manifest: `${pkg}/manifest.yaml`,
          version: "v1.0.0",
          os: "windows",
          arch: "amd64",
          out: `${dir}/denofs_v1.0.0_windows_amd64.ptar`,
        }),
        `${dir}/denofs_v1.0.0_windows_amd64.ptar`,
      );
      await assert.rejects(
        () =>
          createPtar({
            plakar: plakar!,
            manifest: `${dir}/nothing/manifest.yaml`,
            version: "v1.0.0",
            os: "linux",
            arch: "amd64",
            out: `${dir}/x.ptar`,
          }),
        /^BuildError: plakar pkg create .*nothing\/manifest\.yaml failed: /,
      );
      // What plakar refuses is said, without its first-run banner.
      const bad = `${dir}/bad`;
      await Deno.mkdir(bad);
      await Deno.writeTextFile(
        `${bad}/manifest.yaml`,
        "name: bad\nconnectors:\n  - {type: importer, protocols: [bad], executable: imp, validator: schema.json}\n",
      );
      await Deno.writeTextFile(`${bad}/imp`, "#!/bin/sh\n", { mode: 0o755 });
      await Deno.writeTextFile(`${bad}/schema.json`, "[]");
      await assert.rejects(
        () =>
          createPtar({
            plakar: plakar!,
            manifest: `${bad}/manifest.yaml`,
            version: "v1.0.0",
            os: "linux",
            arch: "amd64",
            out: `${dir}/bad.ptar`,
          }),
        (error: Error) => {
          assert.match(
            error.message,
            /failed: \/schema\.json: invalid json: .*cannot unmarshal array.*; failed to package all the files$/,
          );
          assert.doesNotMatch(error.message, /Welcome|EOT|security/);
          return true;
        },
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
