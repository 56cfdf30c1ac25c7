// Command gofs-exporter is a plakar exporter for the "gofs" protocol, built
// with the official go-kloset-sdk: it restores a snapshot into a local
// directory. Records are handled one after another, in the order plakar
// sends them (pre-order), with the same logic as the TypeScript example
// (examples/fs/exporter.ts).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	sdk "github.com/PlakarKorp/go-kloset-sdk"
	"github.com/PlakarKorp/kloset/connectors"
	"github.com/PlakarKorp/kloset/connectors/exporter"
	"github.com/PlakarKorp/kloset/location"
	"github.com/google/uuid"
	"golang.org/x/sys/unix"
)

type gofsExporter struct {
	root   string
	origin string
}

func newExporter(ctx context.Context, opts *connectors.Options, proto string, config map[string]string) (exporter.Exporter, error) {
	loc, ok := config["location"]
	if !ok {
		return nil, fmt.Errorf("missing location")
	}
	root := filepath.Clean(strings.TrimPrefix(loc, proto+"://"))
	if !filepath.IsAbs(root) {
		return nil, fmt.Errorf("not an absolute path: %s", loc)
	}

	// Like the TypeScript example: the restore root is created at Init.
	if err := os.MkdirAll(root, 0o777); err != nil {
		return nil, fmt.Errorf("Cannot restore into %q: %w", root, err)
	}

	origin := opts.Hostname
	if origin == "" {
		origin, _ = os.Hostname()
	}
	return &gofsExporter{root: root, origin: origin}, nil
}

func (p *gofsExporter) Origin() string                  { return p.origin }
func (p *gofsExporter) Type() string                    { return "gofs" }
func (p *gofsExporter) Root() string                    { return p.root }
func (p *gofsExporter) Flags() location.Flags           { return location.FLAG_LOCALFS }
func (p *gofsExporter) Ping(ctx context.Context) error  { return nil }
func (p *gofsExporter) Close(ctx context.Context) error { return nil }

// Export writes every record under the root directory, in the order plakar
// sends them, and reports one result per record, like the TypeScript example:
// directories are created (owner-writable) when they come, and get their
// owner, mode and time once everything else is written, deepest first;
// files are written under a temporary name, then renamed; a file with several
// links is written once and hard-linked afterwards.
func (p *gofsExporter) Export(ctx context.Context, records <-chan *connectors.Record, results chan<- *connectors.Result) error {
	defer close(results)

	type dirAttrs struct {
		path   string
		record *connectors.Record
	}
	var dirs []dirAttrs              // in pre-order
	links := make(map[string]string) // "dev:ino" -> first restored path
	for record := range records {
		if err := ctx.Err(); err != nil {
			record.Close()
			return err
		}

		// Nothing to restore for error records and extended attributes.
		if record.Err != nil || record.IsXattr {
			results <- record.Ok()
			continue
		}

		pathname, err := target(p.root, record.Pathname)
		if err == nil {
			err = p.restore(pathname, record, links)
			if err == nil && record.FileInfo.Lmode.IsDir() {
				dirs = append(dirs, dirAttrs{pathname, record})
			}
		}
		// Ok/Error also close the reader, which drains any unread content.
		if err != nil {
			results <- record.Error(err)
		} else {
			results <- record.Ok()
		}
	}

	// Children before parents, so that fixing a directory does not disturb
	// the time of its parent.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := setAttrs(dirs[i].path, dirs[i].record); err != nil {
			return err
		}
	}
	return nil
}

// target joins a snapshot path under root, refusing to leave it.
func target(root, pathname string) (string, error) {
	var parts []string
	for _, part := range strings.Split(pathname, "/") {
		switch part {
		case "", ".":
			continue
		case "..":
			return "", fmt.Errorf("Cannot restore %q: it escapes the restore root", pathname)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return root, nil
	}
	if root == "/" {
		root = ""
	}
	return root + "/" + strings.Join(parts, "/"), nil
}

// restore writes one entry.
func (p *gofsExporter) restore(pathname string, record *connectors.Record, links map[string]string) error {
	fi := record.FileInfo
	mode := fi.Lmode
	switch {
	case mode.IsDir():
		if err := os.Mkdir(pathname, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return nil

	case mode&os.ModeSymlink != 0:
		if err := replace(pathname, func() error { return os.Symlink(record.Target, pathname) }); err != nil {
			return err
		}
		return setAttrs(pathname, record)

	case mode.IsRegular():
		key := fmt.Sprintf("%d:%d", fi.Ldev, fi.Lino)
		if fi.Lnlink > 1 {
			if first, ok := links[key]; ok {
				return replace(pathname, func() error { return os.Link(first, pathname) })
			}
		}
		if err := writeFile(pathname, record.Reader); err != nil {
			return err
		}
		if fi.Lnlink > 1 {
			links[key] = pathname
		}
		return setAttrs(pathname, record)

	default:
		// Devices, pipes, sockets: not recreated.
		return nil
	}
}

// writeFile writes the content under a temporary name beside pathname, then
// renames it into place.
func writeFile(pathname string, rd io.Reader) error {
	temp := filepath.Join(filepath.Dir(pathname), ".gofs-"+uuid.NewString())
	fp, err := os.OpenFile(temp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if rd != nil {
		_, err = io.Copy(fp, rd)
	}
	if cerr := fp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(temp, pathname)
	}
	if err != nil {
		os.Remove(temp)
	}
	return err
}

// replace runs create, and if the path exists already, removes it and runs
// create again.
func replace(pathname string, create func() error) error {
	err := create()
	if errors.Is(err, fs.ErrExist) {
		if err = os.Remove(pathname); err == nil {
			err = create()
		}
	}
	return err
}

// setAttrs applies the owner (when allowed), the permission bits (not on
// symlinks) and the modification time (also used as access time) to the
// entry itself, never following a symlink.
func setAttrs(pathname string, record *connectors.Record) error {
	fi := record.FileInfo
	if err := os.Lchown(pathname, int(fi.Luid), int(fi.Lgid)); err != nil &&
		!errors.Is(err, fs.ErrPermission) {
		return err
	}
	if fi.Lmode&os.ModeSymlink == 0 {
		if err := os.Chmod(pathname, fi.Lmode.Perm()|fi.Lmode&(os.ModeSetuid|os.ModeSetgid|os.ModeSticky)); err != nil {
			return err
		}
	}
	// Millisecond precision, like the TypeScript example (Deno's limit).
	ts := unix.NsecToTimespec(fi.LmodTime.UnixNano() / 1e6 * 1e6)
	return unix.UtimesNanoAt(unix.AT_FDCWD, pathname, []unix.Timespec{ts, ts}, unix.AT_SYMLINK_NOFOLLOW)
}

func main() {
	sdk.EntrypointExporter(os.Args, newExporter)
}
