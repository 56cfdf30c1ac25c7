import assert from "node:assert/strict";
import { supportsInjection } from "./serve.ts";

Deno.test("supportsInjection() is true from Deno 2.9.4 on", () => {
  assert.equal(supportsInjection("2.7.11"), false);
  assert.equal(supportsInjection("2.9.3"), false);
  assert.equal(supportsInjection("2.9.4"), true);
  assert.equal(supportsInjection("2.9.6"), true);
  assert.equal(supportsInjection("2.10.0"), true);
  assert.equal(supportsInjection("3.0.0-rc.1"), true);
});
