package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// FuzzSchedPlay replays every file the loader accepts: the replay never
// fails or panics, its JSON is valid, and after the last entry the
// counters of all destinations add up to the initial ones plus the
// connections picked and not closed (bind and unbind balance, removed
// destinations included).
func FuzzSchedPlay(f *testing.F) {
	for _, dir := range []string{filepath.Join("testdata", "sched"), filepath.Join("..", "..", "scenarios", "sched-examples")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := scenarios.LoadSched("f.yaml", data)
		if err != nil || sf.Conns > 20000 || sf.Nginx != nil { // nginx files: FuzzNginxPlay
			return
		}
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		if err := playSched(sf, &schedJSON{w: w}); err != nil {
			t.Fatalf("an accepted file fails to replay: %v", err)
		}
		w.Flush()
		var out struct {
			Picks []struct {
				Conn  int     `json:"conn"`
				Op    string  `json:"op"`
				Dest  *string `json:"dest"`
				Dests map[string]struct {
					Active, Inactive int
				} `json:"dests"`
			} `json:"picks"`
		}
		if err := json.Unmarshal(b.Bytes(), &out); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, b.String())
		}
		if len(out.Picks) == 0 {
			return
		}
		want := 0
		for _, d := range sf.Dests {
			want += d.Active + d.Inactive
		}
		bound := map[int]bool{}
		for _, p := range out.Picks {
			switch {
			case p.Op == "" && p.Dest != nil:
				bound[p.Conn] = true
			case p.Op == "close":
				delete(bound, p.Conn)
			}
		}
		want += len(bound)
		got := 0
		for _, c := range out.Picks[len(out.Picks)-1].Dests {
			got += c.Active + c.Inactive
		}
		if got != want {
			t.Fatalf("counters add up to %d, want %d (initial + open connections)\n%s", got, want, b.String())
		}
	})
}
