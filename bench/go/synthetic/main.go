// Command gosynth-importer is a synthetic in-memory importer built with the
// official go-kloset-sdk, for transport-only benchmarks (transportbench): no
// disk, no plakar, just records and content crossing the gRPC pipes. Its
// twin, bench/fixtures/synthetic_importer.ts, does exactly the same with the
// TypeScript SDK.
//
// The tree is described by the location's query:
//
//	gosynth://tree?files=N&size=BYTES&perdir=P
//
// "/" then, for file i (0 <= i < N): when i % P == 0 the directory
// "/d<i/P, 5 digits>", then the file "/d<i/P>/f<i, 8 digits>" of BYTES bytes
// (P = 0: every file directly under "/"). Content is a 1 MiB pattern, copied
// into the reader's buffer on each Read (as reading a file does).
package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"time"

	sdk "github.com/PlakarKorp/go-kloset-sdk"
	"github.com/PlakarKorp/kloset/connectors"
	"github.com/PlakarKorp/kloset/connectors/importer"
	"github.com/PlakarKorp/kloset/location"
	"github.com/PlakarKorp/kloset/objects"
)

const patternSize = 1 << 20

var pattern = func() []byte {
	b := make([]byte, patternSize)
	for i := range b {
		b[i] = byte(i*31 + 7)
	}
	return b
}()

// mtime is 2001-09-09T01:46:40Z for every entry.
var mtime = time.Unix(1_000_000_000, 0)

type synthImporter struct {
	proto  string
	files  int
	size   int64
	perDir int
}

func newImporter(ctx context.Context, opts *connectors.Options, proto string, config map[string]string) (importer.Importer, error) {
	u, err := url.Parse(config["location"])
	if err != nil {
		return nil, err
	}
	q := u.Query()
	num := func(key string) (int64, error) {
		v := q.Get(key)
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("bad %s=%q", key, v)
		}
		return n, nil
	}
	files, err := num("files")
	if err != nil {
		return nil, err
	}
	size, err := num("size")
	if err != nil {
		return nil, err
	}
	perDir, err := num("perdir")
	if err != nil {
		return nil, err
	}
	return &synthImporter{proto: proto, files: int(files), size: size, perDir: int(perDir)}, nil
}

func (p *synthImporter) Origin() string                  { return "synthetic" }
func (p *synthImporter) Type() string                    { return p.proto }
func (p *synthImporter) Root() string                    { return "/" }
func (p *synthImporter) Flags() location.Flags           { return 0 }
func (p *synthImporter) Ping(ctx context.Context) error  { return nil }
func (p *synthImporter) Close(ctx context.Context) error { return nil }

func dirInfo(name string) objects.FileInfo {
	return objects.FileInfo{Lname: name, Lmode: os.ModeDir | 0o755, LmodTime: mtime, Lnlink: 1}
}

func (p *synthImporter) Import(ctx context.Context, records chan<- *connectors.Record, results <-chan *connectors.Result) error {
	defer close(records)
	send := func(rec *connectors.Record) error {
		select {
		case records <- rec:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := send(&connectors.Record{Pathname: "/", FileInfo: dirInfo("/")}); err != nil {
		return err
	}
	dir := ""
	for i := 0; i < p.files; i++ {
		if p.perDir > 0 && i%p.perDir == 0 {
			name := fmt.Sprintf("d%05d", i/p.perDir)
			dir = "/" + name
			if err := send(&connectors.Record{Pathname: dir, FileInfo: dirInfo(name)}); err != nil {
				return err
			}
		}
		name := fmt.Sprintf("f%08d", i)
		size := p.size
		rec := &connectors.Record{
			Pathname: dir + "/" + name,
			FileInfo: objects.FileInfo{Lname: name, Lsize: size, Lmode: 0o644, LmodTime: mtime, Lnlink: 1},
			Reader: connectors.NewLazyReader(func() (io.ReadCloser, error) {
				return &patternReader{left: size}, nil
			}),
		}
		if err := send(rec); err != nil {
			return err
		}
	}
	return nil
}

// patternReader yields left bytes of the pattern.
type patternReader struct {
	left int64
}

func (r *patternReader) Read(b []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := len(b)
	if n > patternSize {
		n = patternSize
	}
	if int64(n) > r.left {
		n = int(r.left)
	}
	copy(b[:n], pattern)
	r.left -= int64(n)
	return n, nil
}

func (r *patternReader) Close() error { return nil }

func main() {
	sdk.EntrypointImporter(os.Args, newImporter)
}
