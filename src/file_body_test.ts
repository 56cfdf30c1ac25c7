import assert from "node:assert/strict";
import { fileBody } from "./file_body.ts";

const encoder = new TextEncoder();

async function withFile(
  content: string,
  test: (path: string) => Promise<void>,
): Promise<void> {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, content);
    await test(path);
  } finally {
    await Deno.remove(path);
  }
}

/** Every chunk a default reader gets. */
async function chunks(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of body) out.push(new TextDecoder().decode(chunk));
  return out;
}

/** What a BYOB reader gets, reading into views of `size` bytes. */
async function byobText(
  body: ReadableStream<Uint8Array>,
  size: number,
): Promise<string> {
  const reader = body.getReader({ mode: "byob" });
  let text = "";
  let buffer = new ArrayBuffer(size);
  while (true) {
    const { done, value } = await reader.read(new Uint8Array(buffer));
    if (done) break;
    assert.ok(value.byteLength > 0 && value.byteLength <= size);
    text += new TextDecoder().decode(value);
    buffer = value.buffer as ArrayBuffer;
  }
  return text;
}

function openFiles(): number {
  return [...Deno.readDirSync("/proc/self/fd")].length;
}

Deno.test("fileBody() streams a whole file in chunks of chunkSize", async () => {
  await withFile("0123456789", async (path) => {
    assert.deepEqual(await chunks(fileBody(path, { chunkSize: 4 })), [
      "0123",
      "4567",
      "89",
    ]);
    assert.equal(await byobText(fileBody(path), 3), "0123456789");
  });
});

Deno.test("fileBody() reads the range offset and length give", async () => {
  await withFile("0123456789", async (path) => {
    const range = (offset: number, length?: number) =>
      new Response(
        fileBody(path, length === undefined ? { offset } : { offset, length }),
      ).text();
    assert.equal(await range(2, 5), "23456");
    assert.equal(await range(7), "789");
    assert.equal(await range(8, 100), "89");
    assert.equal(await range(10, 5), "");
    assert.equal(await range(0, 0), "");
  });
});

Deno.test("fileBody() reads a file that grows while read to its new end", async () => {
  await withFile("", async (path) => {
    for (const mode of ["default", "byob"] as const) {
      await Deno.writeTextFile(path, "0123456789");
      const body = fileBody(path, { chunkSize: 4 });
      const reader = mode === "byob"
        ? body.getReader({ mode })
        : body.getReader();
      const read = async () => {
        const { done, value } = mode === "byob"
          ? await (reader as ReadableStreamBYOBReader).read(new Uint8Array(4))
          : await (reader as ReadableStreamDefaultReader<Uint8Array>).read();
        return done ? undefined : new TextDecoder().decode(value);
      };
      let text = (await read()) ?? "";
      await Deno.writeTextFile(path, "abcdefghijklmnopqrstuvwxyz", {
        append: true,
      });
      for (let part = await read(); part !== undefined; part = await read()) {
        text += part;
      }
      assert.equal(text, "0123456789abcdefghijklmnopqrstuvwxyz", mode);
    }
  });
});

Deno.test("fileBody() ends early when the file shrinks while read", async () => {
  await withFile("0123456789", async (path) => {
    const reader = fileBody(path, { chunkSize: 4 }).getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "0123");
    await Deno.truncate(path, 6);
    const rest: string[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest.push(new TextDecoder().decode(r.value));
    }
    assert.deepEqual(rest, ["45"]);
  });
});

Deno.test({
  name: "fileBody() reads files whose reported size is 0, as in /proc",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const path = "/proc/self/cmdline";
    assert.equal(Deno.statSync(path).size, 0);
    const expected = await Deno.readFile(path);
    assert.ok(expected.byteLength > 1);
    const got = new Uint8Array(
      await new Response(fileBody(path)).arrayBuffer(),
    );
    assert.deepEqual(got, expected);
  },
});

Deno.test("fileBody() opens the file only when read, and reports a missing one then", async () => {
  const path = `${await Deno.makeTempDir()}/missing`;
  try {
    const body = fileBody(path);
    await Deno.writeFile(path, encoder.encode("late"));
    assert.equal(await new Response(body).text(), "late");
    await Deno.remove(path);
    await assert.rejects(
      new Response(fileBody(path)).text(),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(path.slice(0, -"/missing".length), { recursive: true });
  }
});

Deno.test({
  name: "fileBody() closes the file at its end and when cancelled",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    await withFile("0123456789", async (path) => {
      const before = openFiles();
      await new Response(fileBody(path, { chunkSize: 4 })).text();
      assert.equal(openFiles(), before);
      const reader = fileBody(path, { chunkSize: 4 }).getReader();
      await reader.read();
      assert.equal(openFiles(), before + 1);
      await reader.cancel();
      assert.equal(openFiles(), before);
    });
  },
});

Deno.test("fileBody() names the file when a read fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A directory opens, and then fails to read.
    await assert.rejects(
      new Response(fileBody(dir)).arrayBuffer(),
      (error: Error) => {
        assert.equal(
          error.message,
          `read ${dir}: Is a directory (os error 21)`,
        );
        return true;
      },
    );
  } finally {
    await Deno.remove(dir);
  }
});
