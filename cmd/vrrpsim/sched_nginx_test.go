package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

type nginxOut struct {
	Picks []struct {
		Op    string   `json:"op"`
		Conn  int      `json:"conn"`
		Tried []string `json:"tried"`
		Dest  *string  `json:"dest"`
		Dests map[string]struct {
			Conns, Fails int
			Down         bool
		} `json:"dests"`
	} `json:"picks"`
}

func playNginxJSON(t *testing.T, src []byte) (nginxOut, error) {
	t.Helper()
	var out nginxOut
	f, err := scenarios.LoadSched("f.yaml", src)
	if err != nil {
		return out, err
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := playNginx(f, w, true); err != nil {
		return out, err
	}
	w.Flush()
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, b.String())
	}
	return out, nil
}

// The playground's picks are model/proxy/upstream's: the smooth
// weighted round robin of ngx_http_upstream_get_peer for 5/1/1 is
// a a b a c a a, and a dead server is tried, fails, and the next is
// tried (proxy_next_upstream error), so --json says who served.
func TestSchedNginxPicks(t *testing.T) {
	src := `scheduler: nginx-rr
dests:
  - {name: a, addr: 10.1.0.1:80, weight: 5}
  - {name: b, addr: 10.1.0.2:80}
  - {name: c, addr: 10.1.0.3:80}
requests:
  - {client: 10.0.0.1:1000, count: 7}
  - {down: a}
  - {client: 10.0.0.1:2000}
  - {down: b}
  - {down: c}
  - {client: 10.0.0.1:3000}
`
	out, err := playNginxJSON(t, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range out.Picks {
		switch {
		case p.Op != "":
			got = append(got, p.Op)
		case p.Dest == nil:
			got = append(got, "502")
		default:
			got = append(got, strings.Join(append(p.Tried, *p.Dest), ">"))
		}
	}
	// Request 8: cw after the 7 picks is 0,0,0, so a (5) is tried first,
	// fails (a out: max_fails 1), then b. Request 9: b and c fail in
	// turn, nothing is left.
	want := "a a b a c a a down a>b down down 502"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("got %q, want %q", s, want)
	}
}

// FuzzNginxPlay replays every nginx file the loader accepts: no error,
// valid JSON, and after the last entry the open requests on the servers
// add up to those that got a server and were not closed.
func FuzzNginxPlay(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "sched", "nginx-*.yaml"))
	examples, _ := filepath.Glob(filepath.Join("..", "..", "scenarios", "sched-examples", "nginx-*.yaml"))
	files = append(files, examples...)
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := scenarios.LoadSched("f.yaml", data)
		if err != nil || sf.Nginx == nil || sf.Nginx.Conns > 20000 {
			return
		}
		out, err := playNginxJSON(t, data)
		if err != nil {
			t.Fatalf("an accepted file fails to replay: %v", err)
		}
		if len(out.Picks) == 0 {
			return
		}
		open := map[int]bool{}
		for _, p := range out.Picks {
			switch {
			case p.Op == "" && p.Dest != nil:
				open[p.Conn] = true
			case p.Op == "close":
				delete(open, p.Conn)
			}
		}
		sum := 0
		for _, d := range out.Picks[len(out.Picks)-1].Dests {
			sum += d.Conns
		}
		if sum != len(open) {
			t.Fatalf("servers hold %d requests, %d are open", sum, len(open))
		}
	})
}

// docs/nginx.md shows real output: its examples are the golden files.
func TestSchedNginxDocsShowRealOutput(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "nginx.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{
		filepath.Join("..", "..", "scenarios", "sched-examples", "nginx-rr.yaml"),
		filepath.Join("testdata", "sched", "example-nginx-rr.txt"),
		filepath.Join("testdata", "sched", "example-nginx-hash-consistent.txt"),
	} {
		want, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(doc, want) {
			t.Errorf("docs/nginx.md does not show %s as it is", g)
		}
	}
}
