// What the three clients share: the process, calls on one gRPC service,
// Ping and Close.
import type { ConnectorProcess } from "./connector_process.ts";
import type { GrpcCall, GrpcConnection } from "./grpc_client.ts";
import { ConnectorExitError } from "./connector_exit_error.ts";

const EMPTY = new Uint8Array(0);

/**
 * A connector process seen from the host, as one gRPC service.
 *
 * @example Calling Ping on any connector
 * ```ts ignore
 * import { ConnectorClient, ConnectorProcess } from "@plakar-deno/connector/testing";
 *
 * const client = new ConnectorClient(ConnectorProcess.spawn(["./my-importer"]), "/importer.Importer");
 * await client.ping();
 * await client.shutdown();
 * ```
 */
export class ConnectorClient {
  /** The connector process. */
  readonly process: ConnectorProcess;
  #connection: GrpcConnection;
  #service: string;
  #initialised = false;

  /**
   * Wraps a running connector.
   *
   * @param process The process.
   * @param service The service's path prefix, e.g. `/store.Store`.
   */
  constructor(process: ConnectorProcess, service: string) {
    this.process = process;
    this.#connection = process.connection;
    this.#service = service;
  }

  /**
   * Makes a unary call of this service.
   *
   * @param method The method name, e.g. `Init`.
   * @param request The encoded request.
   * @returns The encoded response.
   */
  protected async unary(
    method: string,
    request: Uint8Array = EMPTY,
  ): Promise<Uint8Array> {
    const response = await this.#connection.unary(
      `${this.#service}/${method}`,
      request,
    );
    if (method === "Init") this.#initialised = true;
    return response;
  }

  /**
   * Starts a streaming call of this service.
   *
   * @param method The method name, e.g. `Import`.
   * @returns The call.
   */
  protected call(method: string): GrpcCall {
    return this.#connection.call(`${this.#service}/${method}`);
  }

  /** Calls Ping. */
  async ping(): Promise<void> {
    await this.unary("Ping");
  }

  /** Calls Close. */
  async close(): Promise<void> {
    await this.unary("Close");
  }

  /**
   * Ends the session as plakar ends it: calls Close (once Init has
   * succeeded: a connector that refused Init has nothing to close), then
   * closes the connector's stdin and waits for it to exit.
   *
   * @returns How the process ended; a failed Close is thrown once it has,
   * and if the process had ended, the error of the call it ended under (as
   * in a `finally` block, the error thrown there is the one a test shows).
   */
  async shutdown(): Promise<Deno.CommandStatus> {
    let failure: unknown;
    try {
      if (this.#initialised) await this.close();
    } catch (error) {
      failure = error;
    }
    const status = await this.process.close();
    if (failure instanceof ConnectorExitError) {
      throw this.process.exitError ?? failure;
    }
    if (failure !== undefined) throw failure;
    return status;
  }
}
