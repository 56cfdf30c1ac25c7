// The `kv` importer: each key=value of the location's configuration
// becomes a file `/<key>` holding the value.
import { type FileInfo, runImporter } from "../../mod.ts";

const mtimeNs = BigInt(Date.now()) * 1_000_000n;
const info = (name: string, size: number): FileInfo =>
  size < 0
    ? { name, kind: "directory", size: 0, mode: 0o755, mtimeNs }
    : { name, kind: "file", size, mode: 0o644, mtimeNs };

await runImporter((init) => ({
  origin: init.options.hostname,
  type: init.proto,
  root: "/",
  flags: ["stream"],
  async *records() {
    yield { pathname: "/", fileInfo: info("/", -1) };
    for (const [key, value] of Object.entries(init.config)) {
      if (key === "location") continue;
      const bytes = new TextEncoder().encode(value);
      yield {
        pathname: `/${key}`,
        fileInfo: info(key, bytes.length),
        open: () => ReadableStream.from([bytes]),
      };
    }
  },
}));
