/**
 * The local path of a `<proto>://<path>` location, as plakar normalises it
 * for `localfs` connectors (the path is already absolute).
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
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}
