import assert from "node:assert/strict";
import { renderTable, stderrConsoleMethods } from "./stderr_console.ts";

Deno.test("renderTable() draws one row per entry and one column per property", () => {
  assert.equal(
    renderTable([{ a: 1, b: "x" }, { a: 22 }, 7]),
    [
      "┌───────┬────┬─────┬────────┐",
      "│ (idx) │ a  │  b  │ Values │",
      "├───────┼────┼─────┼────────┤",
      '│   0   │ 1  │ "x" │        │',
      "│   1   │ 22 │     │        │",
      "│   2   │    │     │   7    │",
      "└───────┴────┴─────┴────────┘",
    ].join("\n"),
  );
  assert.match(renderTable({ k: { a: 1, b: 2 } }, ["a"]), /^│ {3}k {3}│ 1 │$/m);
  assert.match(renderTable(new Map([["m", 1]])), /Values/);
  assert.equal(renderTable("plain"), "plain");
});

Deno.test("stderrConsoleMethods() counts, times and groups through the given printer", () => {
  const printed: unknown[][] = [];
  let groups = 0;
  const methods = stderrConsoleMethods(
    (...data) => printed.push(data),
    () => groups++,
  ) as Record<string, (...args: unknown[]) => void>;
  methods.count!();
  methods.count!();
  methods.countReset!();
  methods.count!();
  methods.countReset!("nope");
  methods.time!("t");
  methods.timeLog!("t", "extra");
  methods.timeEnd!("t");
  methods.timeEnd!("t");
  methods.group!("label");
  methods.groupCollapsed!();
  methods.dir!({ a: { b: { c: 1 } } }, { depth: 0 });
  assert.deepEqual(printed.slice(0, 4), [
    ["default: 1"],
    ["default: 2"],
    ["default: 1"],
    ["Count for 'nope' does not exist"],
  ]);
  assert.match(String(printed[4]![0]), /^t: \d+\.\d{3}ms$/);
  assert.equal(printed[4]![1], "extra");
  assert.match(String(printed[5]![0]), /^t: \d+\.\d{3}ms$/);
  assert.deepEqual(printed.slice(6), [
    ["Timer 't' does not exist"],
    ["label"],
    ["{ a: [Object] }"],
  ]);
  assert.equal(groups, 2);
});
