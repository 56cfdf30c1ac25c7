/**
 * A predicate that tells whether `pathname` (absolute, as in a record) is
 * left out of the snapshot by plakar's exclude patterns.
 *
 * @example
 * ```ts
 * import { compileExcludes, type ExcludePredicate } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const excluded: ExcludePredicate = compileExcludes(["/tmp"]);
 * assert.strictEqual(excluded("/tmp/x", false), true);
 * ```
 */
export type ExcludePredicate = (
  pathname: string,
  isDirectory: boolean,
) => boolean;

/**
 * Compiles the exclude patterns plakar gives an importer
 * (`init.options.excludes`, from `plakar backup -ignore` and
 * `-ignore-file`) into a predicate that decides as plakar does.
 *
 * plakar drops excluded records itself, so an importer does not have to
 * use this; an importer that walks a tree uses it to skip what plakar would
 * drop anyway, as plakar's own fs importer does: excluded directories are
 * not descended into.
 *
 * The rules are plakar's (v1.1), which are close to, but not quite,
 * gitignore's:
 * - blank lines and lines starting with `#` are ignored; `\#` starts a
 *   pattern with `#`; trailing spaces are dropped;
 * - `!` makes a pattern re-include what it matches; the last pattern that
 *   matches a path decides;
 * - a trailing `/` matches directories only;
 * - a pattern without `/` matches any component of the path; a pattern
 *   with `/` matches the path's leading components, from the root of the
 *   file system (`/home/*\/.cache`), or after any number of components
 *   where it has `**`;
 * - within a component, `*`, `?`, `[a-z]`, `[^a-z]` and `\` escapes are
 *   those of Go's `filepath.Match`; a malformed pattern matches nothing.
 *
 * @param patterns The patterns, one per entry, as plakar sends them.
 * @returns A predicate; one that never excludes if `patterns` is empty.
 *
 * @example Skipping what plakar would drop
 * ```ts
 * import { compileExcludes } from "@plakar-deno/connector";
 * import assert from "node:assert";
 *
 * const excluded = compileExcludes(["node_modules/", "*.log", "!keep.log"]);
 * assert.strictEqual(excluded("/src/app/node_modules", true), true);
 * assert.strictEqual(excluded("/src/app/node_modules", false), false);
 * assert.strictEqual(excluded("/src/app/debug.log", false), true);
 * assert.strictEqual(excluded("/src/app/keep.log", false), false);
 * ```
 */
export function compileExcludes(
  patterns: readonly string[],
): ExcludePredicate {
  const rules: Rule[] = [];
  for (const line of patterns) {
    const pattern = preprocess(line);
    if (pattern === "") continue;
    const rule = parseRule(pattern);
    // A pattern with a malformed part matches nothing: it decides nothing.
    if (!rule.parts.includes(undefined)) rules.push(rule);
  }
  if (rules.length === 0) return () => false;
  return (pathname, isDirectory) => {
    const path = (pathname.startsWith("/") ? pathname.slice(1) : pathname)
      .split("/");
    let excluded = false;
    for (const rule of rules) {
      if (matches(rule, path, isDirectory)) excluded = !rule.include;
    }
    return excluded;
  };
}

interface Rule {
  /** `!pattern`: re-includes what it matches. */
  include: boolean;
  /** `pattern/`: matches directories only. */
  dirOnly: boolean;
  /** The pattern has a `/`: its components match the path's in order. */
  anchored: boolean;
  /**
   * One entry per component of the pattern: `""` (skipped), `"**"` (any
   * number of components), a compiled name, or `undefined` for a name that
   * can match nothing (malformed).
   */
  parts: (RegExp | "" | "**" | undefined)[];
}

// What plakar does to each line before parsing it: trailing carriage
// returns and spaces go (a space escaped with `\` stays), comments are
// dropped, and `\#` stands for `#`.
function preprocess(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === "\r") end--;
  let text = line.slice(0, end);
  let kept = text.length;
  while (kept > 0 && text[kept - 1] === " ") kept--;
  if (kept < text.length) {
    text = kept > 0 && text[kept - 1] === "\\"
      ? text.slice(0, kept - 1) + " "
      : text.slice(0, kept);
  }
  if (text === "" || text.startsWith("#")) return "";
  return text.startsWith("\\#") ? text.slice(1) : text;
}

function parseRule(pattern: string): Rule {
  let text = pattern;
  const include = text.startsWith("!");
  if (include) text = text.slice(1);
  if (!text.endsWith("\\ ")) text = text.replace(/ +$/, "");
  const dirOnly = text.endsWith("/");
  if (dirOnly) text = text.slice(0, -1);
  const anchored = text.includes("/");
  const parts = text.split("/").map((part) => {
    if (!anchored) return compileName(part);
    if (part === "" || part === "**") return part;
    // `**` inside a component (`a**`) makes the whole pattern match nothing.
    return part.includes("**") ? undefined : compileName(part);
  });
  return { include, dirOnly, anchored, parts };
}

function matches(rule: Rule, path: string[], isDirectory: boolean): boolean {
  if (!rule.anchored) {
    const name = rule.parts[0] as RegExp;
    for (let i = 0; i < path.length; i++) {
      if (!name.test(path[i]!)) continue;
      // A directory-only pattern does not match the path's last component
      // if that is not a directory (but does match a directory above it).
      return !(rule.dirOnly && !isDirectory && i === path.length - 1);
    }
    return false;
  }
  let matched = false;
  let anyDepth = false;
  let at = 0;
  for (let i = 0; i < rule.parts.length; i++) {
    const part = rule.parts[i] as RegExp | "" | "**";
    if (part === "") {
      anyDepth = false;
      continue;
    }
    if (part === "**") {
      // A trailing `**` matches whatever is left, nothing included.
      if (i === rule.parts.length - 1) break;
      anyDepth = true;
      continue;
    }
    if (at >= path.length) return false;
    if (anyDepth) {
      anyDepth = false;
      matched = false;
      while (at < path.length) {
        if (part.test(path[at++]!)) {
          matched = true;
          break;
        }
      }
    } else {
      if (!part.test(path[at]!)) return false;
      matched = true;
      at++;
    }
  }
  // The pattern matches a leading part of the path, so everything under a
  // matched directory; a directory-only pattern that used up the whole path
  // needs a directory.
  if (matched && rule.dirOnly && !isDirectory && at === path.length) {
    return false;
  }
  return matched;
}

/**
 * One path component's pattern, as Go's `filepath.Match` reads it, as an
 * anchored regular expression over code points; `undefined` if malformed
 * (Go reports an error for it, and plakar takes that as no match).
 */
function compileName(pattern: string): RegExp | undefined {
  const chars = Array.from(pattern);
  let i = 0;
  // A character in a class: escaped with `\` or not, never `-` or `]`
  // unescaped, and never the pattern's last character (the class must
  // close after it).
  const classChar = (): number | undefined => {
    if (i >= chars.length || chars[i] === "-" || chars[i] === "]") {
      return undefined;
    }
    if (chars[i] === "\\") i++;
    if (i >= chars.length) return undefined;
    const code = chars[i++]!.codePointAt(0)!;
    return i < chars.length ? code : undefined;
  };
  let source = "";
  while (i < chars.length) {
    const char = chars[i++]!;
    if (char === "*") {
      source += "[^/]*";
    } else if (char === "?") {
      source += "[^/]";
    } else if (char === "[") {
      const negated = chars[i] === "^";
      if (negated) i++;
      let ranges = "";
      let count = 0;
      while (!(chars[i] === "]" && count > 0)) {
        const low = classChar();
        if (low === undefined) return undefined;
        let high = low;
        if (chars[i] === "-") {
          i++;
          const end = classChar();
          if (end === undefined) return undefined;
          high = end;
        }
        // Go lets a reversed range match nothing, where a RegExp refuses it.
        if (low <= high) ranges += `${codePoint(low)}-${codePoint(high)}`;
        count++;
      }
      i++; // the closing `]`
      source += `[${negated ? "^" : ""}${ranges}]`;
    } else if (char === "\\") {
      if (i >= chars.length) return undefined;
      source += codePoint(chars[i++]!.codePointAt(0)!);
    } else {
      source += codePoint(char.codePointAt(0)!);
    }
  }
  return new RegExp(`^${source}$`, "u");
}

function codePoint(code: number): string {
  return `\\u{${code.toString(16)}}`;
}
