package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// TestGoldenBuiltins runs every built-in scenario twice and compares its
// behavioural trace and metrics JSON with testdata/golden/NAME.{trace,json}.
// Regenerate with `go test ./cmd/vrrpsim -run Golden -update` and review
// the diff.
func TestGoldenBuiltins(t *testing.T) {
	for _, name := range testedBuiltins(scenarios.BuiltinNames()) {
		t.Run(name, func(t *testing.T) {
			var got [2][2][]byte
			for i := range got {
				sc, err := scenarios.Builtin(name)
				if err != nil {
					t.Fatal(err)
				}
				var tr, js bytes.Buffer
				res, err := simulate(sc, simOptions{golden: &tr})
				if err != nil {
					t.Fatal(err)
				}
				if err := res.report.WriteJSON(&js); err != nil {
					t.Fatal(err)
				}
				got[i] = [2][]byte{tr.Bytes(), js.Bytes()}
				if n := res.report.Failed(); n > 0 {
					var txt bytes.Buffer
					res.report.WriteText(&txt)
					t.Errorf("%d expectation(s) of built-in %s failed:\n%s", n, name, txt.String())
				}
			}
			for j, ext := range []string{"trace", "json"} {
				if !bytes.Equal(got[0][j], got[1][j]) {
					t.Errorf("%s: two runs differ", ext)
				}
				path := filepath.Join("testdata", "golden", name+"."+ext)
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got[0][j], 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got[0][j], want) {
					t.Errorf("%s differs from %s; if the change is intended, run with -update and review the diff", ext, path)
				}
			}
		})
	}
}
