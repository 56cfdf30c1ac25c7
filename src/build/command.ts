// Running a helper program (deno, npx, plakar) and capturing what it says.
import { BuildError } from "./build_error.ts";

const decoder = new TextDecoder();

/** What a program printed, and whether it succeeded. */
export interface CommandOutput {
  /** Whether it exited 0. */
  success: boolean;
  /** Its standard output, decoded. */
  stdout: string;
  /** Its standard error, decoded. */
  stderr: string;
}

/**
 * Runs `command` with no stdin and captures its output; a program that
 * cannot be started at all is a {@linkcode BuildError} naming `what` it was
 * run for. `cwd` defaults to the build's own.
 */
export async function output(
  command: string,
  args: string[],
  what: string,
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CommandOutput> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
      ...(cwd !== undefined ? { cwd } : {}),
    }).output();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new BuildError(`Cannot run "${command}" to ${what}: ${detail}`);
  }
  return {
    success: out.success,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/**
 * The first `count` non-empty lines of what a program printed, on one line
 * (joined by " / "): enough of deno's error for a one-line build error.
 */
export function firstLines(text: string, count = 3): string {
  return text.split("\n").map((line) => line.trim()).filter((line) =>
    line !== ""
  ).slice(0, count).join(" / ");
}
