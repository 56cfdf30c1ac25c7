/** Options of {@linkcode fileBody}. */
export interface FileBodyOptions {
  /** Where to start reading. @default {0} */
  offset?: number;
  /** How many bytes to read at most. @default {Infinity} (to the end) */
  length?: number;
  /** Size of each chunk read. @default {1048576} */
  chunkSize?: number;
}

/**
 * A stream of a file's content, opened only when first read and closed at
 * its end or when cancelled: the way to hand plakar a file's content without
 * holding it open, or in memory. It reads to the end the file has when read,
 * not to the size it had when opened: a file that grows meanwhile (a log)
 * comes out whole, and so do files whose size the system reports as 0 (in
 * `/proc`).
 *
 * @param path The file to read.
 * @param options Which part to read, and in what chunks.
 * @returns The content, in chunks of at most `chunkSize` bytes.
 *
 * @example Reading a range
 * ```ts
 * import { fileBody } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "hello world");
 * const text = await new Response(fileBody(path, { offset: 6, length: 3 })).text();
 * assert.strictEqual(text, "wor");
 * await Deno.remove(path);
 * ```
 */
export function fileBody(
  path: string,
  options?: FileBodyOptions,
): ReadableStream<Uint8Array> {
  const { chunkSize = 1 << 20, offset = 0 } = options ?? {};
  let left = options?.length ?? Infinity;
  let file: Deno.FsFile | undefined;
  let remaining = Infinity;
  const close = () => {
    try {
      file?.close();
    } catch { /* already closed */ }
    file = undefined;
  };
  return new ReadableStream({
    type: "bytes",
    async pull(controller) {
      try {
        if (file === undefined) {
          file = await Deno.open(path, { read: true });
          if (offset) {
            await file.seek(offset, Deno.SeekMode.Start);
          }
          // Size the buffers to the file: a 4 KiB file needs no 1 MiB buffer.
          remaining = Math.max(0, file.statSync().size - offset);
        }
        // A BYOB reader brings its own buffer: read into it, no allocation.
        const request = controller.byobRequest;
        const view = request?.view;
        const limit = view ? view.byteLength : chunkSize;
        // One byte past the size the file had when opened, to see its end
        // without another read; once past it (the file grew, or is one whose
        // size the system does not tell, as in /proc), whole chunks to the
        // end: the content is read to its end, as plakar's own importer does.
        const want = Math.min(
          limit,
          left,
          remaining >= 0 ? remaining + 1 : limit,
        );
        if (want <= 0) {
          close();
          controller.close();
          request?.respond(0);
          return;
        }
        const buffer = view
          ? new Uint8Array(view.buffer, view.byteOffset, want)
          : new Uint8Array(want);
        let filled = 0;
        while (filled < buffer.length) {
          const n = await file.read(buffer.subarray(filled));
          if (n === null) break;
          filled += n;
        }
        left -= filled;
        remaining -= filled;
        const atEnd = filled < buffer.length || left <= 0;
        if (request) {
          if (filled > 0) request.respond(filled);
          if (atEnd) {
            close();
            controller.close();
            if (filled === 0) request.respond(0);
          }
          return;
        }
        if (filled > 0) controller.enqueue(buffer.subarray(0, filled));
        if (atEnd) {
          close();
          controller.close();
        }
      } catch (error) {
        close();
        // Deno names the file when it cannot open it, not when a read fails.
        if (error instanceof Error && !error.message.includes(path)) {
          error.message = `read ${path}: ${error.message}`;
        }
        throw error;
      }
    },
    cancel() {
      close();
    },
  });
}
