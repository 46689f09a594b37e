package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// explainDirs are the keepalived.conf clusters `explain` is run over:
// the lint test configs (one node per *.conf, or the NODE=FILE[@ID]
// lines of a file "nodes"), shared with scenarios/keepalived.
const explainDirs = "../../scenarios/keepalived/testdata/lint"

func explainArgs(t *testing.T, dir string) []string {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join(dir, "nodes")); err == nil {
		var args []string
		for _, l := range strings.Fields(string(b)) {
			node, file, _ := strings.Cut(l, "=")
			args = append(args, node+"="+filepath.Join(dir, file))
		}
		return args
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	sort.Strings(files)
	var args []string
	for _, f := range files {
		args = append(args, strings.TrimSuffix(filepath.Base(f), ".conf")+"="+f)
	}
	return args
}

// golden compares got with testdata/explain/NAME (or rewrites it).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "explain", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -run Explain -update, then review the diff)\n--- got\n%s", path, got)
	}
}

// TestExplainGolden: explain over each config directory and over
// built-ins, text and JSON; the same input twice gives the same bytes.
func TestExplainGolden(t *testing.T) {
	dirs, err := os.ReadDir(explainDirs)
	if err != nil {
		t.Fatal(err)
	}
	type tc struct {
		name string
		args []string
	}
	var cases []tc
	for _, d := range dirs {
		if d.IsDir() {
			cases = append(cases, tc{d.Name(), explainArgs(t, filepath.Join(explainDirs, d.Name()))})
		}
	}
	for _, b := range []string{"master-crash", "vrrpv3-fast", "preempt-delay", "health-script-weight", "uplink-tracking", "two-groups-load-sharing"} {
		cases = append(cases, tc{"builtin-" + b, []string{b}})
	}
	// A director pair with checkers: the health-check section.
	cases = append(cases, tc{"director-pair", []string{filepath.Join("testdata", "explain", "director-pair.yaml")}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, append([]string{"explain"}, c.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			_, again, _ := runCLI(t, append([]string{"explain"}, c.args...)...)
			if again != out {
				t.Error("two runs differ")
			}
			golden(t, c.name+".txt", out)
			code, js, stderr := runCLI(t, append([]string{"explain", "--json"}, c.args...)...)
			if code != exitOK {
				t.Fatalf("--json exit %d: %s", code, stderr)
			}
			var e scenarios.Explanation
			if err := json.Unmarshal([]byte(js), &e); err != nil {
				t.Fatalf("--json is not JSON: %v", err)
			}
			golden(t, c.name+".json", js)
		})
	}
}

// The fix-ups show as keepalived's values: a v2 advert_int 0.5
// runs at 1 s, a v3 0.125 at 0.13 s, auth_pass cut to 8, state Master
// read as BACKUP, state MASTER without priority is 255 and master at once.
func TestExplainShowsFixups(t *testing.T) {
	dir := filepath.Join(explainDirs, "fixups")
	code, js, stderr := runCLI(t, append([]string{"explain", "--json"}, explainArgs(t, dir)...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var e scenarios.Explanation
	if err := json.Unmarshal([]byte(js), &e); err != nil {
		t.Fatal(err)
	}
	got := map[string]scenarios.ExplainInstance{}
	for _, n := range e.Nodes {
		for _, in := range n.Instances {
			got[n.Node+"/"+in.Name] = in
		}
	}
	vi1, vi2 := got["r1/VI_1"], got["r1/VI_2"]
	if vi1.AdvertInt != scenarios.Secs(1e9) || vi1.State != "BACKUP" || vi1.Auth != `PASS "averylon"` {
		t.Errorf("r1/VI_1: advert_int %v state %s auth %s, want 1 s, BACKUP, PASS \"averylon\"", vi1.AdvertInt, vi1.State, vi1.Auth)
	}
	if vi2.AdvertInt != scenarios.Secs(130e6) || vi2.Priority != 255 || vi2.State != "MASTER" || vi2.Auth != "none" {
		t.Errorf("r1/VI_2: advert_int %v priority %d state %s auth %s, want 0.13 s, 255, MASTER, none", vi2.AdvertInt, vi2.Priority, vi2.State, vi2.Auth)
	}
	if len(e.Fixups) == 0 {
		t.Error("no fix-ups listed")
	}
}

func TestExplainUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"explain"}, {"explain", "r1=/nonexistent.conf"}, {"explain", "no-such-scenario"}} {
		if code, _, _ := runCLI(t, args...); code == exitOK {
			t.Errorf("%v: exit 0, want an error", args)
		}
	}
}
