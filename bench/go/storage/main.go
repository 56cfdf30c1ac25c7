// Command gofs-storage is a plakar storage connector for the "gofs" protocol,
// built with the official go-kloset-sdk: a repository kept in a local
// directory, one file per object.
//
// Layout:
//
//	<root>/CONFIG          the repository configuration (opaque bytes)
//	<root>/<type>/<hex>    objects; type is packfile, state, lock,
//	                       ecc-packfile or ecc-state, hex is hex(mac)
package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	sdk "github.com/PlakarKorp/go-kloset-sdk"
	"github.com/PlakarKorp/kloset/connectors/storage"
	"github.com/PlakarKorp/kloset/location"
	"github.com/PlakarKorp/kloset/objects"
	"github.com/google/uuid"
)

// tmpPrefix marks objects being written; List ignores them.
const tmpPrefix = ".tmp-"

// dirNames maps each resource type to its directory.
var dirNames = map[storage.StorageResource]string{
	storage.StorageResourcePackfile:    "packfile",
	storage.StorageResourceState:       "state",
	storage.StorageResourceLock:        "lock",
	storage.StorageResourceECCPackfile: "ecc-packfile",
	storage.StorageResourceECCState:    "ecc-state",
}

type gofsStore struct {
	root string
}

func newStore(ctx context.Context, proto string, config map[string]string) (storage.Store, error) {
	loc, ok := config["location"]
	if !ok {
		return nil, fmt.Errorf("missing location")
	}
	root := filepath.Clean(strings.TrimPrefix(loc, proto+"://"))
	if !filepath.IsAbs(root) {
		return nil, fmt.Errorf("not an absolute path: %s", loc)
	}
	return &gofsStore{root: root}, nil
}

func (s *gofsStore) Origin() string                  { return "localhost" }
func (s *gofsStore) Type() string                    { return "gofs" }
func (s *gofsStore) Root() string                    { return s.root }
func (s *gofsStore) Flags() location.Flags           { return location.FLAG_LOCALFS }
func (s *gofsStore) Ping(ctx context.Context) error  { return nil }
func (s *gofsStore) Close(ctx context.Context) error { return nil }

func (s *gofsStore) Mode(ctx context.Context) (storage.Mode, error) {
	return storage.ModeRead | storage.ModeWrite, nil
}

// Size is unknown: computing it would mean walking the whole repository.
func (s *gofsStore) Size(ctx context.Context) (int64, error) { return -1, nil }

// Create makes the repository directory and stores the configuration
// atomically; it fails if a CONFIG is already there.
func (s *gofsStore) Create(ctx context.Context, config []byte) error {
	if err := os.MkdirAll(s.root, 0o777); err != nil {
		return err
	}
	if _, err := os.Lstat(filepath.Join(s.root, "CONFIG")); err == nil {
		return fmt.Errorf("Cannot create a repository at %q: one exists already", s.root)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	_, err := writeAtomic(filepath.Join(s.root, "CONFIG"), bytes.NewReader(config))
	return err
}

func (s *gofsStore) Open(ctx context.Context) ([]byte, error) {
	return os.ReadFile(filepath.Join(s.root, "CONFIG"))
}

// dir returns the directory holding objects of the given type.
func (s *gofsStore) dir(res storage.StorageResource) (string, error) {
	name, ok := dirNames[res]
	if !ok {
		return "", fmt.Errorf("unsupported resource type %d", res)
	}
	return filepath.Join(s.root, name), nil
}

// path returns the file name of one object.
func (s *gofsStore) path(res storage.StorageResource, mac objects.MAC) (string, error) {
	dir, err := s.dir(res)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, hex.EncodeToString(mac[:])), nil
}

func (s *gofsStore) List(ctx context.Context, res storage.StorageResource) ([]objects.MAC, error) {
	dir, err := s.dir(res)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // nothing of this type was ever written
	} else if err != nil {
		return nil, err
	}

	macs := make([]objects.MAC, 0, len(entries))
	for _, entry := range entries {
		var mac objects.MAC
		name := entry.Name()
		// Temporary files and anything else that is not a MAC are skipped.
		if len(name) != 2*len(mac) || strings.HasPrefix(name, tmpPrefix) {
			continue
		}
		if _, err := hex.Decode(mac[:], []byte(name)); err != nil {
			continue
		}
		macs = append(macs, mac)
	}
	return macs, nil
}

// Put writes the object atomically (see writeAtomic), creating the
// directory of its type first, like the TypeScript example.
func (s *gofsStore) Put(ctx context.Context, res storage.StorageResource, mac objects.MAC, rd io.Reader) (int64, error) {
	dest, err := s.path(res, mac)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o777); err != nil {
		return 0, err
	}
	return writeAtomic(dest, rd)
}

// writeAtomic writes to a temporary file in the same directory, syncs it,
// renames it into place, then syncs the directory: a reader never sees a
// partial object, and the object survives a crash once Put returns.
func writeAtomic(dest string, rd io.Reader) (int64, error) {
	dir := filepath.Dir(dest)
	temp := filepath.Join(dir, tmpPrefix+uuid.NewString())
	fp, err := os.OpenFile(temp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(fp, rd)
	if err == nil {
		err = fp.Sync()
	}
	if cerr := fp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(temp, dest)
	}
	if err != nil {
		os.Remove(temp)
		return 0, err
	}
	dp, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer dp.Close()
	if err := dp.Sync(); err != nil {
		return 0, err
	}
	return n, nil
}

// Get streams a whole object, or length bytes from offset when a range is given.
func (s *gofsStore) Get(ctx context.Context, res storage.StorageResource, mac objects.MAC, rg *storage.Range) (io.ReadCloser, error) {
	pathname, err := s.path(res, mac)
	if err != nil {
		return nil, err
	}
	fp, err := os.Open(pathname)
	if err != nil {
		return nil, err
	}
	if rg == nil {
		return fp, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(fp, int64(rg.Offset), int64(rg.Length)), fp}, nil
}

func (s *gofsStore) Delete(ctx context.Context, res storage.StorageResource, mac objects.MAC) error {
	pathname, err := s.path(res, mac)
	if err != nil {
		return err
	}
	return os.Remove(pathname)
}

func main() {
	sdk.EntrypointStorage(os.Args, newStore)
}
