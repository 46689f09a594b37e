package scenarios

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// partsLAN writes, as YAML node entries, a LAN of two VRRP routers and a
// host named PREFIX-r1, PREFIX-r2, PREFIX-h on segment seg, subnet
// 10.NET.0.0/24.
func partsLAN(prefix, seg string, net int) string {
	return fmt.Sprintf(`  %[1]s-r1:
    kind: router
    interfaces:
      eth0: {segment: %[2]s, address: 10.%[3]d.0.1/24}
    vrrp:
      VI_%[1]s: {interface: eth0, virtual_router_id: 51, priority: 150, advert_int: 1s, virtual_ipaddress: [10.%[3]d.0.254]}
  %[1]s-r2:
    kind: router
    interfaces:
      eth0: {segment: %[2]s, address: 10.%[3]d.0.2/24}
    vrrp:
      VI_%[1]s: {interface: eth0, virtual_router_id: 51, priority: 100, advert_int: 1s, virtual_ipaddress: [10.%[3]d.0.254]}
  %[1]s-h:
    kind: host
    interfaces:
      eth0: {segment: %[2]s, address: 10.%[3]d.0.10/24, gateway: 10.%[3]d.0.254}
    traffic:
      - ping: {to: 10.%[3]d.0.254, interval: 100ms, start: 5s}
`, prefix, seg, net)
}

// partsYAML assembles a scenario from its segments, node entries and
// timeline entries (without their list headers).
func partsYAML(segs []string, nodes, timeline string) []byte {
	var b strings.Builder
	b.WriteString("name: parts\nduration: 20s\nseed: 1\n\nsegments:\n")
	for _, s := range segs {
		fmt.Fprintf(&b, "  %s: {}\n", s)
	}
	b.WriteString("\nnodes:\n" + nodes)
	if timeline != "" {
		b.WriteString("\ntimeline:\n" + timeline)
	}
	return []byte(b.String())
}

// TestParts checks scenarios.Parts: a node is in the part of every
// segment it has an interface on, a timeline action joins all it names
// (block from/to), a world with load balancing stays one part, and parts
// are numbered in the order of their first node in the file, then the
// segments without nodes. want maps a node or segment name to its part.
func TestParts(t *testing.T) {
	bench, err := BenchLAN(500, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, lvsData, ok := BuiltinSource("lvs-dr")
	if !ok {
		t.Fatal("no built-in lvs-dr")
	}
	// lvs-dr with a LAN of its own that nothing joins to the rest: still
	// one part, because the report reads the load balancer's records in
	// one order.
	lvsPlusLAN := strings.Replace(string(lvsData), "\nnodes:\n", "\n  other: {}\n\nnodes:\n"+partsLAN("b", "other", 9), 1)
	if lvsPlusLAN == string(lvsData) {
		t.Fatal("lvs-dr: no nodes: line to add a LAN after")
	}
	router := `  gw:
    kind: router
    interfaces:
      eth0: {segment: lan1, address: 10.1.0.253/24}
      eth1: {segment: lan2, address: 10.2.0.253/24}
`
	cases := []struct {
		name  string
		data  []byte
		parts int
		want  map[string]int // node or segment -> part
	}{
		{
			name:  "one LAN",
			data:  partsYAML([]string{"lan1"}, partsLAN("a", "lan1", 1), ""),
			parts: 1,
			want:  map[string]int{"a-r1": 0, "a-r2": 0, "a-h": 0, "lan1": 0},
		},
		{
			name:  "two LANs nothing joins",
			data:  partsYAML([]string{"lan1", "lan2"}, partsLAN("a", "lan1", 1)+partsLAN("b", "lan2", 2), ""),
			parts: 2,
			want:  map[string]int{"a-r1": 0, "a-h": 0, "lan1": 0, "b-r1": 1, "b-r2": 1, "b-h": 1, "lan2": 1},
		},
		{
			// Numbering follows the first node in the file, not the
			// segments' order.
			name:  "second segment's nodes first",
			data:  partsYAML([]string{"lan1", "lan2"}, partsLAN("b", "lan2", 2)+partsLAN("a", "lan1", 1), ""),
			parts: 2,
			want:  map[string]int{"b-r1": 0, "lan2": 0, "a-r1": 1, "a-h": 1, "lan1": 1},
		},
		{
			// A segment without nodes comes after every node's part.
			name:  "empty segment numbered last",
			data:  partsYAML([]string{"spare", "lan1", "lan2"}, partsLAN("a", "lan1", 1)+partsLAN("b", "lan2", 2), ""),
			parts: 3,
			want:  map[string]int{"a-r1": 0, "lan1": 0, "b-r1": 1, "lan2": 1, "spare": 2},
		},
		{
			name:  "router on both LANs",
			data:  partsYAML([]string{"lan1", "lan2"}, partsLAN("a", "lan1", 1)+partsLAN("b", "lan2", 2)+router, ""),
			parts: 1,
			want:  map[string]int{"a-r1": 0, "b-r1": 0, "gw": 0, "lan1": 0, "lan2": 0},
		},
		{
			// The block names lan1 and a node of lan2: applying it
			// reaches into both, so they run on one kernel.
			name: "block from one LAN to the other",
			data: partsYAML([]string{"lan1", "lan2"}, partsLAN("a", "lan1", 1)+partsLAN("b", "lan2", 2),
				"  - {at: 10s, block: {segment: lan1, class: vrrp, from: a-r1, to: b-r2}}\n"),
			parts: 1,
			want:  map[string]int{"a-r1": 0, "b-r2": 0, "b-h": 0, "lan1": 0, "lan2": 0},
		},
		{
			// Actions that stay within their LAN join nothing.
			name: "actions within each LAN",
			data: partsYAML([]string{"lan1", "lan2"}, partsLAN("a", "lan1", 1)+partsLAN("b", "lan2", 2),
				"  - {at: 10s, crash: a-r1}\n  - {at: 10s, crash: b-r1}\n  - {at: 12s, block: {segment: lan2, class: vrrp, from: b-r1, to: b-r2}}\n"+
					"  - {at: 14s, partition: {segment: lan1, groups: [[a-r1, a-h], [a-r2]]}}\n"),
			parts: 2,
			want:  map[string]int{"a-r1": 0, "a-r2": 0, "lan1": 0, "b-r1": 1, "b-r2": 1, "lan2": 1},
		},
		{
			name:  "bench LAN of 500 groups",
			data:  bench,
			parts: 2,
			want:  map[string]int{"g1a": 0, "g1b": 0, "h1": 0, "g250a": 0, "h250": 0, "lan1": 0, "g251a": 1, "g251b": 1, "h251": 1, "g500b": 1, "h500": 1, "lan2": 1},
		},
		{
			name:  "load balancer with a separate LAN",
			data:  []byte(lvsPlusLAN),
			parts: 1,
			want:  map[string]int{"lb1": 0, "rs1": 0, "c1": 0, "b-r1": 0, "other": 0},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := Load("parts.yaml", tc.data)
			if err != nil {
				t.Fatal(err)
			}
			p := Parts(sc)
			if got := p.Parts(); got != tc.parts {
				t.Fatalf("Parts() = %d, want %d", got, tc.parts)
			}
			for name, want := range tc.want {
				got := -1
				if _, isSeg := p.segs[name]; isSeg {
					got = p.seg(name)
				} else if _, isNode := p.nodes[name]; isNode || tc.parts == 1 {
					got = p.node(name)
				}
				if got != want {
					t.Errorf("%s: part %d, want %d", name, got, want)
				}
			}
			// Every node shares the part of the segments it is on, and
			// every part number is used.
			used := make([]bool, tc.parts)
			for _, n := range sc.Nodes {
				used[p.node(n.Name)] = true
				for _, ifc := range n.Interfaces {
					if ifc.Segment != "" && p.seg(ifc.Segment) != p.node(n.Name) {
						t.Errorf("%s is in part %d, its segment %s in %d", n.Name, p.node(n.Name), ifc.Segment, p.seg(ifc.Segment))
					}
				}
			}
			for _, s := range sc.Segments {
				used[p.seg(s.Name)] = true
			}
			for i, u := range used {
				if !u {
					t.Errorf("part %d has no node or segment", i)
				}
			}
		})
	}
}
