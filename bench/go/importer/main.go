// Command gofs-importer is a plakar importer for the "gofs" protocol, built
// with the official go-kloset-sdk. It is the Go reference peer that the
// TypeScript connectors are benchmarked against, so its logic mirrors the
// TypeScript example: a plain, sequential, pre-order walk of a local tree.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	sdk "github.com/PlakarKorp/go-kloset-sdk"
	"github.com/PlakarKorp/kloset/connectors"
	"github.com/PlakarKorp/kloset/connectors/importer"
	"github.com/PlakarKorp/kloset/location"
	"github.com/PlakarKorp/kloset/objects"
)

// gofsImporter walks the directory tree at start (root, or what the
// symlink root points to).
type gofsImporter struct {
	root   string
	start  string
	origin string
	names  ownerNames
}

// ownerNames looks owners' names up by id, once per id (Import runs on one
// goroutine).
type ownerNames struct {
	users, groups map[uint64]string
}

func (n *ownerNames) user(uid uint64) string {
	return lookup(&n.users, uid, func(id string) (string, error) {
		u, err := user.LookupId(id)
		if err != nil {
			return "", err
		}
		return u.Username, nil
	})
}

func (n *ownerNames) group(gid uint64) string {
	return lookup(&n.groups, gid, func(id string) (string, error) {
		g, err := user.LookupGroupId(id)
		if err != nil {
			return "", err
		}
		return g.Name, nil
	})
}

// lookup returns the name of id from cache, asking find once per id (no
// name when find fails).
func lookup(cache *map[uint64]string, id uint64, find func(string) (string, error)) string {
	if *cache == nil {
		*cache = map[uint64]string{}
	}
	name, ok := (*cache)[id]
	if !ok {
		name, _ = find(strconv.FormatUint(id, 10))
		(*cache)[id] = name
	}
	return name
}

// newImporter is the constructor called on the Init RPC. plakar has already
// made config["location"] absolute ("gofs:///abs/path") because the manifest
// declares the localfs flag.
func newImporter(ctx context.Context, opts *connectors.Options, proto string, config map[string]string) (importer.Importer, error) {
	loc, ok := config["location"]
	if !ok {
		return nil, fmt.Errorf("missing location")
	}
	path := filepath.Clean(strings.TrimPrefix(loc, proto+"://"))
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("not an absolute path: %s", loc)
	}
	// Like the TypeScript example (and plakar's fs importer): the root is
	// the path as given; the walk starts there or, if it is a symlink, at
	// what it points to (one level), which must be a directory or a file.
	start := path
	if info, err := os.Lstat(path); err != nil {
		return nil, fmt.Errorf("Cannot back up %q: %w", path, err)
	} else if info.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(path)
		if err != nil {
			return nil, fmt.Errorf("Cannot back up %q: %w", path, err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		start = filepath.Clean(target)
	}
	info, err := os.Lstat(start)
	if err != nil {
		return nil, fmt.Errorf("Cannot back up %q: %w", path, err)
	}
	if !info.IsDir() && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("Cannot back up %q: not a directory or a file", start)
	}

	origin := opts.Hostname
	if origin == "" {
		origin, _ = os.Hostname()
	}
	return &gofsImporter{root: path, start: start, origin: origin}, nil
}

func (p *gofsImporter) Origin() string                  { return p.origin }
func (p *gofsImporter) Type() string                    { return "gofs" }
func (p *gofsImporter) Root() string                    { return p.root }
func (p *gofsImporter) Flags() location.Flags           { return location.FLAG_LOCALFS }
func (p *gofsImporter) Ping(ctx context.Context) error  { return nil }
func (p *gofsImporter) Close(ctx context.Context) error { return nil }

// Import emits the directories above the walk's start (and, for a symlink
// root, the link and the directories above it), each once, from "/" down,
// as the TypeScript example does, then one record per entry below (and
// including) the start. The SDK takes care of acknowledgements: it
// keeps each record's reader until plakar acks the record, and serves Open
// requests from it in the meantime.
func (p *gofsImporter) Import(ctx context.Context, records chan<- *connectors.Record, results <-chan *connectors.Result) error {
	defer close(records)
	above := ancestors(p.start)
	if p.start != p.root {
		above = append(append(above, ancestors(p.root)...), p.root)
		sort.Strings(above)
		above = slices.Compact(above)
	}
	for _, dir := range above {
		info, err := os.Lstat(dir)
		rec := connectors.NewError(dir, err)
		if err == nil {
			rec = p.record(dir, info)
		}
		if err := send(ctx, records, rec); err != nil {
			return err
		}
	}
	return p.walk(ctx, p.start, records)
}

// ancestors returns the directories above root, from "/" down ("/a/b/c"
// gives "/", "/a", "/a/b"; "/" gives none).
func ancestors(root string) []string {
	if root == "/" {
		return nil
	}
	out := []string{"/"}
	parts := strings.Split(strings.Trim(root, "/"), "/")
	for i := 1; i < len(parts); i++ {
		out = append(out, "/"+strings.Join(parts[:i], "/"))
	}
	return out
}

// walk emits pathname, then (for a directory) its children in name order,
// so that a directory always comes before its content.
func (p *gofsImporter) walk(ctx context.Context, pathname string, records chan<- *connectors.Record) error {
	info, err := os.Lstat(pathname)
	if err != nil {
		return send(ctx, records, connectors.NewError(pathname, err))
	}
	if err := send(ctx, records, p.record(pathname, info)); err != nil {
		return err
	}
	if !info.IsDir() {
		return nil
	}

	entries, err := os.ReadDir(pathname)
	if err != nil {
		// The directory itself was recorded; report why its content is missing.
		return send(ctx, records, connectors.NewError(pathname, err))
	}
	for _, entry := range entries {
		if err := p.walk(ctx, filepath.Join(pathname, entry.Name()), records); err != nil {
			return err
		}
	}
	return nil
}

// record builds the record for one lstat'ed entry.
func (p *gofsImporter) record(pathname string, info os.FileInfo) *connectors.Record {
	fi := objects.FileInfoFromStat(info)
	// Owners' names, as the TypeScript example (and plakar's fs importer)
	// records them; built with CGO_ENABLED=0, os/user reads /etc/passwd and
	// /etc/group, as the example does.
	fi.Lusername = p.names.user(fi.Uid())
	fi.Lgroupname = p.names.group(fi.Gid())
	rec := &connectors.Record{Pathname: pathname, FileInfo: fi}

	switch mode := info.Mode(); {
	case mode.IsRegular():
		// Opened lazily: only when plakar asks for the content.
		rec.Reader = connectors.NewLazyReader(func() (io.ReadCloser, error) {
			return os.Open(pathname)
		})
	case mode&os.ModeSymlink != 0:
		target, err := os.Readlink(pathname)
		if err != nil {
			return connectors.NewError(pathname, err)
		}
		rec.Target = target
	}
	return rec
}

// send delivers a record unless the import was cancelled.
func send(ctx context.Context, records chan<- *connectors.Record, rec *connectors.Record) error {
	select {
	case records <- rec:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func main() {
	sdk.EntrypointImporter(os.Args, newImporter)
}
