// Reads plakar's bytes from stdin, checking first that they are HTTP/2.

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

function describe(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 24));
  return JSON.stringify(text.replace(/[^\x20-\x7e]/g, "."));
}

/**
 * A reader of stdin that calls `garbage` (which does not return) if what
 * comes first is not the HTTP/2 client preface.
 */
export function stdinReader(
  garbage: (message: string) => never,
): (buffer: Uint8Array) => Promise<number | null> {
  let checked = 0;
  return async (buffer) => {
    const n = await Deno.stdin.read(buffer);
    if (checked >= PREFACE.length) return n;
    if (n === null) {
      if (checked > 0) {
        garbage(
          "stdin ended inside the HTTP/2 preface: this program is a plakar connector and only speaks gRPC with plakar",
        );
      }
      return null;
    }
    const take = Math.min(PREFACE.length - checked, n);
    for (let i = 0; i < take; i++) {
      if (buffer[i] !== PREFACE[checked + i]) {
        garbage(
          `stdin does not carry HTTP/2 from plakar (got ${
            describe(buffer.subarray(0, n))
          }): this program is a plakar connector and only speaks gRPC with plakar`,
        );
      }
    }
    checked += take;
    return n;
  };
}
