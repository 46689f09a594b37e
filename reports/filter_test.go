package reports

import (
	"errors"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// testFilterEnv classifies frames by their first byte so tests need no
// decoder: 'v' VRRP (VRID = second byte), 'a' ARP, 'i' ICMP, 't' TCP.
var testFilterEnv = FilterEnv{
	Classify: func(b []byte) FrameFacts {
		switch b[0] {
		case 'v':
			return FrameFacts{VRRP: true, VRID: int(b[1])}
		case 'a':
			return FrameFacts{ARP: true}
		case 'i':
			return FrameFacts{ICMP: true}
		case 't':
			return FrameFacts{TCP: true}
		}
		return FrameFacts{}
	},
	NodeSegments: map[string][]string{"r1": {"lan", "wan"}, "r2": {"lan"}, "h1": {"lan"}},
	Segments:     map[string]bool{"lan": true, "wan": true},
	CompSegment:  map[string]string{"r1/VI_1": "lan", "r1/VI_2": "wan", "r2/VI_1": "lan", "h1/eth0": "lan"},
}

// TestFilterMatch: the primitives of pcap-filter(7)'s spirit (proto,
// host-like "node", and/or/not with and binding tighter) on frames and on
// the behaviour records around them.
func TestFilterMatch(t *testing.T) {
	advert51 := &sim.Record{Kind: sim.KindFrame, Node: "lan", Comp: "r1/eth0", Frame: []byte{'v', 51}}
	advert52wan := &sim.Record{Kind: sim.KindFrame, Node: "wan", Comp: "r1/eth1", Frame: []byte{'v', 52}}
	arpH1 := &sim.Record{Kind: sim.KindFrame, Node: "lan", Comp: "h1/eth0", Frame: []byte{'a'}}
	pingH1 := &sim.Record{Kind: sim.KindFrame, Node: "lan", Comp: "h1/eth0", Frame: []byte{'i'}}
	synH1 := &sim.Record{Kind: sim.KindFrame, Node: "lan", Comp: "h1/eth0", Frame: []byte{'t'}}
	stateR2 := &sim.Record{Kind: sim.KindState, Node: "r2", Comp: "VI_1", Value2: 51}
	neighH1 := &sim.Record{Kind: sim.KindNeigh, Node: "h1", Comp: "eth0"}
	fdbR2 := &sim.Record{Kind: sim.KindFDB, Node: "lan", To: "r2/eth0"}
	dropLan := &sim.Record{Kind: sim.KindDrop, Node: "lan", Comp: "r2/eth0"}
	crash := &sim.Record{Kind: sim.KindAction, Node: "r1", Event: "crash r1"}
	stateR1wan := &sim.Record{Kind: sim.KindState, Node: "r1", Comp: "VI_2", Value2: 52}
	all := []*sim.Record{advert51, advert52wan, arpH1, pingH1, synH1, stateR2, neighH1, fdbR2, dropLan, crash, stateR1wan}
	names := map[*sim.Record]string{advert51: "advert51", advert52wan: "advert52wan", arpH1: "arpH1", pingH1: "pingH1", synH1: "synH1",
		stateR2: "stateR2", neighH1: "neighH1", fdbR2: "fdbR2", dropLan: "dropLan", crash: "crash", stateR1wan: "stateR1wan"}
	tests := []struct {
		expr string
		want []*sim.Record
	}{
		{"vrrp", []*sim.Record{advert51, advert52wan, stateR2, stateR1wan}},
		{"arp", []*sim.Record{arpH1, neighH1}},
		{"icmp", []*sim.Record{pingH1}},
		{"tcp", []*sim.Record{synH1}},
		{"vrid 51", []*sim.Record{advert51, stateR2}},
		{"node r2", []*sim.Record{stateR2, fdbR2, dropLan}},
		{"node r1", []*sim.Record{advert51, advert52wan, crash, stateR1wan}},
		{"segment wan", []*sim.Record{advert52wan, crash, stateR1wan}}, // r1 is on wan, its VI_2 too
		{"segment lan and not vrrp", []*sim.Record{arpH1, pingH1, synH1, neighH1, fdbR2, dropLan, crash}},
		{"arp or icmp and node h1", []*sim.Record{arpH1, pingH1, neighH1}},
		{"(arp or vrrp) and segment lan and not node r1", []*sim.Record{arpH1, stateR2, neighH1}},
		{"vrrp node r1", []*sim.Record{advert51, advert52wan, stateR1wan}}, // implicit and
		{"!vrrp && (node h1 || action)", []*sim.Record{arpH1, pingH1, synH1, neighH1, crash}},
		{"action", []*sim.Record{crash}},
		// r1 is on lan, but its VI_2 runs on wan: only VI_2's record is wan's.
		{"segment lan and vrrp", []*sim.Record{advert51, stateR2}},
	}
	for _, tt := range tests {
		f, err := ParseFilter(tt.expr, testFilterEnv)
		if err != nil {
			t.Errorf("%q: %v", tt.expr, err)
			continue
		}
		var got, want []string
		for _, r := range all {
			if f.Match(r) {
				got = append(got, names[r])
			}
		}
		for _, r := range tt.want {
			want = append(want, names[r])
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q: got %v, want %v", tt.expr, got, want)
		}
	}
}

// TestFilterErrors: every parse error names the column and what would
// be valid (STYLE.md: errors echo the bad input).
func TestFilterErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"", "column 1: empty expression"},
		{"vrrp and", "column 9: expression ends early"},
		{"vrrrp", `column 1: unknown word "vrrrp"`},
		{"node", "column 5: node needs an argument"},
		{"node and arp", "column 6: node needs an argument"},
		{"vrid 300", `column 6: vrid "300": want a number 1..255`},
		{"vrid x", `column 6: vrid "x"`},
		{"(arp or vrrp", "column 13: missing ) for the ( at column 1"},
		{"arp)", `column 4: unexpected ")"`},
		{"arp or or", `column 8: unknown word "or"`},
		{"segment lan & arp", `column 13: unknown word "&"`},
	}
	for _, tt := range tests {
		_, err := ParseFilter(tt.expr, testFilterEnv)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.expr, err, tt.want)
		}
	}
}

func TestFilterTracerAndNil(t *testing.T) {
	var n int
	count := func(*sim.Record) { n++ }
	FilterTracer(nil, count)(&sim.Record{Kind: sim.KindDrop})
	f, err := ParseFilter("action", testFilterEnv)
	if err != nil {
		t.Fatal(err)
	}
	tr := FilterTracer(f, count)
	tr(&sim.Record{Kind: sim.KindDrop})
	tr(&sim.Record{Kind: sim.KindAction})
	if n != 2 {
		t.Errorf("got %d records through, want 2 (nil filter keeps all, action keeps the action)", n)
	}
}

// FuzzParseFilter: the parser never panics, and an expression it accepts
// evaluates on any record without panicking.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"vrrp", "not (arp or icmp) and node r1", "vrid 51 || segment lan", "((", "!!tcp", "a&&b||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flt, err := ParseFilter(s, testFilterEnv)
		if err != nil {
			var fe *FilterError
			if !errors.As(err, &fe) || fe.Col < 1 || fe.Col > len(s)+1 {
				t.Fatalf("%q: error %v has no column within the input", s, err)
			}
			return
		}
		for _, r := range []*sim.Record{{Kind: sim.KindFrame, Node: "lan", Comp: "r1/eth0", Frame: []byte{'v', 1}}, {Kind: sim.KindState, Node: "r1"}} {
			flt.Match(r)
		}
	})
}

// BenchmarkFilterMatch: a filter runs once per trace record, frames
// included, so it must not allocate.
func BenchmarkFilterMatch(b *testing.B) {
	f, err := ParseFilter("(vrrp and vrid 51) or (arp and node h1) or segment wan", testFilterEnv)
	if err != nil {
		b.Fatal(err)
	}
	recs := []*sim.Record{
		{Kind: sim.KindFrame, Node: "lan", Comp: "r1/eth0", Frame: []byte{'v', 51}},
		{Kind: sim.KindFrame, Node: "lan", Comp: "h1/eth0", Frame: []byte{'i'}},
		{Kind: sim.KindState, Node: "r2", Comp: "VI_1", Value2: 51},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f.Match(recs[i%len(recs)])
	}
}
