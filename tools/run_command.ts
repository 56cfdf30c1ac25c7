/**
 * Runs a program to completion with no stdin and its output captured: the
 * one helper behind `deno task demo` and the plakar end-to-end tests.
 *
 * @module
 */

/** What a finished program printed, and its exit code. */
export interface Output {
  /** Exit code. */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

const decoder = new TextDecoder();

/**
 * Runs `command` with `args`. A program that is not installed is an error
 * naming it (with `hint`, e.g. the package that provides it).
 */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; hint?: string } = {},
): Promise<Output> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
    }).output();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    const hint = options.hint === undefined ? "" : ` (${options.hint})`;
    throw new Error(`Cannot run "${command}": not found${hint}`, {
      cause: error,
    });
  }
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}
