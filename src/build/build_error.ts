/**
 * The error the build reports as one line, without a stack trace: a
 * manifest that plakar would refuse or misread, a missing file, an option
 * that cannot work.
 *
 * @example Telling a build problem from a crash
 * ```ts
 * import { BuildError } from "./build_error.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new BuildError('Cannot read "manifest.yaml": not found');
 * assert.ok(error instanceof BuildError);
 * assert.equal(error.name, "BuildError");
 * ```
 */
export class BuildError extends Error {
  /**
   * Makes a build error.
   *
   * @param message One line the user can act on.
   * @param options The cause, if any.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BuildError";
  }
}
