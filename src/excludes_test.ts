import assert from "node:assert/strict";
import { compileExcludes } from "./excludes.ts";

// [patterns, pathname, is a directory, excluded]: each expectation is what
// plakar v1.1.4 decides (kloset's exclude.RuleSet.IsExcluded), checked
// against it; so were 80,000 random cases.
const CASES: [string[], string, boolean, boolean][] = [
  // a name matches any component
  [["node_modules"], "/src/app/node_modules", true, true],
  // and so everything under it
  [["node_modules"], "/src/app/node_modules/x/index.js", false, true],
  // the whole component
  [["node_modules"], "/src/app/node_modules_old", true, false],
  // * within a component
  [["*.log"], "/var/app/debug.log", false, true],
  [["*.log"], "/var/app/debug.log.1", false, false],
  // the last matching pattern decides
  [["*.log", "!keep.log"], "/var/app/keep.log", false, false],
  [["!keep.log", "*.log"], "/var/app/keep.log", false, true],
  // a trailing / matches directories
  [["cache/"], "/home/u/cache", true, true],
  // but not a file of that name
  [["cache/"], "/home/u/cache", false, false],
  // nor stops at the path's last component
  [["cache/"], "/home/u/cache/file", false, true],
  // a pattern with / matches from the root
  [["/home/*/.cache"], "/home/u/.cache", true, true],
  // and everything under what it matches
  [["/home/*/.cache"], "/home/u/.cache/x/y", false, true],
  // from the root only
  [["/home/*/.cache"], "/srv/home/u/.cache", true, false],
  // with or without a leading /
  [["home/*/.cache"], "/home/u/.cache", true, true],
  // so a relative pattern with / does not match deeper
  [["app/build"], "/src/app/build", true, false],
  // **/ matches at any depth
  [["**/build"], "/src/app/build", true, true],
  [["**/build"], "/src/app/builds", true, false],
  // a trailing ** matches the directory itself too
  [["src/**"], "/src", true, true],
  [["src/**"], "/src/a/b", false, true],
  // ** between components
  [["src/**/b"], "/src/a/x/b", false, true],
  // ** inside a component matches nothing
  [["a**/b"], "/a/b", false, false],
  // ** alone matches everything
  [["**"], "/anything/at/all", false, true],
  // ? and classes
  [["[ab]?c"], "/x/bzc", false, true],
  [["[^ab]?c"], "/x/bzc", false, false],
  [["[a-c]"], "/x/b", false, true],
  // a reversed range matches nothing
  [["[c-a]"], "/x/b", false, false],
  // and its negation everything
  [["[^c-a]"], "/x/b", false, true],
  // \ escapes
  [["\\*"], "/x/*", false, true],
  [["\\*"], "/x/a", false, false],
  // a malformed pattern matches nothing
  [["a["], "/a[", false, false],
  // ] first in a class is malformed
  [["[]a]"], "/]", false, false],
  // unless escaped
  [["[\\]a]"], "/]", false, true],
  // ? is one character, not one byte
  [["?"], "/é", false, true],
  // # starts a comment
  [["# comment"], "/# comment", false, false],
  // \# starts a pattern with #
  [["\\#tag"], "/#tag", false, true],
  // trailing spaces are dropped
  [["trail   "], "/trail", false, true],
  // escaped or not
  [["trail\\ "], "/trail", false, true],
  // and trailing carriage returns
  [["crlf\r"], "/crlf", false, true],
  // blank patterns are ignored
  [["", "   "], "/x", false, false],
];

Deno.test("compileExcludes() decides as plakar does", () => {
  for (const [patterns, pathname, isDirectory, excluded] of CASES) {
    assert.equal(
      compileExcludes(patterns)(pathname, isDirectory),
      excluded,
      `${JSON.stringify(patterns)} on ${pathname}${isDirectory ? "/" : ""}`,
    );
  }
});

Deno.test("compileExcludes() without patterns excludes nothing", () => {
  const excluded = compileExcludes([]);
  assert.equal(excluded("/", true), false);
  assert.equal(excluded("/a/b", false), false);
});
