// Command transportbench measures the transport of an importer connector,
// without plakar: it spawns the connector executable exactly like plakar does
// (stdin/stdout pipes carrying gRPC over h2c, stderr inherited) and drives it
// with the client stubs of integration-grpc v1.1.0.
//
//	transportbench [-concurrency N] [-phase scan|read|both] -location proto://path -- executable [args...]
//
// Two phases, each in a fresh connector process (plakar also uses one process
// per Import):
//
//	scan: Import, ack every record at once, never Open (records/s)
//	read: Import, Open every regular file with up to N concurrent streams,
//	      ack each file once its content has been received (MB/s)
//
// One JSON line with the results is printed on stdout.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	gconn "github.com/PlakarKorp/integration-grpc"
	gimporter "github.com/PlakarKorp/integration-grpc/importer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// stdioConn is a net.Conn over the two pipes of a child process.
type stdioConn struct {
	rd  *os.File // child's stdout
	wr  *os.File // child's stdin
	cmd *exec.Cmd
}

var stdioAddr = &net.UnixAddr{Name: "stdio", Net: "unix"}

func (c *stdioConn) Read(b []byte) (int, error)         { return c.rd.Read(b) }
func (c *stdioConn) Write(b []byte) (int, error)        { return c.wr.Write(b) }
func (c *stdioConn) LocalAddr() net.Addr                { return stdioAddr }
func (c *stdioConn) RemoteAddr() net.Addr               { return stdioAddr }
func (c *stdioConn) SetDeadline(t time.Time) error      { return c.rd.SetDeadline(t) }
func (c *stdioConn) SetReadDeadline(t time.Time) error  { return c.rd.SetReadDeadline(t) }
func (c *stdioConn) SetWriteDeadline(t time.Time) error { return c.wr.SetWriteDeadline(t) }

// Close closes both pipes: the connector sees EOF on stdin and exits.
func (c *stdioConn) Close() error {
	c.wr.Close()
	c.rd.Close()
	return nil
}

// connector is one spawned connector process and its gRPC client.
type connector struct {
	cmd    *exec.Cmd
	conn   *stdioConn
	client *grpc.ClientConn
}

// spawn starts the executable the way plakar's plugins/connect.go does.
func spawn(argv []string) (*connector, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stderr = os.Stderr
	wr, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	rd, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	conn := &stdioConn{rd: rd.(*os.File), wr: wr.(*os.File), cmd: cmd}

	client, err := grpc.NewClient("127.0.0.1:0", // never dialed
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithIdleTimeout(0),
		grpc.WithContextDialer(func(context.Context, string) (net.Conn, error) {
			return conn, nil
		}))
	if err != nil {
		conn.Close()
		cmd.Wait()
		return nil, err
	}
	return &connector{cmd: cmd, conn: conn, client: client}, nil
}

// stop closes the connection and waits for the process to exit.
func (c *connector) stop() error {
	c.client.Close()
	c.conn.Close()
	return c.cmd.Wait()
}

// phaseResult is what one phase reports.
type phaseResult struct {
	StartupMs     float64 `json:"startup_ms"` // spawn until Init answered
	Records       int64   `json:"records"`
	Files         int64   `json:"files"`
	Errors        int64   `json:"errors"` // error records
	Bytes         int64   `json:"bytes"`
	SizeMismatch  int64   `json:"size_mismatches,omitempty"`
	OpenErrors    int64   `json:"open_errors,omitempty"`
	Seconds       float64 `json:"seconds"` // Import call until its stream ended
	RecordsPerSec float64 `json:"records_per_s"`
	MBPerSec      float64 `json:"mb_per_s,omitempty"`  // 10^6 bytes
	MiBPerSec     float64 `json:"mib_per_s,omitempty"` // 2^20 bytes
	ClientCPU     float64 `json:"client_cpu_s"`        // this process, user + system, over Seconds
}

// cpuSeconds is the user + system CPU time this process has used so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// runPhase spawns the connector, calls Init, then one Import. With read set,
// every regular file is Opened (at most concurrency at a time) before it is
// acked.
func runPhase(argv []string, proto, loc string, concurrency int, read bool) (*phaseResult, error) {
	ctx := context.Background()
	res := &phaseResult{}

	t0 := time.Now()
	c, err := spawn(argv)
	if err != nil {
		return nil, err
	}
	defer c.stop()

	client := gimporter.NewImporterClient(c.client)
	hostname, _ := os.Hostname()
	cwd, _ := os.Getwd()
	_, err = client.Init(ctx, &gimporter.InitRequest{
		Options: &gimporter.Options{
			Hostname:       hostname,
			Os:             runtime.GOOS,
			Arch:           runtime.GOARCH,
			Cwd:            cwd,
			Maxconcurrency: int64(concurrency),
		},
		Proto:  proto,
		Config: map[string]string{"location": loc},
	})
	if err != nil {
		return nil, fmt.Errorf("Init: %w", err)
	}
	res.StartupMs = float64(time.Since(t0).Microseconds()) / 1000

	t1 := time.Now()
	cpu1 := cpuSeconds()
	stream, err := client.Import(ctx)
	if err != nil {
		return nil, fmt.Errorf("Import: %w", err)
	}

	// grpc-go streams allow one concurrent sender: all acks go through acks.
	acks := make(chan *gconn.Record, 4*concurrency)
	sendErr := make(chan error, 1)
	go func() {
		var err error
		for rec := range acks {
			if err == nil {
				err = stream.Send(&gimporter.ImportRequest{Result: &gconn.Result{Header: rec}})
			}
		}
		if err == nil {
			err = stream.CloseSend()
		}
		sendErr <- err
	}()

	// Readers: Open a file, count its bytes, then ack it.
	files := make(chan *gconn.Record, 4*concurrency)
	var wg sync.WaitGroup
	var nbytes, mismatches, openErrors atomic.Int64
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rec := range files {
				n, err := readAll(ctx, client, rec)
				nbytes.Add(n)
				if err != nil {
					openErrors.Add(1)
					fmt.Fprintf(os.Stderr, "transportbench: open %s: %v\n", rec.Pathname, err)
				} else if n != rec.FileInfo.GetSize() {
					mismatches.Add(1)
				}
				acks <- rec
			}
		}()
	}

	// Receive records until "finished".
	var recvErr error
	for {
		msg, err := stream.Recv()
		if err != nil {
			recvErr = fmt.Errorf("Import stream ended before finished: %w", err)
			break
		}
		if msg.Finished {
			break
		}
		rec := msg.Record
		if rec == nil {
			recvErr = errors.New("Import: response without record")
			break
		}
		res.Records++
		if rec.Error != "" {
			res.Errors++
		} else if rec.FileInfo == nil && !rec.IsXattr {
			recvErr = fmt.Errorf("invalid record %s: missing fileinfo", rec.Pathname)
			break
		}
		if rec.HasReader && !rec.IsXattr && fs.FileMode(rec.FileInfo.GetMode()).IsRegular() {
			res.Files++
			if read {
				files <- rec
				continue
			}
		}
		acks <- rec
	}
	close(files)
	wg.Wait()
	close(acks)
	if err := <-sendErr; err != nil && recvErr == nil {
		recvErr = fmt.Errorf("sending acks: %w", err)
	}
	if recvErr == nil {
		// After our half-close the server ends the stream with OK.
		if _, err := stream.Recv(); err != io.EOF {
			recvErr = fmt.Errorf("Import did not end cleanly: %v", err)
		}
	}
	res.Seconds = time.Since(t1).Seconds()
	res.ClientCPU = cpuSeconds() - cpu1
	if recvErr != nil {
		return nil, recvErr
	}

	if _, err := client.Close(ctx, &gimporter.CloseRequest{}); err != nil {
		return nil, fmt.Errorf("Close: %w", err)
	}

	res.Bytes = nbytes.Load()
	res.SizeMismatch = mismatches.Load()
	res.OpenErrors = openErrors.Load()
	res.RecordsPerSec = float64(res.Records) / res.Seconds
	if read {
		res.MBPerSec = float64(res.Bytes) / 1e6 / res.Seconds
		res.MiBPerSec = float64(res.Bytes) / (1 << 20) / res.Seconds
	}
	return res, nil
}

// readAll Opens one record and counts the bytes of its content.
func readAll(ctx context.Context, client gimporter.ImporterClient, rec *gconn.Record) (int64, error) {
	stream, err := client.Open(ctx, &gimporter.OpenRequest{Record: &gconn.Record{
		Pathname:  rec.Pathname,
		IsXattr:   rec.IsXattr,
		XattrName: rec.XattrName,
		XattrType: rec.XattrType,
		Target:    rec.Target,
	}})
	if err != nil {
		return 0, err
	}
	var n int64
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n += int64(len(msg.Chunk))
	}
}

func main() {
	concurrency := flag.Int("concurrency", 8, "concurrent Open streams (also sent as maxconcurrency)")
	loc := flag.String("location", "", "location sent to Init, proto://path")
	phase := flag.String("phase", "both", "scan, read or both")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [-concurrency N] [-phase scan|read|both] -location proto://path -- executable [args...]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()

	proto, _, ok := strings.Cut(*loc, "://")
	if !ok || flag.NArg() == 0 || *concurrency < 1 {
		flag.Usage()
		os.Exit(2)
	}

	out := map[string]any{
		"executable":  flag.Arg(0),
		"location":    *loc,
		"concurrency": *concurrency,
	}
	for _, p := range []string{"scan", "read"} {
		if *phase != p && *phase != "both" {
			continue
		}
		res, err := runPhase(flag.Args(), proto, *loc, *concurrency, p == "read")
		if err != nil {
			fmt.Fprintf(os.Stderr, "transportbench: %s: %v\n", p, err)
			os.Exit(1)
		}
		out[p] = res
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
