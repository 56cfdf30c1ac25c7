/**
 * The local path of a `<proto>://<path>` location, as plakar normalises it
 * for `localfs` connectors (the path is already absolute), cleaned.
 *
 * @param location The location from Init.
 * @param proto The matched protocol name.
 * @returns The path.
 */
export function localPath(location: string, proto: string): string {
  const prefix = `${proto}://`;
  const path = location.startsWith(prefix)
    ? location.slice(prefix.length)
    : location;
  if (!path.startsWith("/")) {
    throw new Error(
      `Cannot use location "${location}": expected ${prefix}/absolute/path`,
    );
  }
  return cleanPath(path);
}

/**
 * An absolute path with `.`, `..` and repeated or trailing slashes resolved
 * by its text alone (as Go's `filepath.Clean`), without asking the file
 * system.
 *
 * @param path An absolute path.
 * @returns The same path, cleaned.
 */
export function cleanPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}
