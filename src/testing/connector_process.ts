// Spawns a connector the way plakar does: stdin and stdout as two pipes
// carrying HTTP/2, stderr separate.
import { Duplex } from "node:stream";
import { GrpcConnection } from "./grpc_client.ts";
import { ConnectorExitError } from "./connector_exit_error.ts";

/**
 * Options of {@linkcode ConnectorProcess.spawn}.
 *
 * @example
 * ```ts
 * import type { SpawnOptions } from "@plakar-deno/connector/testing";
 * import assert from "node:assert";
 *
 * const options: SpawnOptions = { env: { TZ: "UTC" }, echoStderr: false };
 * assert.strictEqual(options.env?.TZ, "UTC");
 * ```
 */
export interface SpawnOptions {
  /** Extra environment variables. @default {{}} */
  env?: Record<string, string>;
  /** Working directory. @default {Deno.cwd()} */
  cwd?: string;
  /** Copy the connector's stderr to this process's stderr too. @default {false} */
  echoStderr?: boolean;
}

const STDERR_KEPT = 1 << 20;
// How long a failed call waits for the process's end, to say it instead.
const EXIT_WAIT_MS = 1000;

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

type WebPair = Parameters<typeof Duplex.fromWeb>[0];

/**
 * A running connector process and the gRPC connection on its pipes.
 *
 * @example Starting a connector and stopping it as plakar does
 * ```ts ignore
 * import { ConnectorProcess } from "@plakar-deno/connector/testing";
 *
 * const connector = ConnectorProcess.spawn([
 *   Deno.execPath(), "run", "--allow-read", "importer.ts",
 * ]);
 * const status = await connector.close();
 * console.log(status.code, connector.stderr);
 * ```
 */
export class ConnectorProcess {
  /** The gRPC connection to the connector. */
  readonly connection: GrpcConnection;
  /** Resolves when the process exits. */
  readonly status: Promise<Deno.CommandStatus>;
  #child: Deno.ChildProcess;
  #stderr = "";
  #stderrDone: Promise<void>;
  #closeStdin: AbortController;

  private constructor(child: Deno.ChildProcess, echo: boolean) {
    this.#child = child;
    // Deno's web stream types and @types/node's differ in one optional
    // field (`value` of a done read): the same objects, typed twice.
    // stdin is closed by aborting this relay, as when plakar exits: the
    // HTTP/2 session itself never says goodbye (no GOAWAY).
    this.#closeStdin = new AbortController();
    const relay = new TransformStream<Uint8Array, Uint8Array>();
    relay.readable.pipeTo(child.stdin, { signal: this.#closeStdin.signal })
      .catch(() => {});
    const duplex = Duplex.fromWeb({
      readable: child.stdout as unknown as WebPair["readable"],
      writable: relay.writable,
    });
    duplex.on("error", () => {});
    this.connection = new GrpcConnection(duplex, {
      explainLoss: (path, startedAt) => this.#exitError(path, startedAt),
    });
    this.#stderrDone = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of child.stderr) {
        const text = decoder.decode(chunk, { stream: true });
        if (echo) Deno.stderr.writeSync(chunk);
        this.#stderr = (this.#stderr + text).slice(-STDERR_KEPT);
      }
    })().catch(() => {});
    this.status = child.status;
    this.status.then(() => (this.#endedAt = performance.now()), () => {});
  }

  #endedAt = Infinity;

  /**
   * Starts a connector.
   *
   * @param command The program and its arguments.
   * @param options Environment, directory, stderr handling.
   * @returns The running connector.
   */
  static spawn(
    command: readonly string[],
    options?: SpawnOptions,
  ): ConnectorProcess {
    const [program, ...args] = command;
    if (program === undefined) {
      throw new TypeError("Cannot spawn a connector: the command is empty");
    }
    const child = new Deno.Command(program, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      ...(options?.cwd ? { cwd: options.cwd } : {}),
      ...(options?.env ? { env: options.env } : {}),
    }).spawn();
    return new ConnectorProcess(child, options?.echoStderr ?? false);
  }

  // A call failed without a status: if the process has ended, that is
  // what to say, with its stderr (read to its end, if it comes soon), and
  // whether it had ended before the call started.
  async #exitError(
    path: string,
    startedAt: number,
  ): Promise<ConnectorExitError | undefined> {
    const status = await within(this.status, EXIT_WAIT_MS);
    if (status === undefined) return undefined;
    await within(this.#stderrDone, EXIT_WAIT_MS);
    const error = new ConnectorExitError(status, this.#stderr, path, {
      before: this.#endedAt < startedAt,
    });
    this.#firstExit ??= error;
    return error;
  }

  #firstExit: ConnectorExitError | undefined;

  /**
   * The first {@linkcode ConnectorExitError} a call failed with: the one
   * that names the call the process ended under (later calls say that it
   * had ended before them).
   */
  get exitError(): ConnectorExitError | undefined {
    return this.#firstExit;
  }

  /** What the connector wrote on stderr so far (its last mebibyte). */
  get stderr(): string {
    return this.#stderr;
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /**
   * Closes stdin, as plakar's exit does, and waits for the process to end.
   *
   * @returns The exit status.
   */
  async close(): Promise<Deno.CommandStatus> {
    this.#closeStdin.abort();
    const status = await this.status;
    this.connection.destroy();
    await this.#stderrDone;
    return status;
  }

  /** Kills the process (SIGKILL, as Ctrl-C in plakar does) and waits. */
  async kill(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
    const status = await this.status;
    this.connection.destroy();
    await this.#stderrDone;
    return status;
  }
}
