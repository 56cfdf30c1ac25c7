/**
 * Permission tests of compiled connectors: the fixture package
 * `tests/fixtures/forbidden` (an importer that tries, when its
 * configuration asks, to write, read, open a socket, listen, fetch, run a
 * program or read an environment variable) is compiled by the build with
 * the permission table's flags, with Deno `E2E_DENO_VERSION` (default
 * 2.7.11), and run with no `deno` on `PATH`:
 *
 * - `forbidden-local-importer` (`localfs`): may read, nothing else: no
 *   network (not even 127.0.0.1) and no environment variable;
 * - `forbidden-net-importer` (no `localfs`): may use the network, and not
 *   read or write a file.
 *
 * Every denial must reach the host as a clear error, for Init or for the
 * record that tried, never as a crash or a hang: through the test harness
 * for each case, and through plakar v1.1.4 for some (when plakar is there:
 * `PLAKAR_BIN`, or where `tools/install_plakar.sh` keeps it).
 *
 * ```sh
 * deno task e2e:compiled     # with the compiled end-to-end scenarios
 * deno test -A tests/e2e/permissions_e2e.ts
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { build, type BuildResult } from "../../src/build/build.ts";
import { GrpcError, ImporterClient } from "../../testing.ts";
import {
  DENO_VERSION,
  denortBin,
  fileContains,
  isFile,
  movePackage,
  pathWithoutDeno,
} from "./_compiled.ts";

const ROOT_DIR = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE = `${ROOT_DIR}tests/fixtures/forbidden`;
const LOCAL = "forbidden-local-importer";
const NET = "forbidden-net-importer";
const TIMEOUT_MS = 30_000;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function log(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

interface Setup {
  work: string;
  pkg: string;
  built: BuildResult;
  env: Record<string, string>;
  secret: string;
  /** A TCP listener of this test on 127.0.0.1 (something to reach). */
  listener: Deno.TcpListener;
  port: number;
  /** How many connections the listener accepted. */
  accepted: () => number;
  ptar?: string;
  plakar?: string;
}

let setup: Promise<Setup> | undefined;
let failed = false;

async function findPlakar(): Promise<string | undefined> {
  for (
    const path of [
      Deno.env.get("PLAKAR_BIN"),
      `${Deno.env.get("HOME")}/.cache/plakar-deno/plakar-v1.1.4/plakar`,
    ]
  ) {
    if (path && await isFile(path)) return path;
  }
  return undefined;
}

function getSetup(): Promise<Setup> {
  setup ??= (async () => {
    const t0 = performance.now();
    const work = await Deno.makeTempDir({ prefix: "permissions-e2e-" });
    const plakar = await findPlakar();
    const denort = await denortBin();
    const built = await build(FIXTURE, {
      out: `${work}/built`,
      denoVersion: DENO_VERSION,
      ...(denort !== undefined ? { denort } : {}),
      ...(plakar !== undefined ? { plakar } : {}),
    });
    log(
      `compiled the fixtures with Deno ${built.denoVersion} in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s:`,
    );
    for (const c of built.connectors) {
      log(`  ${c.executable}: ${c.flags.join(" ")}`);
    }
    const pkg = `${work}/pkg`;
    await movePackage(`${work}/built`, pkg);
    for (const c of built.connectors) {
      assert.ok(
        !await fileContains(`${pkg}/${c.executable}`, ROOT_DIR),
        `${c.executable} contains ${ROOT_DIR}`,
      );
    }
    const secret = `${work}/secret.txt`;
    await Deno.writeTextFile(secret, "the secret\n");
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    // Accept and close whatever comes, so that a connection that should
    // work does; count them, so that one that should not is seen.
    let accepted = 0;
    (async () => {
      for await (const conn of listener) {
        accepted++;
        conn.close();
      }
    })().catch(() => {});
    await Deno.mkdir(`${work}/home`);
    const result: Setup = {
      work,
      pkg,
      built,
      env: {
        PATH: await pathWithoutDeno(),
        DENO_DIR: `${work}/no-deno-dir`,
        HOME: `${work}/home`,
        SECRET_TOKEN: "s3cr3t",
        GRPC_E2E_PROBE: "present",
      },
      secret,
      listener,
      port: listener.addr.port,
      accepted: () => accepted,
    };
    const ptar = built.packages[0]?.ptar;
    if (ptar !== undefined) result.ptar = ptar;
    if (plakar !== undefined) result.plakar = plakar;
    return result;
  })();
  return setup;
}

function test(name: string, fn: (s: Setup) => Promise<void>): void {
  Deno.test({
    name,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      try {
        await fn(await getSetup());
      } catch (error) {
        failed = true;
        throw error;
      }
    },
  });
}

/** Fails if `promise` takes longer than {@linkcode TIMEOUT_MS}. */
async function inTime<T>(what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer in ${TIMEOUT_MS} ms (hang)`)),
      TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a compiled connector as plakar does, and checks how it ends. */
async function withConnector(
  s: Setup,
  executable: string,
  fn: (importer: ImporterClient) => Promise<void>,
): Promise<void> {
  const importer = ImporterClient.spawn([`${s.pkg}/${executable}`], {
    cwd: s.work,
    env: s.env,
  });
  try {
    await fn(importer);
    // Still serving after the denial: Init again, asking for nothing.
    await inTime(
      "Init again",
      importer.init(
        executable === LOCAL
          ? `forbidlocal://${s.work}`
          : "forbidnet://backend.example",
      ),
    );
    await inTime("Ping", importer.ping());
  } finally {
    const status = await inTime("exit", importer.process.close());
    const stderr = importer.process.stderr;
    assert.equal(
      status.code,
      0,
      `${executable} exited ${status.code}:\n${stderr}`,
    );
    assert.doesNotMatch(stderr, /Uncaught|panicked|error:/i, stderr);
  }
}

interface Denial {
  executable: string;
  /** What is tried, in words. */
  what: string;
  attempt: string;
  target: (s: Setup) => string;
  /** What the error says. */
  message: (s: Setup) => RegExp;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const DENIALS: Denial[] = [
  {
    executable: LOCAL,
    what: "write a file",
    attempt: "write",
    target: (s) => `${s.work}/written.txt`,
    message: (s) =>
      new RegExp(`Requires write access to "${escape(s.work)}/written\\.txt"`),
  },
  {
    executable: LOCAL,
    what: "connect to 127.0.0.1",
    attempt: "connect",
    target: (s) => `127.0.0.1:${s.port}`,
    message: (s) =>
      new RegExp(`Requires net access to "127\\.0\\.0\\.1:${s.port}"`),
  },
  {
    executable: LOCAL,
    what: "connect to 127.0.0.1 with node:net",
    attempt: "node-connect",
    target: (s) => `127.0.0.1:${s.port}`,
    // Deno 2.7.11's node:net reports the denial as a refused connection.
    message: (s) =>
      new RegExp(
        `Requires net access to "127\\.0\\.0\\.1:${s.port}"|^connect ECONNREFUSED 127\\.0\\.0\\.1:${s.port}$`,
      ),
  },
  {
    executable: LOCAL,
    what: "connect to another host",
    attempt: "connect",
    target: () => "192.0.2.1:443",
    message: () => /Requires net access to "192\.0\.2\.1:443"/,
  },
  {
    executable: LOCAL,
    what: "fetch a URL",
    attempt: "fetch",
    target: () => "https://example.com/",
    message: () => /Requires net access to "example\.com(:443)?"/,
  },
  {
    executable: LOCAL,
    what: "listen on a port",
    attempt: "listen",
    target: () => "0.0.0.0",
    message: () => /Requires net access to "0\.0\.0\.0(:0)?"/,
  },
  {
    executable: LOCAL,
    what: "run a program",
    attempt: "run",
    target: () => "sh",
    message: () => /Requires run access to "sh"/,
  },
  {
    executable: LOCAL,
    what: "read an environment variable",
    attempt: "env",
    target: () => "SECRET_TOKEN",
    message: () => /Requires env access to "SECRET_TOKEN"/,
  },
  {
    executable: LOCAL,
    what: "read a variable through process.env",
    attempt: "process-env",
    target: () => "SECRET_TOKEN",
    message: () => /Requires env access to "SECRET_TOKEN"/,
  },
  {
    executable: LOCAL,
    what: "read HOME",
    attempt: "env",
    target: () => "HOME",
    message: () => /Requires env access to "HOME"/,
  },
  {
    executable: NET,
    what: "read a file",
    attempt: "read",
    target: (s) => s.secret,
    message: (s) => new RegExp(`Requires read access to "${escape(s.secret)}"`),
  },
  {
    executable: NET,
    what: "write a file",
    attempt: "write",
    target: (s) => `${s.work}/written.txt`,
    message: () => /Requires write access to/,
  },
  {
    executable: NET,
    what: "run a program",
    attempt: "run",
    target: () => "sh",
    message: () => /Requires run access to "sh"/,
  },
  {
    executable: NET,
    what: "read an environment variable",
    attempt: "env",
    target: () => "SECRET_TOKEN",
    message: () => /Requires env access to "SECRET_TOKEN"/,
  },
];

for (const d of DENIALS) {
  test(
    `${d.executable} cannot ${d.what}: Init fails with a clear error`,
    async (s) => {
      const accepted = s.accepted();
      await withConnector(s, d.executable, async (importer) => {
        const location = d.executable === LOCAL
          ? `forbidlocal://${s.work}`
          : "forbidnet://backend.example";
        const error = await inTime(
          "Init",
          importer.init(location, { try: d.attempt, target: d.target(s) }),
        ).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof GrpcError, `Init succeeded: ${error}`);
        assert.match(error.details, d.message(s));
        assert.ok(!error.details.includes("\n"), error.details);
      });
      assert.ok(!await isFile(`${s.work}/written.txt`), "the file was written");
      assert.equal(s.accepted(), accepted, "the connection was made");
    },
  );
}

test("forbidden-local-importer may read, and may not read environment variables", async (s) => {
  await withConnector(s, LOCAL, async (importer) => {
    const read = await inTime(
      "Init",
      importer.init(`forbidlocal://${s.work}`, {
        try: "read",
        target: s.secret,
      }),
    );
    assert.equal(read.origin, "the secret\n");
  });
  // Not even GRPC_* ones: the SDK reads no variable of its own.
  await withConnector(s, LOCAL, async (importer) => {
    const error = await inTime(
      "Init",
      importer.init(`forbidlocal://${s.work}`, {
        try: "env",
        target: "GRPC_E2E_PROBE",
      }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof GrpcError, `Init succeeded: ${error}`);
    assert.match(error.details, /Requires env access to "GRPC_E2E_PROBE"/);
    assert.ok(!error.details.includes("\n"), error.details);
    assert.ok(!error.details.includes("present"), error.details);
  });
});

test("forbidden-net-importer may connect", async (s) => {
  await withConnector(s, NET, async (importer) => {
    const info = await inTime(
      "Init",
      importer.init("forbidnet://backend.example", {
        try: "connect",
        target: `127.0.0.1:${s.port}`,
      }),
    );
    assert.equal(info.origin, `connected to 127.0.0.1:${s.port}`);
  });
});

for (
  const [executable, attempt, target, message] of [
    [LOCAL, "write", "written.txt", /Requires write access to/],
    [LOCAL, "connect", "port", /Requires net access to "127\.0\.0\.1:\d+"/],
    [NET, "read", "secret", /Requires read access to/],
  ] as const
) {
  test(`${executable}: a denied ${attempt} while reading a record is that record's error`, async (s) => {
    await withConnector(s, executable, async (importer) => {
      const location = executable === LOCAL
        ? `forbidlocal://${s.work}`
        : "forbidnet://backend.example";
      const resolved = target === "port"
        ? `127.0.0.1:${s.port}`
        : target === "secret"
        ? s.secret
        : `${s.work}/${target}`;
      await inTime(
        "Init",
        importer.init(location, { try: attempt, target: resolved, at: "open" }),
      );
      const entries = await inTime("Import", importer.importAll());
      assert.deepEqual(entries.map((e) => e.record.pathname), [
        "/",
        "/attempt",
      ]);
      const attemptEntry = entries[1]!;
      assert.match(attemptEntry.openError ?? "(no error)", message);
    });
  });
}

// ---------------------------------------------------------------------------
// Through plakar.

async function plakarRun(
  s: Setup,
  home: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await inTime(
    `plakar ${args.join(" ")}`,
    new Deno.Command(s.plakar!, {
      args,
      cwd: home,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: {
        ...s.env,
        HOME: home,
        XDG_CACHE_HOME: `${home}/cache`,
        XDG_DATA_HOME: `${home}/data`,
        XDG_CONFIG_HOME: `${home}/config`,
      },
    }).output(),
  );
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

const plakarThere = await findPlakar() !== undefined;

Deno.test({
  name: "denials reach plakar: Init as one line, a record as its KO line",
  ignore: !plakarThere,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    try {
      const s = await getSetup();
      assert.ok(s.ptar, "the build made no .ptar");
      const home = `${s.work}/plakar-home`;
      await Deno.mkdir(home);
      const ok = async (args: string[]) => {
        const out = await plakarRun(s, home, args);
        assert.equal(out.code, 0, `plakar ${args.join(" ")}: ${out.stderr}`);
        return out;
      };
      await ok(["-disable-security-check"]);
      await ok(["pkg", "add", s.ptar]);
      const repo = `${home}/repo`;
      await ok(["at", repo, "create", "-plaintext"]);
      const src = `${home}/src`;
      await Deno.mkdir(src);

      // Init: the backup fails with one line naming the denial.
      await ok([
        "source",
        "add",
        "write",
        `forbidlocal://${src}`,
        "try=write",
        `target=${home}/written.txt`,
      ]);
      const write = await plakarRun(s, home, [
        "-quiet",
        "at",
        repo,
        "backup",
        "@write",
      ]);
      assert.notEqual(write.code, 0);
      const lines = (write.stdout + write.stderr).split("\n").filter((l) =>
        l.trim() !== ""
      );
      assert.equal(lines.length, 1, write.stdout + write.stderr);
      assert.match(lines[0]!, /failed to create an importer for @write: /);
      assert.match(lines[0]!, /Requires write access to ".*written\.txt"/);
      // Not Deno's advice to run or compile again with a flag.
      assert.match(lines[0]!, /" \(not granted to this connector\)$/);
      assert.ok(!await isFile(`${home}/written.txt`));

      // A record: the backup completes, with that record as its error.
      await ok([
        "source",
        "add",
        "reach",
        `forbidlocal://${src}`,
        "try=connect",
        `target=127.0.0.1:${s.port}`,
        "at=open",
      ]);
      const reach = await ok(["-quiet", "at", repo, "backup", "@reach"]);
      assert.match(reach.stdout, /backup completed with 1 errors?/);
      const ko = reach.stderr.split("\n").filter((l) => l.includes(" KO "));
      assert.equal(ko.length, 1, reach.stderr);
      assert.match(
        ko[0]!,
        /\/attempt: .*Requires net access to "127\.0\.0\.1:\d+" \(not granted to this connector\)$/,
      );

      // The network connector cannot read a file: Init fails, one line.
      await ok([
        "source",
        "add",
        "read",
        "forbidnet://backend.example",
        "try=read",
        `target=${s.secret}`,
      ]);
      const read = await plakarRun(s, home, [
        "-quiet",
        "at",
        repo,
        "backup",
        "@read",
      ]);
      assert.notEqual(read.code, 0);
      assert.match(
        read.stdout + read.stderr,
        /^[^\n]*failed to create an importer for @read: Requires read access to "[^"]*secret\.txt"[^\n]*\n?$/,
      );
    } catch (error) {
      failed = true;
      throw error;
    }
  },
});

Deno.test({
  name: "permission tests clean-up",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (setup === undefined) return;
    const s = await setup;
    s.listener.close();
    // plakar's cached daemons leave by themselves a few seconds after.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    if (failed) log(`kept for inspection: ${s.work}`);
    else await Deno.remove(s.work, { recursive: true }).catch(() => {});
  },
});
