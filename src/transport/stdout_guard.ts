// Imported first by mod.ts, so that it runs before any connector code: stdout
// carries HTTP/2 to plakar, so everything else that would print there (console,
// Deno.stdout, process.stdout) is sent to stderr instead.
import process from "node:process";
import { Console } from "node:console";

const stderrConsole = new Console({
  stdout: process.stderr,
  stderr: process.stderr,
});
const realWrite: (p: Uint8Array) => Promise<number> = Deno.stdout.write.bind(
  Deno.stdout,
);
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

/** The process's real stdout, as the transport writes it. */
export interface StdoutPipe {
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Writes all of `bytes`, blocking. */
  writeSync(bytes: Uint8Array): void;
}

/**
 * The process's real stdout, for the transport only. Throws if taken twice.
 */
export function takeStdout(): StdoutPipe {
  if (taken) throw new Error("Cannot serve twice: stdout is already in use");
  taken = true;
  return {
    async write(bytes) {
      let at = 0;
      while (at < bytes.byteLength) at += await realWrite(bytes.subarray(at));
    },
    writeSync(bytes) {
      let at = 0;
      while (at < bytes.byteLength) at += realWriteSync(bytes.subarray(at));
    },
  };
}
