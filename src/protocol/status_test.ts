import assert from "node:assert/strict";
import {
  errorMessage,
  readableMessage,
  Status,
  toStatusError,
} from "./status.ts";
import { ConnectorError } from "../connector_error.ts";

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("nothing was thrown");
}

Deno.test("errorMessage() words Deno's system call errors as plakar does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(
      errorMessage(thrownBy(() => Deno.lstatSync(`${dir}/none`))),
      `lstat ${dir}/none: no such file or directory`,
    );
    assert.equal(
      errorMessage(thrownBy(() => Deno.mkdirSync(dir))),
      `mkdir ${dir}: file exists`,
    );
    assert.equal(
      errorMessage(
        thrownBy(() => Deno.renameSync(`${dir}/a`, `${dir}/it's`)),
      ),
      `rename ${dir}/a -> ${dir}/it's: no such file or directory`,
    );
    // After a connector's own words, which stay as they are.
    const cause = thrownBy(() => Deno.readDirSync(`${dir}/x: y`).next());
    assert.equal(
      errorMessage(
        new Error(`Cannot back up "${dir}": ${(cause as Error).message}`),
      ),
      `Cannot back up "${dir}": readdir ${dir}/x: y: no such file or directory`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readableMessage() words an error on an open file as plakar does, after the connector's own words", () => {
  assert.equal(
    readableMessage("write /x/f: No space left on device (os error 28)"),
    "write /x/f: no space left on device",
  );
  assert.equal(readableMessage("Broken pipe (os error 32)"), "broken pipe");
});

Deno.test("readableMessage() leaves other messages as they are", () => {
  for (
    const message of [
      "object 07 is missing (os error 2): see the log",
      "lstat /x: no such file or directory",
      "",
    ]
  ) {
    assert.equal(readableMessage(message), message);
  }
  assert.equal(
    readableMessage(
      'Requires read access to "/x", run again with the --allow-read flag',
    ),
    'Requires read access to "/x" (not granted to this connector)',
  );
  // A compiled binary's wording of the same advice.
  assert.equal(
    readableMessage(
      'Requires all access to "/proc/x", specify the required permissions during compilation using `deno compile --allow-all`',
    ),
    'Requires all access to "/proc/x" (not granted to this connector)',
  );
});

Deno.test("toStatusError() keeps the code of the error's kind with the reworded message", () => {
  const status = toStatusError(
    new ConnectorError(
      "No such file or directory (os error 2): open '/r/CONFIG'",
      { kind: "not-found" },
    ),
  );
  assert.equal(status.code, Status.NOT_FOUND);
  assert.equal(status.details, "open /r/CONFIG: no such file or directory");
  // plakar shows UNAVAILABLE as an I/O error with the connector itself.
  const transient = toStatusError(
    new ConnectorError('Cannot reach "s3://bucket"', { kind: "transient" }),
  );
  assert.equal(transient.code, Status.ABORTED);
  assert.equal(transient.details, 'Cannot reach "s3://bucket"');
});
