/**
 * Owners' names, as plakar's fs importer records them beside the ids: read
 * from `/etc/passwd` and `/etc/group` once, when first asked (name services
 * such as LDAP are not asked).
 *
 * @module
 */

/** Names by id, from one `/etc/passwd`-style file (name first, id third). */
function namesById(path: string): Map<number, string> {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return names; // No such file: ids without names, as plakar's then.
  }
  for (const line of text.split("\n")) {
    const [name, , id] = line.split(":");
    if (name === undefined || id === undefined || name.startsWith("#")) {
      continue;
    }
    const n = Number(id);
    // The first entry of an id is the one lookups find.
    if (Number.isSafeInteger(n) && !names.has(n)) names.set(n, name);
  }
  return names;
}

/** Looks up owners' names by id. */
export class OwnerNames {
  #users: Map<number, string> | undefined;
  #groups: Map<number, string> | undefined;
  #passwd: string;
  #group: string;

  /**
   * @param passwd The users' file.
   * @param group The groups' file.
   */
  constructor(passwd = "/etc/passwd", group = "/etc/group") {
    this.#passwd = passwd;
    this.#group = group;
  }

  /** The name of user `uid`, or "" if it has none. */
  user(uid: number): string {
    this.#users ??= namesById(this.#passwd);
    return this.#users.get(uid) ?? "";
  }

  /** The name of group `gid`, or "" if it has none. */
  group(gid: number): string {
    this.#groups ??= namesById(this.#group);
    return this.#groups.get(gid) ?? "";
  }
}
