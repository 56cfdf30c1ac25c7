import assert from "node:assert/strict";
import { BuildError } from "./build_error.ts";
import {
  type ConnectorKind,
  derivePermissions,
  mergePermissions,
  parseDeclaredPermissions,
  permissionFlags,
  tablePermissions,
} from "./permissions.ts";

Deno.test("derivePermissions() follows the table for localfs connectors", () => {
  const cases: [ConnectorKind, string[]][] = [
    ["importer", ["--allow-read"]],
    ["exporter", ["--allow-read", "--allow-write"]],
    ["storage", ["--allow-read", "--allow-write"]],
  ];
  for (const [type, flags] of cases) {
    assert.deepEqual(
      derivePermissions({ type, locationFlags: ["localfs"] }),
      { flags, declaredFlags: [] },
      type,
    );
  }
});

Deno.test("derivePermissions() grants net, not files, without localfs", () => {
  for (const type of ["importer", "exporter", "storage"] as const) {
    for (const locationFlags of [[], ["stream", "needack"], ["file"]]) {
      assert.deepEqual(
        derivePermissions({ type, locationFlags }).flags,
        ["--allow-net"],
        `${type} ${locationFlags.join(",")}`,
      );
    }
  }
});

Deno.test("derivePermissions() adds declared grants and reports them apart", () => {
  const { flags, declaredFlags } = derivePermissions({
    type: "importer",
    locationFlags: ["localfs"],
    declared: {
      net: ["api.example.com:443"],
      env: ["AWS_REGION", "AWS_PROFILE"],
      run: ["tar"],
      read: ["/etc/ssl"],
    },
  });
  assert.deepEqual(flags, [
    "--allow-read",
    "--allow-net=api.example.com:443",
    "--allow-env=AWS_REGION,AWS_PROFILE",
    "--allow-run=tar",
  ]);
  assert.deepEqual(declaredFlags, [
    "--allow-read=/etc/ssl",
    "--allow-net=api.example.com:443",
    "--allow-env=AWS_REGION,AWS_PROFILE",
    "--allow-run=tar",
  ]);
});

Deno.test("derivePermissions() lets a declared true widen a list", () => {
  const { flags } = derivePermissions({
    type: "storage",
    locationFlags: [],
    declared: { env: true, write: ["/var/cache/x"] },
  });
  assert.deepEqual(flags, [
    "--allow-write=/var/cache/x",
    "--allow-net",
    "--allow-env",
  ]);
});

Deno.test("tablePermissions() grants nothing beyond the location's needs", () => {
  assert.deepEqual(tablePermissions("exporter", ["localfs", "nomerge"]), {
    read: true,
    write: true,
  });
  assert.deepEqual(tablePermissions("importer", ["localfs"]), { read: true });
  assert.deepEqual(tablePermissions("storage", ["stream"]), { net: true });
});

Deno.test("mergePermissions() keeps order and drops duplicates", () => {
  assert.deepEqual(
    mergePermissions({ net: ["a", "b"] }, { net: ["b", "c"], run: ["x"] }),
    { net: ["a", "b", "c"], run: ["x"] },
  );
});

Deno.test("permissionFlags() writes read, write, net, env, run in that order", () => {
  assert.deepEqual(
    permissionFlags({
      run: true,
      env: ["A"],
      net: true,
      write: ["/w"],
      read: ["/r", "/s"],
    }),
    [
      "--allow-read=/r,/s",
      "--allow-write=/w",
      "--allow-net",
      "--allow-env=A",
      "--allow-run",
    ],
  );
  assert.deepEqual(permissionFlags({}), []);
});

Deno.test("parseDeclaredPermissions() takes absolute paths, and system APIs", () => {
  assert.deepEqual(
    parseDeclaredPermissions(
      {
        read: ["/abs"],
        write: ["/tmp"],
        run: ["bin/tool"],
        sys: ["hostname", "osRelease"],
      },
      {},
    ),
    {
      read: ["/abs"],
      write: ["/tmp"],
      run: ["bin/tool"],
      sys: ["hostname", "osRelease"],
    },
  );
  assert.deepEqual(
    permissionFlags({ sys: ["hostname"] }),
    ["--allow-sys=hostname"],
  );
  assert.deepEqual(parseDeclaredPermissions(undefined, {}), {});
  assert.deepEqual(parseDeclaredPermissions(null, {}), {});
});

Deno.test("parseDeclaredPermissions() refuses other shapes with one line", () => {
  const bad: [unknown, RegExp][] = [
    [["read"], /must be a mapping of read, write, net, env, run, sys/],
    ["net", /must be a mapping/],
    [{ ffi: true }, /permission "ffi" cannot be granted: native code/],
    [{ hrtime: true }, /unknown permission "hrtime" \(expected one of read/],
    [
      { read: ["data"] },
      /permissions\.read: "data" is a relative path; give an absolute one/,
    ],
    [{ write: ["./out"] }, /permissions\.write: "\.\/out" is a relative path/],
    [{ net: false }, /permissions\.net must be true or a non-empty list/],
    [{ net: [] }, /permissions\.net must be true/],
    [{ env: ["A,B"] }, /without commas/],
    [{ env: [1] }, /permissions\.env must be true/],
    [{ read: "data" }, /permissions\.read must be true/],
  ];
  for (const [value, message] of bad) {
    assert.throws(
      () =>
        parseDeclaredPermissions(value, {
          where: "c: permissions",
        }),
      (error: unknown) => {
        assert.ok(error instanceof BuildError);
        assert.match(error.message, message);
        assert.ok(error.message.startsWith("c: permissions"), error.message);
        assert.ok(!error.message.includes("\n"));
        return true;
      },
      JSON.stringify(value),
    );
  }
});

Deno.test("derivePermissions() grants no environment variable or host unless declared", () => {
  for (const type of ["importer", "exporter", "storage"] as const) {
    for (const locationFlags of [["localfs"], []]) {
      const { flags } = derivePermissions({ type, locationFlags });
      const where = `${type} ${locationFlags.join(",")}`;
      assert.ok(!flags.some((f) => f.startsWith("--allow-env")), where);
      assert.ok(
        !flags.some((f) => f.startsWith("--allow-net=")),
        where,
      );
    }
  }
  // Declared hosts are the only net grant of a localfs connector.
  const declared = derivePermissions({
    type: "exporter",
    locationFlags: ["localfs"],
    declared: { net: ["api.example.com:443"] },
  });
  assert.deepEqual(declared.flags, [
    "--allow-read",
    "--allow-write",
    "--allow-net=api.example.com:443",
  ]);
  assert.deepEqual(declared.declaredFlags, ["--allow-net=api.example.com:443"]);
});
