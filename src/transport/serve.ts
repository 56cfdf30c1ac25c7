// Serves one gRPC service over the process's stdin and stdout.
import { type CallHandler, serveGrpc } from "./grpc_server.ts";
import { stdinReader } from "./stdin_source.ts";
import { takeStdout } from "./stdout_guard.ts";
import { fail, programName } from "./preflight.ts";

/** Serves `handlers` (by method path) on stdin/stdout until stdin ends. */
export async function serveStdio(
  handlers: ReadonlyMap<string, CallHandler>,
): Promise<void> {
  const garbage = (message: string): never =>
    fail(`${programName()}: ${message}`);
  await serveGrpc(
    // Blocking writes: measured faster than asynchronous ones on a pipe, and
    // plakar reads its end all the time.
    {
      read: stdinReader(garbage),
      readSync: (buffer) => Deno.stdin.readSync(buffer),
      write: takeStdout(),
    },
    handlers,
    {
      end: () => Deno.exit(0),
      fatal(message) {
        if (/broken pipe/i.test(message)) Deno.exit(0); // plakar is gone
        garbage(
          `the gRPC connection with plakar on stdin/stdout failed: ${message}`,
        );
      },
    },
  );
}
