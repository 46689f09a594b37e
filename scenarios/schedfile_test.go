package scenarios

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
)

// The example of issue 9 part 2, the contract of `vrrpsim sched`.
const schedIssueExample = `scheduler: wrr          # any of the names above
flags: []               # optional: sh-port, sh-fallback, mh-port, mh-fallback
seed: 7                 # optional, for twos
service: 10.0.0.100:80  # optional, the virtual service (default 10.0.0.100:80)
conns: active           # active (default)
dests:                  # in the order ipvsadm -a would add them
  - {name: A, addr: 10.1.0.1:80, weight: 4}
  - {name: B, addr: 10.1.0.2:80, weight: 3,
     active: 5, inactive: 100, overloaded: false, u_threshold: 0, l_threshold: 0}  # all optional
requests:               # in order
  - {client: 10.0.0.1:40000}                    # one new connection
  - {client: 10.0.0.2:40000, dst: 192.0.2.7:80} # dst: the address dh/lblc/lblcr hash
  - {client: 10.0.0.3:40000, count: 10}         # 10 connections, source port +1 each time
  - {close: 1}                                  # the 1st new connection
  - {set_weight: {name: A, weight: 0}}          # ipvsadm -e
  - {remove: B}                                 # ipvsadm -d
  - {add: {name: D, addr: 10.1.0.4:80, weight: 2}}  # ipvsadm -a
`

func TestLoadSchedIssueExample(t *testing.T) {
	f, err := LoadSched("wrr.yaml", []byte(schedIssueExample))
	if err != nil {
		t.Fatal(err)
	}
	if f.Scheduler != "wrr" || f.Seed != 7 || f.Service != netip.MustParseAddrPort("10.0.0.100:80") || f.Inactive || f.Flags != 0 {
		t.Errorf("got scheduler %q seed %d service %v inactive %v flags %v", f.Scheduler, f.Seed, f.Service, f.Inactive, f.Flags)
	}
	if len(f.Dests) != 2 || f.Dests[0].Name != "A" || f.Dests[1].Name != "B" {
		t.Fatalf("got dests %+v, want A then B in file order", f.Dests)
	}
	if b := f.Dests[1]; b.Weight != 3 || b.Active != 5 || b.Inactive != 100 || b.Pos.Line != 8 {
		t.Errorf("got B %+v", b)
	}
	if f.Conns != 12 {
		t.Errorf("got %d connections, want 1+1+10", f.Conns)
	}
	want := []struct {
		op     SchedOp
		first  int
		count  int
		dst    string
		name   string
		weight int
		close  int
	}{
		{op: SchedConnect, first: 1, count: 1, dst: "10.0.0.100:80"},
		{op: SchedConnect, first: 2, count: 1, dst: "192.0.2.7:80"},
		{op: SchedConnect, first: 3, count: 10, dst: "10.0.0.100:80"},
		{op: SchedClose, close: 1},
		{op: SchedSetWeight, name: "A", weight: 0},
		{op: SchedRemove, name: "B"},
		{op: SchedAdd, name: "D", weight: 2},
	}
	if len(f.Requests) != len(want) {
		t.Fatalf("got %d requests, want %d", len(f.Requests), len(want))
	}
	for i, w := range want {
		r := f.Requests[i]
		dst := ""
		if r.Op == SchedConnect {
			dst = r.Dst.String()
		}
		if r.Op != w.op || r.First != w.first || (r.Op == SchedConnect && r.Count != w.count) || dst != w.dst || r.Name != w.name || r.Weight != w.weight || r.Close != w.close {
			t.Errorf("request %d: got %+v, want %+v", i+1, r, w)
		}
		if r.Pos.Line != 11+i {
			t.Errorf("request %d at line %d, want %d", i+1, r.Pos.Line, 11+i)
		}
	}
}

func TestLoadSchedDefaults(t *testing.T) {
	f, err := LoadSched("min.yaml", []byte("scheduler: rr\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Seed != DefaultSchedSeed || f.Service != DefaultSchedService || f.Inactive || len(f.Dests) != 0 {
		t.Errorf("got %+v, want the defaults", f)
	}
	f, err = LoadSched("x.yaml", []byte("scheduler: mh\nflags: [mh-port, mh-fallback]\nconns: inactive\ndests: [{name: A, addr: 10.1.0.1:80}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Flags != sched.FlagMHPort|sched.FlagMHFallback || !f.Inactive || f.Dests[0].Weight != 1 {
		t.Errorf("got flags %v inactive %v weight %d; want mh-fallback,mh-port, true, ipvsadm's default weight 1", f.Flags, f.Inactive, f.Dests[0].Weight)
	}
}

// A removed destination re-added with its name and address comes back
// from the trash (ip_vs_add_dest -> ip_vs_trash_get_dest); the loader lets
// later requests use it again.
func TestLoadSchedReAddFromTrash(t *testing.T) {
	src := `scheduler: rr
dests: [{name: A, addr: 10.1.0.1:80}]
requests:
  - {remove: A}
  - {add: {name: A, addr: 10.1.0.1:80, weight: 5}}
  - {set_weight: {name: A, weight: 2}}
`
	f, err := LoadSched("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Requests) != 3 || f.Requests[1].Add.Weight != 5 {
		t.Fatalf("got %+v", f.Requests)
	}
}

// Bad files: every error carries FILE:LINE:COL, what is wrong and what
// would be valid.
func TestLoadSchedErrors(t *testing.T) {
	dests := "dests:\n  - {name: A, addr: 10.1.0.1:80}\n  - {name: B, addr: 10.1.0.2:80}\n"
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"missing scheduler", "seed: 1\n", []string{"f.yaml:1:1: missing key \"scheduler\"", "valid: scheduler: one of rr, wrr"}},
		{"unknown scheduler lists the 14", "scheduler: wrrr\n",
			[]string{"f.yaml:1:12: scheduler in the playground file: unknown scheduler \"wrrr\" (did you mean \"wrr\"?); valid: rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos"}},
		{"unknown key", "scheduler: rr\nsede: 1\n", []string{"f.yaml:2:1: unknown key \"sede\"", "(did you mean \"seed\"?)", "valid keys: scheduler, flags, seed"}},
		{"unknown flag lists the flags", "scheduler: sh\nflags: [sh-prot]\n",
			[]string{"f.yaml:2:9: unknown flag \"sh-prot\" (did you mean \"sh-port\"?); valid: sh-fallback, sh-port, mh-fallback, mh-port"}},
		{"flag twice", "scheduler: sh\nflags: [sh-port, sh-port]\n", []string{"f.yaml:2:18: flag sh-port given twice"}},
		{"negative seed", "scheduler: twos\nseed: -1\n", []string{"f.yaml:2:7: seed in the playground file: want a non-negative integer"}},
		{"service without port", "scheduler: rr\nservice: 10.0.0.100\n", []string{"f.yaml:2:10: bad service \"10.0.0.100\"; valid: an IPv4 address and port"}},
		{"IPv6 service", "scheduler: rr\nservice: '[::1]:80'\n", []string{"f.yaml:2:10: bad service"}},
		{"conns", "scheduler: rr\nconns: half\n", []string{"f.yaml:2:8: conns in the playground file: unknown value \"half\"; valid: active, inactive"}},
		{"weight above 65535", "scheduler: rr\ndests:\n  - {name: A, addr: 10.1.0.1:80, weight: 65536}\n",
			[]string{"f.yaml:3:42: weight in dest A: 65536 out of range; valid: 0..65535"}},
		{"negative weight", "scheduler: rr\ndests:\n  - {name: A, addr: 10.1.0.1:80, weight: -1}\n", []string{"f.yaml:3:42: weight in dest A: -1 out of range; valid: 0..65535"}},
		{"dest without addr", "scheduler: rr\ndests:\n  - {name: A}\n", []string{"f.yaml:3:5: missing key \"addr\" in dest A"}},
		{"dest without name", "scheduler: rr\ndests:\n  - {addr: 10.1.0.1:80}\n", []string{"f.yaml:3:5: missing key \"name\" in dest"}},
		{"bad dest name", "scheduler: rr\ndests:\n  - {name: 'a b', addr: 10.1.0.1:80}\n", []string{"f.yaml:3:12: name in dest: bad name \"a b\""}},
		{"dest addr without port", "scheduler: rr\ndests:\n  - {name: A, addr: 10.1.0.1}\n", []string{"f.yaml:3:21: bad addr of dest A \"10.1.0.1\"; valid: an IPv4 address and port"}},
		{"duplicate dest name", "scheduler: rr\n" + dests + "  - {name: A, addr: 10.1.0.3:80}\n", []string{"f.yaml:5:5: destination A is already in the service"}},
		{"duplicate dest address", "scheduler: rr\n" + dests + "  - {name: C, addr: 10.1.0.2:80}\n", []string{"f.yaml:5:5: address 10.1.0.2:80 of C belongs to B, which is in the service"}},
		{"lower threshold above upper", "scheduler: rr\ndests:\n  - {name: A, addr: 10.1.0.1:80, u_threshold: 4, l_threshold: 5}\n",
			[]string{"f.yaml:3:63: l_threshold in dest A: 5 is above u_threshold 4 (ip_vs_add_dest: -ERANGE)"}},
		{"counters on an add", "scheduler: rr\nrequests:\n  - {add: {name: C, addr: 10.1.0.3:80, active: 3}}\n", []string{"f.yaml:3:40: unknown key \"active\" in add"}},
		{"client without port", "scheduler: rr\nrequests:\n  - {client: 10.0.0.1}\n", []string{"f.yaml:3:14: bad client \"10.0.0.1\"; valid: an IPv4 address and port like 10.0.0.1:40000"}},
		{"bad dst", "scheduler: rr\nrequests:\n  - {client: 10.0.0.1:1, dst: x}\n", []string{"f.yaml:3:31: bad dst \"x\""}},
		{"count 0", "scheduler: rr\nrequests:\n  - {client: 10.0.0.1:1, count: 0}\n", []string{"f.yaml:3:33: count in request: 0 out of range; valid: 1..1000000"}},
		{"count past port 65535", "scheduler: rr\nrequests:\n  - {client: 10.0.0.1:65000, count: 1000}\n",
			[]string{"f.yaml:3:37: count in request: 1000 connections from port 65000 would reach port 65999; valid: at most 536 from this port"}},
		{"too many connections", "scheduler: rr\nrequests:\n" + strings.Repeat("  - {client: 10.0.0.1:1, count: 60000}\n", 17),
			[]string{"f.yaml:19:33: count in request: 60000 more connections make 1020000 in the file; valid: at most 1000000 connections in all"}},
		{"close of a connection not opened", "scheduler: rr\nrequests:\n  - {client: 10.0.0.1:1}\n  - {close: 2}\n",
			[]string{"f.yaml:4:13: close in request: connection 2 does not exist yet (1 opened so far); valid: 1..1"}},
		{"close twice", "scheduler: rr\nrequests:\n  - {client: 10.0.0.1:1, count: 2}\n  - {close: 2}\n  - {close: 2}\n",
			[]string{"f.yaml:5:13: close in request: connection 2 is already closed"}},
		{"close 0", "scheduler: rr\nrequests:\n  - {close: 0}\n", []string{"f.yaml:3:13: close in request: 0 out of range"}},
		{"set_weight of an unknown dest", "scheduler: rr\n" + dests + "requests:\n  - {set_weight: {name: C, weight: 1}}\n",
			[]string{"f.yaml:6:25: set_weight: no destination \"C\" in the service; valid: A, B"}},
		{"set_weight out of range", "scheduler: rr\n" + dests + "requests:\n  - {set_weight: {name: A, weight: 65536}}\n",
			[]string{"f.yaml:6:36: weight in set_weight: 65536 out of range; valid: 0..65535"}},
		{"set_weight without weight", "scheduler: rr\n" + dests + "requests:\n  - {set_weight: {name: A}}\n", []string{"f.yaml:6:18: missing key \"weight\" in set_weight"}},
		{"remove of an unknown dest", "scheduler: rr\n" + dests + "requests:\n  - {remove: C}\n", []string{"f.yaml:6:14: remove: no destination \"C\" in the service; valid: A, B"}},
		{"remove twice", "scheduler: rr\n" + dests + "requests:\n  - {remove: A}\n  - {remove: A}\n",
			[]string{"f.yaml:7:14: remove: destination A was removed; valid: one in the service: B"}},
		{"set_weight of a removed dest", "scheduler: rr\n" + dests + "requests:\n  - {remove: B}\n  - {set_weight: {name: B, weight: 2}}\n",
			[]string{"f.yaml:7:25: set_weight: destination B was removed; valid: one in the service: A"}},
		{"add of an existing dest", "scheduler: rr\n" + dests + "requests:\n  - {add: {name: B, addr: 10.1.0.9:80}}\n",
			[]string{"f.yaml:6:11: destination B is already in the service"}},
		{"add on the address of a removed dest", "scheduler: rr\n" + dests + "requests:\n  - {remove: B}\n  - {add: {name: C, addr: 10.1.0.2:80}}\n",
			[]string{"f.yaml:7:11: address 10.1.0.2:80 of C belongs to B, which was removed; the kernel revives it from its trash by address"}},
		{"re-add with another address", "scheduler: rr\n" + dests + "requests:\n  - {remove: B}\n  - {add: {name: B, addr: 10.1.0.9:80}}\n",
			[]string{"f.yaml:7:11: destination B was removed with address 10.1.0.2:80, not 10.1.0.9:80"}},
		{"two kinds in one request", "scheduler: rr\nrequests:\n  - {client: 10.0.0.1:1, close: 1}\n", []string{"f.yaml:3:5: request has both client and close"}},
		{"empty request", "scheduler: rr\nrequests:\n  - {}\n", []string{"f.yaml:3:5: request does nothing; valid: {client: ADDR:PORT}"}},
		{"count on a remove", "scheduler: rr\n" + dests + "requests:\n  - {remove: A, count: 3}\n", []string{"f.yaml:6:17: count in a remove request; valid: count only with client"}},
		{"set_weight not a mapping", "scheduler: rr\n" + dests + "requests:\n  - {set_weight: A}\n", []string{"f.yaml:6:18: set_weight must be a mapping"}},
		{"add not a mapping", "scheduler: rr\nrequests:\n  - {add: D}\n", []string{"f.yaml:3:11: add must be a mapping"}},
		{"requests not a list", "scheduler: rr\nrequests: {client: 10.0.0.1:1}\n", []string{"f.yaml:2:11: requests must be a list"}},
		{"empty file", "", []string{"f.yaml:1:1: empty playground file; valid: a mapping with at least scheduler:"}},
		{"syntax error", "scheduler: [rr\n", []string{"f.yaml:", "YAML syntax error", "valid: YAML like scenarios/sched-examples"}},
		{"alias", "scheduler: &s rr\nseed: *s\n", []string{"f.yaml:2:7: YAML aliases"}},
		{"too deep", "scheduler: rr\nx: " + strings.Repeat("[", 40) + "\n", []string{"f.yaml:2:", "nesting depth"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSched("f.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// Every error of a file is reported, in file order, each on its line.
func TestLoadSchedReportsEveryError(t *testing.T) {
	src := "scheduler: rr\nconns: half\ndests:\n  - {name: A, addr: 10.1.0.1:80, weight: 70000}\nrequests:\n  - {close: 3}\n"
	_, err := LoadSched("f.yaml", []byte(src))
	es, ok := err.(Errors)
	if !ok {
		t.Fatalf("got %T %v, want Errors", err, err)
	}
	var lines []string
	for _, e := range es {
		lines = append(lines, fmt.Sprint(e.Pos.Line))
	}
	if got := strings.Join(lines, ","); got != "2,4,6" {
		t.Errorf("errors on lines %s, want 2,4,6:\n%v", got, err)
	}
}

// The cap on the output (entries times destinations) holds even with few
// connections per line.
func TestLoadSchedBoundsTheOutput(t *testing.T) {
	var b strings.Builder
	b.WriteString("scheduler: rr\ndests:\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "  - {name: d%d, addr: 10.1.%d.%d:80}\n", i, i/250, i%250+1)
	}
	b.WriteString("requests:\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, "  - {client: 10.0.%d.1:1, count: 60000}\n", i)
	}
	_, err := LoadSched("f.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "f.yaml:107:5: the output would print more than 20000000 destination counters") {
		t.Errorf("got %v, want the output bound at the 4th request", err)
	}
}

// BenchmarkLoadSched loads a file of 10,000 requests (new connections and
// closes): the loader's cost per request.
func BenchmarkLoadSched(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("scheduler: wrr\ndests:\n  - {name: A, addr: 10.1.0.1:80, weight: 4}\n  - {name: B, addr: 10.1.0.2:80, weight: 3}\nrequests:\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&sb, "  - {client: 10.0.%d.%d:40000}\n  - {close: %d}\n", i/250, i%250+1, i+1)
	}
	data := []byte(sb.String())
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := LoadSched("b.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// A value of the wrong kind is one error, not one per key it lacks.
func TestLoadSchedNotAMappingIsOneError(t *testing.T) {
	for _, src := range []string{
		"scheduler: rr\ndests: [{name: A, addr: 10.1.0.1:80}]\nrequests:\n  - {set_weight: A}\n",
		"scheduler: rr\nrequests:\n  - {add: D}\n",
		"scheduler: rr\ndests: [A]\n",
	} {
		_, err := LoadSched("f.yaml", []byte(src))
		if es, ok := err.(Errors); !ok || len(es) != 1 {
			t.Errorf("%q: got %v, want exactly one error", src, err)
		}
	}
}

// The input is bounded before the parser sees it, as scenario files are.
func TestLoadSchedBoundsTheInput(t *testing.T) {
	big := append([]byte("scheduler: rr\n# "), bytes.Repeat([]byte("x"), DefaultLimits().FileBytes)...)
	_, err := LoadSched("f.yaml", big)
	if err == nil || !strings.Contains(err.Error(), "f.yaml:1:1: file size in bytes") {
		t.Errorf("got %v, want the file size limit", err)
	}
}
