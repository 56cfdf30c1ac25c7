// Checks made before serving: a connector is started by plakar, with no
// arguments and pipes (not a terminal) on stdin and stdout.

/** What is wrong with how the process was started, or undefined if fine. */
export function preflightProblem(args: readonly string[]): string | undefined {
  const name = programName();
  if (args.length > 0) {
    return `Usage: ${name} (a plakar connector takes no arguments, got "${
      args.join(" ")
    }"; plakar starts it and talks to it over stdin and stdout)`;
  }
  if (Deno.stdin.isTerminal()) {
    return `${name} is a plakar connector: plakar starts it and speaks gRPC over its stdin and stdout; install it with "plakar pkg add" instead of running it by hand`;
  }
  return undefined;
}

/** The name the program was started as. */
export function programName(): string {
  const main = Deno.mainModule;
  if (main.startsWith("file:") && !isCompiled()) {
    return lastComponent(new URL(main).pathname);
  }
  return lastComponent(Deno.execPath());
}

function isCompiled(): boolean {
  // deno compile embeds the module graph; the entry is not a file on disk.
  return Deno.mainModule.includes("/deno-compile-");
}

/** Prints one line on stderr and ends the process with status 1. */
export function fail(message: string): never {
  Deno.stderr.writeSync(new TextEncoder().encode(`${message}\n`));
  Deno.exit(1);
}

function lastComponent(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
