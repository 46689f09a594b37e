package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

// schedPick is one entry of `vrrpsim sched --json`, as a consumer reads it.
type schedPick struct {
	Request int              `json:"request"`
	Conn    int              `json:"conn"`
	Client  string           `json:"client"`
	Dest    *string          `json:"dest"`
	Op      string           `json:"op"`
	Name    string           `json:"name"`
	Dests   *json.RawMessage `json:"dests"`
}

type schedOut struct {
	Scheduler string      `json:"scheduler"`
	Picks     []schedPick `json:"picks"`
}

// playJSON runs the playground on src and decodes its JSON output.
func playJSON(t *testing.T, src string) (schedOut, string) {
	t.Helper()
	f, err := scenarios.LoadSched("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	if err := playSched(f, &schedJSON{w: w}); err != nil {
		if strings.Contains(err.Error(), "unknown scheduler") {
			t.Skipf("scheduler %s not registered yet: %v", f.Scheduler, err)
		}
		t.Fatal(err)
	}
	w.Flush()
	var out schedOut
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, b.String())
	}
	return out, b.String()
}

// picks lists the picked destinations of the new connections, "-" for
// none, ops left out.
func picks(out schedOut) string {
	var s []string
	for _, p := range out.Picks {
		switch {
		case p.Op != "":
		case p.Dest == nil:
			s = append(s, "-")
		default:
			s = append(s, *p.Dest)
		}
	}
	return strings.Join(s, " ")
}

// Pick sequences worked out by hand from the kernel functions, not read
// off the program.
func TestSchedPicksFollowTheKernel(t *testing.T) {
	three := "  - {name: A, addr: 10.1.0.1:80%s}\n  - {name: B, addr: 10.1.0.2:80%s}\n  - {name: C, addr: 10.1.0.3:80%s}\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		// ip_vs_rr_schedule: from the cursor (the list head at first) to
		// the next available destination; the list is newest first: C B A.
		{"rr walks the list newest first", "scheduler: rr\ndests:\n" + fmt.Sprintf(three, "", "", "") +
			"requests: [{client: 10.0.0.1:1, count: 5}]\n", "C B A C B"},
		// ip_vs_rr_schedule skips weight 0 (quiesced) destinations.
		{"rr skips weight 0", "scheduler: rr\ndests:\n" + fmt.Sprintf(three, "", ", weight: 0", "") +
			"requests: [{client: 10.0.0.1:1, count: 4}]\n", "C A C A"},
		// ip_vs_wrr_schedule: cw starts at 0, so the first pass takes every
		// destination in list order (B A), then cw = mw = 4: A; 3: B A; ...
		{"wrr starts at current weight 0", "scheduler: wrr\ndests:\n  - {name: A, addr: 10.1.0.1:80, weight: 4}\n  - {name: B, addr: 10.1.0.2:80, weight: 3}\n" +
			"requests: [{client: 10.0.0.1:1, count: 9}]\n", "B A A B A B A B A"},
		// ip_vs_lc_schedule with ip_vs_dest_conn_overhead: A has one active
		// connection (256), B 200 inactive, C 255: B, then C (255 < 456),
		// then A (256 < 456, 511), then B (456).
		{"lc weighs inactive 1/256", "scheduler: lc\ndests:\n" + fmt.Sprintf(three, ", active: 1", ", inactive: 200", ", inactive: 255") +
			"requests: [{client: 10.0.0.1:1, count: 4}]\n", "B C A B"},
		// The same with conns: inactive: each new connection adds 1, so B
		// (250) fills to C's 253, the tie goes to C (first in the list).
		{"lc under a SYN burst", "scheduler: lc\nconns: inactive\ndests:\n" + fmt.Sprintf(three, ", active: 1", ", inactive: 250", ", inactive: 253") +
			"requests: [{client: 10.0.0.1:1, count: 5}]\n", "B B B C B"},
		// ip_vs_wlc_schedule: loh*dw > doh*lw replaces; ties keep the first.
		// B(w1) first in the list at 0 ties A(w3) at 0: B. Then A while
		// 256*3 > A's overhead: A A A, then the tie 768 = 768 keeps B.
		{"wlc compares overhead by weight", "scheduler: wlc\ndests:\n  - {name: A, addr: 10.1.0.1:80, weight: 3}\n  - {name: B, addr: 10.1.0.2:80, weight: 1}\n" +
			"requests: [{client: 10.0.0.1:1, count: 5}]\n", "B A A A B"},
		// sed and nq look at active connections only: inactive ones do not
		// count (ip_vs_sed_dest_overhead = activeconns + 1).
		{"sed ignores inactive", "scheduler: sed\nconns: inactive\ndests:\n" + fmt.Sprintf(three, ", active: 1", ", inactive: 900", ", active: 1") +
			"requests: [{client: 10.0.0.1:1, count: 3}]\n", "B B B"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _ := playJSON(t, tc.src)
			if got := picks(out); got != tc.want {
				t.Errorf("got picks %q, want %q", got, tc.want)
			}
		})
	}
}

// The edits: close unbinds at once (ip_vs_unbind_dest), a removed
// destination keeps its connections and is listed after the service's
// with "removed": true while it has any, an added one comes first.
func TestSchedOpsAndCounters(t *testing.T) {
	src := `scheduler: rr
conns: inactive
dests:
  - {name: A, addr: 10.1.0.1:80}
  - {name: B, addr: 10.1.0.2:80}
requests:
  - {client: 10.0.0.1:1, count: 3}
  - {remove: B}
  - {close: 1}
  - {add: {name: C, addr: 10.1.0.3:80, weight: 5}}
  - {set_weight: {name: A, weight: 0}}
  - {close: 3}
`
	out, raw := playJSON(t, src)
	if out.Scheduler != "rr" {
		t.Errorf("scheduler %q", out.Scheduler)
	}
	if got := picks(out); got != "B A B" {
		t.Fatalf("picks %q, want B A B", got)
	}
	type dc struct {
		Weight     int  `json:"weight"`
		Active     int  `json:"active"`
		Inactive   int  `json:"inactive"`
		Overloaded bool `json:"overloaded"`
		Removed    bool `json:"removed"`
	}
	want := []struct {
		op    string
		names []string // the order of "dests"
		b, a  int      // inactive counters of B and A
	}{
		{"", []string{"B", "A"}, 1, 0},
		{"", []string{"B", "A"}, 1, 1},
		{"", []string{"B", "A"}, 2, 1},
		{"remove", []string{"A", "B"}, 2, 1},
		{"close", []string{"A", "B"}, 1, 1},
		{"add", []string{"C", "A", "B"}, 1, 1},
		{"set_weight", []string{"C", "A", "B"}, 1, 1},
		{"close", []string{"C", "A"}, -1, 1}, // B has no connection left: not listed
	}
	if len(out.Picks) != len(want) {
		t.Fatalf("%d entries, want %d:\n%s", len(out.Picks), len(want), raw)
	}
	for i, w := range want {
		p := out.Picks[i]
		if p.Request != i+1 || p.Op != w.op || p.Dests == nil {
			t.Errorf("entry %d: request %d op %q dests %v, want request %d op %q with dests", i, p.Request, p.Op, p.Dests != nil, i+1, w.op)
			continue
		}
		if w.op != "" && p.Dest != nil {
			t.Errorf("entry %d: an op entry carries dest", i)
		}
		var m map[string]dc
		if err := json.Unmarshal(*p.Dests, &m); err != nil {
			t.Fatal(err)
		}
		// The key order is the list order: read it off the raw text.
		var names []string
		dec := json.NewDecoder(bytes.NewReader(*p.Dests))
		dec.Token()
		for dec.More() {
			tk, _ := dec.Token()
			names = append(names, tk.(string))
			var skip json.RawMessage
			dec.Decode(&skip)
		}
		if !reflect.DeepEqual(names, w.names) {
			t.Errorf("entry %d: dests %v, want %v", i, names, w.names)
		}
		if w.b >= 0 && (m["B"].Inactive != w.b || !m["B"].Removed == (i >= 3)) {
			t.Errorf("entry %d: B %+v, want inactive %d, removed %v", i, m["B"], w.b, i >= 3)
		}
		if m["A"].Inactive != w.a || m["A"].Active != 0 || m["A"].Removed {
			t.Errorf("entry %d: A %+v, want inactive %d", i, m["A"], w.a)
		}
	}
	if !strings.Contains(raw, `{"request": 7, "op": "set_weight", "name": "A", "weight": 0, "dests": {"C": {"weight": 5, "active": 0, "inactive": 0, "overloaded": false}, "A": {"weight": 0,`) {
		t.Errorf("set_weight entry not as documented:\n%s", raw)
	}
}

// Every registered scheduler runs the same file twice with identical
// output, and the counters add up to the picks. Schedulers not yet in the
// registry are skipped.
func TestSchedEveryScheduler(t *testing.T) {
	for _, name := range sched.Names {
		t.Run(name, func(t *testing.T) {
			flags := ""
			switch name {
			case "sh":
				flags = "flags: [sh-port]\n"
			case "mh":
				flags = "flags: [mh-port]\n"
			}
			src := "scheduler: " + name + "\n" + flags + `dests:
  - {name: A, addr: 10.1.0.1:80, weight: 1}
  - {name: B, addr: 10.1.0.2:80, weight: 3}
  - {name: C, addr: 10.1.0.3:80, weight: 2}
requests:
  - {client: 10.0.0.1:1000, count: 30, dst: 192.0.2.1:80}
  - {close: 5}
  - {set_weight: {name: B, weight: 0}}
  - {client: 10.0.0.2:1000, count: 30, dst: 192.0.2.2:80}
`
			out, raw := playJSON(t, src)
			_, raw2 := playJSON(t, src)
			if raw != raw2 {
				t.Fatal("two runs of the same file differ")
			}
			got := map[string]int{}
			for i, p := range out.Picks {
				if p.Op == "" && p.Dest != nil {
					got[*p.Dest]++
				}
				if i == 30 && p.Op == "close" && out.Picks[4].Dest != nil {
					got[*out.Picks[4].Dest]--
				}
			}
			last := out.Picks[len(out.Picks)-1]
			var m map[string]struct{ Active, Inactive int }
			if err := json.Unmarshal(*last.Dests, &m); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"A", "B", "C"} {
				if m[n].Active != got[n] || m[n].Inactive != 0 {
					t.Errorf("%s: counters %+v, want %d active from the picks", n, m[n], got[n])
				}
			}
			// After B is quiesced no scheduler picks it (weight 0 is
			// skipped by every ip_vs_*_schedule).
			for _, p := range out.Picks[32:] {
				if p.Dest != nil && *p.Dest == "B" {
					t.Errorf("request %d picked quiesced B", p.Request)
				}
			}
		})
	}
}

// Golden outputs: testdata/sched/*.yaml and the examples the docs use,
// as text and JSON. Regenerate with `go test ./cmd/vrrpsim -run
// SchedGolden -update` and review the diff.
func TestSchedGolden(t *testing.T) {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "sched", "*.yaml"))
	examples, _ := filepath.Glob(filepath.Join("..", "..", "scenarios", "sched-examples", "*.yaml"))
	if len(inputs) < 10 || len(examples) < 3 {
		t.Fatalf("found %d inputs and %d examples", len(inputs), len(examples))
	}
	for _, in := range append(inputs, examples...) {
		base := strings.TrimSuffix(filepath.Base(in), ".yaml")
		if !strings.HasPrefix(in, "testdata") {
			base = "example-" + base
		}
		t.Run(base, func(t *testing.T) {
			for _, ext := range []string{"txt", "json"} {
				args := []string{"sched", in}
				if ext == "json" {
					args = append(args, "--json")
				}
				code, out, stderr := runCLI(t, args...)
				if code != exitOK {
					if strings.Contains(stderr, "unknown scheduler") {
						t.Skip(stderr)
					}
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if _, again, _ := runCLI(t, args...); again != out {
					t.Fatalf("%s: two runs differ", ext)
				}
				if ext == "json" && !json.Valid([]byte(out)) {
					t.Fatalf("not JSON:\n%s", out)
				}
				path := filepath.Join("testdata", "sched", base+"."+ext)
				if *update {
					if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if out != string(want) {
					t.Errorf("%s differs from %s; if the change is intended, run with -update and review the diff\ngot:\n%s", ext, path, out)
				}
			}
		})
	}
}

// Bad input exits 2 with FILE:LINE:COL on stderr; usage errors exit 2.
func TestSchedCLIErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("scheduler: rr\ndests:\n  - {name: A, addr: 10.1.0.1:80, weight: 70000}\nrequests:\n  - {remove: Z}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sched", bad}, bad + ":3:42: weight in dest A: 70000 out of range; valid: 0..65535 (+1 more; fix this one first)"},
		{[]string{"sched"}, "sched takes one playground file, got 0"},
		{[]string{"sched", bad, bad}, "sched takes one playground file, got 2"},
		{[]string{"sched", "--jsn", bad}, "unknown flag: --jsn"},
		{[]string{"sched", filepath.Join(dir, "missing.yaml")}, "no such file"},
		{[]string{"sched", dir}, "a directory, not a regular file"},
	} {
		code, out, stderr := runCLI(t, tc.args...)
		if code != exitBadInput || out != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tc.args, code, out, stderr, tc.want)
		}
	}
	code, out, _ := runCLI(t, "sched", "--help")
	if code != exitOK || !strings.Contains(out, "usage: vrrpsim sched FILE [--json]") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
}

// docs/lb.md shows real output: its examples are the golden files.
func TestSchedDocsShowRealOutput(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "lb.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"example-wrr.txt", "example-wlc-syn-burst.txt"} {
		want, err := os.ReadFile(filepath.Join("testdata", "sched", g))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(doc, want) {
			t.Errorf("docs/lb.md does not show the output of %s as the program prints it", g)
		}
	}
	js, err := os.ReadFile(filepath.Join("testdata", "sched", "example-wrr.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(js), "\n") {
		if strings.Contains(line, `"op": "remove"`) && !bytes.Contains(doc, []byte(line)) {
			t.Errorf("docs/lb.md does not show the JSON remove entry as printed:\n%s", line)
		}
	}
}

// BenchmarkSchedPlay replays 10,000 connections over 5 destinations and
// prints them (text and JSON) to io.Discard: the cost per entry.
func BenchmarkSchedPlay(b *testing.B) {
	src := "scheduler: wlc\ndests:\n"
	for i := 1; i <= 5; i++ {
		src += fmt.Sprintf("  - {name: d%d, addr: 10.1.0.%d:80, weight: %d}\n", i, i, i)
	}
	src += "requests:\n  - {client: 10.0.0.1:1000, count: 10000}\n"
	f, err := scenarios.LoadSched("b.yaml", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{"text", "json"} {
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				w := bufio.NewWriter(io.Discard)
				var out schedWriter = &schedText{w: w}
				if kind == "json" {
					out = &schedJSON{w: w}
				}
				if err := playSched(f, out); err != nil {
					b.Fatal(err)
				}
				w.Flush()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/entry")
		})
	}
}

// TestSchedIssueContractExample runs the playground file exactly as issue
// 9 spells it (comments, the sh-port flag with wrr, every request kind):
// it must play, and the JSON must have the contract's shape.
func TestSchedIssueContractExample(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "sched", "issue9-contract.yaml.txt"))
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, filepath.Join(t.TempDir(), "wrr.yaml"), string(src))
	code, out, stderr := runCLI(t, "sched", path, "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Scheduler string `json:"scheduler"`
		Picks     []struct {
			Request int     `json:"request"`
			Client  string  `json:"client"`
			Dest    *string `json:"dest"`
			Op      string  `json:"op"`
			Dests   map[string]struct {
				Weight     int  `json:"weight"`
				Active     int  `json:"active"`
				Inactive   int  `json:"inactive"`
				Overloaded bool `json:"overloaded"`
			} `json:"dests"`
		} `json:"picks"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	// 12 new connections (1 + 1 + count 10) and 4 ops.
	if got.Scheduler != "wrr" || len(got.Picks) != 16 {
		t.Fatalf("scheduler %q, %d entries; want wrr and 16", got.Scheduler, len(got.Picks))
	}
	first := got.Picks[0]
	if first.Request != 1 || first.Client != "10.0.0.1:40000" || first.Dest == nil || first.Dests["B"].Inactive != 100 {
		t.Errorf("first entry %+v", first)
	}
	var ops []string
	for _, p := range got.Picks {
		if p.Op != "" {
			ops = append(ops, p.Op)
			if p.Dest != nil || p.Dests == nil {
				t.Errorf("op entry %+v: want no dest and the counters", p)
			}
		}
	}
	if strings.Join(ops, " ") != "close set_weight remove add" {
		t.Errorf("ops %v", ops)
	}
}
