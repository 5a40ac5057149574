//go:build linux

// Command keyserver is the seed document's scenario: an HTTP service on
// loopback that authenticates a user (HTTP basic auth against a small
// in-memory table) and serves that user's API key, read from
// DATA/<user>.key. Once its listener is open it confines itself with
//
//	entitle.Apply(entitle.NetServer, entitle.FSRead)
//
// net.server to accept connections, fs.read to open key files. Nothing else
// is granted: an attacker who takes over the process cannot start a shell,
// mount, trace, load modules, create namespaces, load BPF, reboot, connect
// out, or write a file.
//
//	go run ./examples/keyserver -data ./examples/keyserver/testdata
//	curl -u alice:wonderland http://127.0.0.1:8080/key
package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/entitle-dev/entitle"
)

// users maps user names to the SHA-256 of their passwords. A real service
// would use a password hash (argon2, bcrypt) and a user store; the point
// here is the sandbox.
var users = map[string][32]byte{
	"alice": sha256.Sum256([]byte("wonderland")),
	"bob":   sha256.Sum256([]byte("builder")),
}

// config is what main passes to serve.
type config struct {
	addr string
	data string
	// extra registers additional handlers; nil in production. The test
	// uses it to play the exploited service from inside the sandbox.
	extra func(*http.ServeMux)
	// ready is told the listening address.
	ready func(addr string)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (loopback)")
	data := flag.String("data", "", "directory holding <user>.key files")
	flag.Parse()
	if *data == "" {
		log.Fatal("keyserver: -data is required")
	}
	cfg := config{addr: *addr, data: *data, ready: func(a string) { fmt.Println("listening on", a) }}
	if err := serve(context.Background(), cfg); err != nil {
		log.Fatal("keyserver: ", err)
	}
}

// serve opens the listener, confines the process and serves until ctx ends.
func serve(ctx context.Context, cfg config) error {
	data, err := filepath.Abs(cfg.data)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	// Everything that needs more than accepting connections and reading
	// files is done: confine the process. If this fails the process is
	// not confined — stop, do not serve.
	if err := entitle.Apply(entitle.NetServer, entitle.FSRead); err != nil {
		ln.Close()
		return fmt.Errorf("sandbox: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /key", keyHandler(data))
	if cfg.extra != nil {
		cfg.extra(mux)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if cfg.ready != nil {
		cfg.ready(ln.Addr().String())
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// keyHandler serves the authenticated user's key.
func keyHandler(dir string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := authenticate(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Basic realm="keyserver"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		key, err := os.ReadFile(filepath.Join(dir, user+".key"))
		if err != nil {
			log.Printf("key for %s: %v", user, err)
			http.Error(w, "no key", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write(key)
	})
}

// authenticate checks basic auth against users. Names are checked against
// the table before they are used in a path.
func authenticate(r *http.Request) (string, bool) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return "", false
	}
	want, known := users[user]
	got := sha256.Sum256([]byte(pass))
	if !known {
		want = sha256.Sum256([]byte("\x00unknown user"))
	}
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 || !known || strings.ContainsAny(user, "/\x00") {
		return "", false
	}
	return user, true
}
