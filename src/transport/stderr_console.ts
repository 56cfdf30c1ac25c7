// Console methods that print to stderr, for the stdout guard. Deno's own
// log, info, debug, dir, table, count, time and group print to stdout, and
// its console cannot be rebuilt around another output, so those are
// rewritten here on top of console.error (which keeps the indentation of
// groups and Deno's formatting).

type Print = (...data: unknown[]) => void;

/**
 * Replacements, by name, for the console methods that print to stdout:
 * `error` prints to stderr, `group` indents without printing when given no
 * label (Deno's console.error and console.group, bound).
 */
export function stderrConsoleMethods(
  error: Print,
  group: Print,
): Record<string, (...args: never[]) => void> {
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();
  const elapsed = (label: string): string | undefined => {
    const start = timers.get(label);
    if (start === undefined) {
      error(`Timer '${label}' does not exist`);
      return undefined;
    }
    return `${label}: ${(performance.now() - start).toFixed(3)}ms`;
  };
  return {
    log: error,
    info: error,
    debug: error,
    dirxml: error,
    group: (...label: unknown[]) => {
      if (label.length > 0) error(...label);
      group();
    },
    groupCollapsed: (...label: unknown[]) => {
      if (label.length > 0) error(...label);
      group();
    },
    dir: (item: unknown, options?: Deno.InspectOptions) =>
      error(Deno.inspect(item, options)),
    table: (data: unknown, properties?: string[]) =>
      error(renderTable(data, properties)),
    count: (label = "default") => {
      const count = (counts.get(label) ?? 0) + 1;
      counts.set(label, count);
      error(`${label}: ${count}`);
    },
    countReset: (label = "default") => {
      if (!counts.delete(label)) error(`Count for '${label}' does not exist`);
    },
    time: (label = "default") => {
      if (timers.has(label)) error(`Timer '${label}' already exists`);
      else timers.set(label, performance.now());
    },
    timeLog: (label = "default", ...data: unknown[]) => {
      const line = elapsed(label);
      if (line !== undefined) error(line, ...data);
    },
    timeEnd: (label = "default") => {
      const line = elapsed(label);
      if (line !== undefined) error(line);
      timers.delete(label);
    },
  };
}

/**
 * `data` as a box-drawn table: one row per entry, an index column, one
 * column per property (or `properties`) and a `Values` column for entries
 * that are not objects. Anything else is printed as console.log would.
 */
export function renderTable(data: unknown, properties?: string[]): string {
  if (data === null || typeof data !== "object") {
    return typeof data === "string" ? data : Deno.inspect(data);
  }
  const entries: Array<[string, unknown]> = data instanceof Map
    ? [...data].map(([key, value]) => [cell(key), value])
    : data instanceof Set
    ? [...data].map((value, i) => [String(i), value])
    : Object.entries(data);
  const columns: string[] = [];
  let values = false;
  for (const [, value] of entries) {
    if (value !== null && typeof value === "object") {
      for (const key of Object.keys(value)) {
        if (!columns.includes(key)) columns.push(key);
      }
    } else values = true;
  }
  const header = ["(idx)", ...(properties ?? columns)];
  if (values) header.push("Values");
  const rows = entries.map(([key, value]) => {
    const row = [key];
    for (const column of properties ?? columns) {
      const object = value !== null && typeof value === "object";
      row.push(
        object && column in value
          ? cell((value as Record<string, unknown>)[column])
          : "",
      );
    }
    if (values) {
      row.push(value !== null && typeof value === "object" ? "" : cell(value));
    }
    return row;
  });
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]!.length)) + 2
  );
  const line = (left: string, middle: string, right: string) =>
    left + widths.map((width) => "─".repeat(width)).join(middle) + right;
  const row = (cells: string[]) =>
    "│" + cells.map((text, i) => {
      const space = widths[i]! - text.length;
      const before = Math.floor(space / 2);
      return " ".repeat(before) + text + " ".repeat(space - before);
    }).join("│") + "│";
  return [
    line("┌", "┬", "┐"),
    row(header),
    line("├", "┼", "┤"),
    ...rows.map(row),
    line("└", "┴", "┘"),
  ].join("\n");
}

function cell(value: unknown): string {
  return Deno.inspect(value, { depth: 1, breakLength: Infinity });
}
