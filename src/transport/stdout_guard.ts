// Imported first by mod.ts, so that it runs before any connector code: stdout
// carries HTTP/2 to plakar, so everything else that would print there (console,
// Deno.stdout, and node's process.stdout, which writes through Deno.stdout) is
// sent to stderr instead. No node: module is loaded here: each costs
// milliseconds of start-up.
import { stderrConsoleMethods } from "./stderr_console.ts";

// The real writer is kept on the global object: built connectors also run
// a copy of this module before their own code (deno --preload), so that a
// module imported before the SDK that prints as it loads prints to stderr
// too; the SDK's copy then finds the guard in place.
const REAL_WRITE = Symbol.for("plakar-deno.stdout.writeSync");
const kept = globalThis as { [REAL_WRITE]?: (p: Uint8Array) => number };
let taken = false;

if (kept[REAL_WRITE] === undefined) {
  kept[REAL_WRITE] = Deno.stdout.writeSync.bind(Deno.stdout);
  const methods = stderrConsoleMethods(
    console.error.bind(console),
    console.group.bind(console),
  );
  for (const [name, value] of Object.entries(methods)) {
    Object.defineProperty(globalThis.console, name, {
      value,
      writable: true,
      configurable: true,
    });
  }
  Deno.stdout.write = (p: Uint8Array): Promise<number> => Deno.stderr.write(p);
  Deno.stdout.writeSync = (p: Uint8Array): number => Deno.stderr.writeSync(p);
  Object.defineProperty(Deno.stdout, "writable", {
    get: () => Deno.stderr.writable,
    configurable: true,
  });
}
const realWriteSync: (p: Uint8Array) => number = kept[REAL_WRITE];

// Deno writes stdout through a line-buffered writer: bytes with a newline
// that is not the last byte go out in two write(2) calls, up to the last
// newline and then the rest (35,000 calls for 1 GiB instead of 16,400).
// Measured against cutting our writes at a newline ourselves (one call
// each): a 1 GiB backup through an importer 5.65 -> 5.73 s, Open of 1 GiB
// unchanged. node:net's Socket on fd 1 writes without it, but costs 15 ms of
// start-up to load. Loaded only once 8 MiB had gone out in full buffers, its
// writes awaited one at a time (the output buffers are reused): Open of 1
// GiB 865 -> 879 MB/s (medians of 8 interleaved runs; Go's 916), the
// reader's CPU unchanged (1.16 s), ours 0.54 -> 0.74 s, a 1 GiB backup
// through an importer unchanged (5.45-5.70 s against 5.57-5.75 s). Not kept.
/**
 * The process's real stdout, for the transport only: a function that writes
 * all of its bytes, blocking. Throws if taken twice.
 */
export function takeStdout(): (bytes: Uint8Array) => void {
  if (taken) throw new Error("Cannot serve twice: stdout is already in use");
  taken = true;
  return (bytes) => {
    let at = 0;
    while (at < bytes.byteLength) at += realWriteSync(bytes.subarray(at));
  };
}
