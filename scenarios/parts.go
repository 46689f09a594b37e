package scenarios

import (
	"slices"

	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Partition cuts a world into parts that share nothing: no segment, no
// node, no timeline action joins two of them. Each part can run on its own
// kernel (sim.Group): four LANs that no router joins are four parts.
type Partition struct {
	n     int
	nodes map[string]int // node name -> part (absent: part 0)
	segs  map[string]int // segment name -> part
}

// Parts returns how many parts there are.
func (p Partition) Parts() int { return max(p.n, 1) }

func (p Partition) node(name string) int { return p.nodes[name] }
func (p Partition) seg(name string) int  { return p.segs[name] }

// onePart is the partition that keeps the whole world together.
func onePart() Partition { return Partition{n: 1} }

// Parts splits the scenario's world into parts: a node is in the part of
// every segment it has an interface on, and a timeline action joins
// everything it names (its node, segment, the from/to of a block, the
// groups of a partition). Parts are numbered in the order their first node
// appears in the file, then segments without nodes in file order.
//
// A world with load balancing (real servers, virtual servers, a proxy,
// lvs sync, HTTP clients, or their timeline actions) stays one part: its
// report (reports/lb.go) reads frames and connection records together,
// in one order across the director and its servers.
func Parts(sc *Scenario) Partition {
	if !partitionable(sc) {
		return onePart()
	}
	nn := len(sc.Nodes)
	parent := make([]int, nn+len(sc.Segments))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		if a >= 0 && b >= 0 {
			parent[find(a)] = find(b)
		}
	}
	nodeIx := make(map[string]int, nn)
	for i, n := range sc.Nodes {
		nodeIx[n.Name] = i
	}
	segIx := make(map[string]int, len(sc.Segments))
	for i, s := range sc.Segments {
		segIx[s.Name] = nn + i
	}
	at := func(ix map[string]int, name string) int {
		if i, ok := ix[name]; ok && name != "" {
			return i
		}
		return -1
	}
	for i, n := range sc.Nodes {
		for _, ifc := range n.Interfaces {
			union(i, at(segIx, ifc.Segment))
		}
	}
	for _, ev := range sc.Timeline {
		a := ev.Action
		named := []int{at(nodeIx, a.Node), at(segIx, a.Segment), at(nodeIx, a.From), at(nodeIx, a.To)}
		for _, g := range a.Groups {
			for _, name := range g {
				named = append(named, at(nodeIx, name))
			}
		}
		first := -1
		for _, i := range named {
			if i < 0 {
				continue
			}
			if first < 0 {
				first = i
			}
			union(first, i)
		}
	}
	p := Partition{nodes: make(map[string]int, nn), segs: make(map[string]int, len(sc.Segments))}
	part := make(map[int]int) // root -> part
	number := func(i int) int {
		r := find(i)
		if n, ok := part[r]; ok {
			return n
		}
		part[r] = p.n
		p.n++
		return p.n - 1
	}
	for i, n := range sc.Nodes {
		p.nodes[n.Name] = number(i)
	}
	for i, s := range sc.Segments {
		p.segs[s.Name] = number(nn + i)
	}
	return p
}

// partitionable reports whether nothing in the scenario needs its parts
// in one order (see Parts).
func partitionable(sc *Scenario) bool {
	for _, n := range sc.Nodes {
		if n.Kind == KindServer || len(n.VirtualServers) > 0 || len(n.Services) > 0 || len(n.FWMarks) > 0 ||
			n.LVSSync != nil || n.IPVSSysctl != nil || n.Proxy != nil {
			return false
		}
		for _, f := range n.Traffic {
			if f.Kind == FlowHTTP {
				return false
			}
		}
	}
	for _, ev := range sc.Timeline {
		if k := ev.Action.Kind; slices.Contains(lbActionKinds, k) || k == ActStopProxy || k == ActStartProxy {
			return false
		}
	}
	return true
}

// BuildGroup creates the scenario's segments and nodes on the kernels of
// g, one per part of p (g must have p.Parts() kernels).
func BuildGroup(sc *Scenario, p Partition, g *sim.Group) (*World, error) {
	return build(sc, p, g.Kernels(), node.NewEncoders())
}
