// Imported first by mod.ts, so that it runs before any connector code: stdout
// carries HTTP/2 to plakar, so everything else that would print there (console,
// Deno.stdout, process.stdout) is sent to stderr instead.
import process from "node:process";
import { Console } from "node:console";

const stderrConsole = new Console({
  stdout: process.stderr,
  stderr: process.stderr,
});
const realWriteSync: (p: Uint8Array) => number = Deno.stdout.writeSync.bind(
  Deno.stdout,
);
let taken = false;

const methods = stderrConsole as unknown as Record<string, unknown>;
for (const name of Object.keys(methods)) {
  const method = methods[name];
  if (typeof method === "function") {
    Object.defineProperty(globalThis.console, name, {
      value: method.bind(stderrConsole),
      writable: true,
      configurable: true,
    });
  }
}
Deno.stdout.write = (p: Uint8Array): Promise<number> => Deno.stderr.write(p);
Deno.stdout.writeSync = (p: Uint8Array): number => Deno.stderr.writeSync(p);
Object.defineProperty(Deno.stdout, "writable", {
  get: () => Deno.stderr.writable,
  configurable: true,
});
process.stdout.write = process.stderr.write.bind(process.stderr);

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
