import { reserveHeadroom } from "./_headroom.ts";
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
 * holding it open, or in memory.
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
  options: FileBodyOptions = {},
): ReadableStream<Uint8Array> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  let left = options.length ?? Infinity;
  let file: Deno.FsFile | undefined;
  let remaining = Infinity;
  const close = () => {
    try {
      file?.close();
    } catch { /* already closed */ }
    file = undefined;
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (file === undefined) {
          file = await Deno.open(path, { read: true });
          if (options.offset) {
            await file.seek(options.offset, Deno.SeekMode.Start);
          }
          // Size the buffers to the file: a 4 KiB file needs no 1 MiB buffer.
          remaining = Math.max(0, file.statSync().size - (options.offset ?? 0));
        }
        if (left <= 0) {
          close();
          controller.close();
          return;
        }
        const want = Math.min(chunkSize, left, remaining + 1);
        // Room before the content for the message header: sent without a copy.
        const buffer = reserveHeadroom(want);
        let filled = 0;
        while (filled < buffer.length) {
          const n = await file.read(buffer.subarray(filled));
          if (n === null) break;
          filled += n;
        }
        if (filled > 0) {
          left -= filled;
          remaining -= filled;
          controller.enqueue(buffer.subarray(0, filled));
        }
        if (filled < buffer.length || left <= 0) {
          close();
          controller.close();
        }
      } catch (error) {
        close();
        throw error;
      }
    },
    cancel() {
      close();
    },
  }, { highWaterMark: 0 });
}
