import assert from "node:assert/strict";
import { supportsInjection } from "../transport/injection.ts";
import { BuildError } from "./build_error.ts";
import {
  type ConnectorKind,
  derivePermissions,
  mergePermissions,
  needsBridge,
  parseDeclaredPermissions,
  permissionFlags,
  tablePermissions,
} from "./permissions.ts";

const ENV = "--allow-env=GRPC_*";

Deno.test("derivePermissions() follows the table for localfs connectors", () => {
  const cases: [ConnectorKind, string[]][] = [
    ["importer", ["--allow-read", ENV]],
    ["exporter", ["--allow-read", "--allow-write", ENV]],
    ["storage", ["--allow-read", "--allow-write", ENV]],
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
        ["--allow-net", ENV],
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
      env: ["AWS_REGION", "GRPC_*"],
      run: ["tar"],
      read: ["/etc/ssl"],
    },
  });
  assert.deepEqual(flags, [
    "--allow-read",
    "--allow-net=api.example.com:443",
    "--allow-env=GRPC_*,AWS_REGION",
    "--allow-run=tar",
  ]);
  assert.deepEqual(declaredFlags, [
    "--allow-read=/etc/ssl",
    "--allow-net=api.example.com:443",
    "--allow-env=AWS_REGION,GRPC_*",
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

Deno.test("tablePermissions() always grants GRPC_* and nothing else by default", () => {
  assert.deepEqual(tablePermissions("exporter", ["localfs", "nomerge"]), {
    read: true,
    write: true,
    env: ["GRPC_*"],
  });
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

Deno.test("parseDeclaredPermissions() resolves relative paths against the manifest", () => {
  assert.deepEqual(
    parseDeclaredPermissions(
      { read: ["data", "/abs"], write: ["./out"], run: ["bin/tool"] },
      { baseDir: "/src/pkg" },
    ),
    {
      read: ["/src/pkg/data", "/abs"],
      write: ["/src/pkg/out"],
      run: ["bin/tool"],
    },
  );
  assert.deepEqual(parseDeclaredPermissions(undefined, { baseDir: "/" }), {});
  assert.deepEqual(parseDeclaredPermissions(null, { baseDir: "/" }), {});
});

Deno.test("parseDeclaredPermissions() refuses other shapes with one line", () => {
  const bad: [unknown, RegExp][] = [
    [["read"], /must be a mapping of read, write, net, env, run/],
    ["net", /must be a mapping/],
    [{ ffi: true }, /unknown permission "ffi" \(expected one of read/],
    [{ sys: ["hostname"] }, /unknown permission "sys"/],
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
          baseDir: "/",
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

Deno.test("derivePermissions() adds the loopback bridge only for runtimes before Deno 2.9.4", () => {
  const importer = (runtime?: string) =>
    derivePermissions({
      type: "importer",
      locationFlags: ["localfs"],
      ...(runtime !== undefined ? { runtime } : {}),
    }).flags;
  assert.deepEqual(importer("2.7.11"), [
    "--allow-read",
    "--allow-net=127.0.0.1",
    ENV,
  ]);
  assert.deepEqual(importer("2.9.3"), [
    "--allow-read",
    "--allow-net=127.0.0.1",
    ENV,
  ]);
  for (const runtime of [undefined, "2.9.4", "2.9.6", "3.0.0"]) {
    assert.deepEqual(importer(runtime), ["--allow-read", ENV], String(runtime));
  }
  // A remote connector's --allow-net already covers the loopback.
  assert.deepEqual(
    derivePermissions({ type: "storage", locationFlags: [], runtime: "2.7.11" })
      .flags,
    ["--allow-net", ENV],
  );
  // Declared hosts are kept beside it, and it is not reported as declared.
  const declared = derivePermissions({
    type: "exporter",
    locationFlags: ["localfs"],
    declared: { net: ["api.example.com:443"] },
    runtime: "2.7.11",
  });
  assert.deepEqual(declared.flags, [
    "--allow-read",
    "--allow-write",
    "--allow-net=127.0.0.1,api.example.com:443",
    ENV,
  ]);
  assert.deepEqual(declared.declaredFlags, ["--allow-net=api.example.com:443"]);
});

Deno.test("needsBridge() agrees with the transport's choice", () => {
  assert.equal(needsBridge("2.7.11"), !supportsInjection("2.7.11"));
  assert.equal(needsBridge("2.9.4"), !supportsInjection("2.9.4"));
  assert.equal(needsBridge(Deno.version.deno), !supportsInjection());
});
