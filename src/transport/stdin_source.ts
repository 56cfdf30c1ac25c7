// Reads plakar's bytes from stdin, checking first that they are HTTP/2.

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
const READ_SIZE = 64 * 1024;

/** What the transport does with stdin's bytes and its end. */
export interface StdinSink {
  /** Receives the next bytes; returns once there is room for more. */
  data(chunk: Uint8Array): void | Promise<void>;
  /** stdin reached its end: plakar is gone. */
  end(): void;
  /** stdin does not carry HTTP/2: the message says what came instead. */
  garbage(message: string): void;
}

function describe(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 24));
  return JSON.stringify(text.replace(/[^\x20-\x7e]/g, "."));
}

/** Pumps stdin into `sink` until its end, checking the HTTP/2 preface. */
export async function pumpStdin(sink: StdinSink): Promise<void> {
  let checked = 0;
  while (true) {
    const buffer = new Uint8Array(READ_SIZE);
    const n = await Deno.stdin.read(buffer);
    if (n === null) {
      if (checked > 0 && checked < PREFACE.length) {
        sink.garbage(
          "stdin ended inside the HTTP/2 preface: this program is a plakar connector and only speaks gRPC with plakar",
        );
        return;
      }
      sink.end();
      return;
    }
    const chunk = buffer.subarray(0, n);
    if (checked < PREFACE.length) {
      const take = Math.min(PREFACE.length - checked, n);
      for (let i = 0; i < take; i++) {
        if (chunk[i] !== PREFACE[checked + i]) {
          sink.garbage(
            `stdin does not carry HTTP/2 from plakar (got ${
              describe(chunk)
            }): this program is a plakar connector and only speaks gRPC with plakar`,
          );
          return;
        }
      }
      checked += take;
    }
    await sink.data(chunk);
  }
}
