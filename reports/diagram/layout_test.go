package diagram

import (
	"fmt"
	"testing"
)

func boxes(n int) graph {
	g := graph{}
	for i := 0; i < n; i++ {
		g.w = append(g.w, 40)
		g.h = append(g.h, 20)
		g.roots = append(g.roots, false)
	}
	return g
}

// TestLayeringIsBFSFromRoots: Sugiyama step 1 as a breadth-first
// distance, so every edge of a bipartite network graph joins adjacent
// layers; a component without a root starts at its first vertex.
func TestLayeringIsBFSFromRoots(t *testing.T) {
	g := boxes(7)
	g.roots[3] = true
	g.edges = [][2]int{{3, 0}, {0, 1}, {1, 2}, {0, 4}, {5, 6}}
	p := g.layout()
	want := []int{1, 2, 3, 0, 2, 0, 1}
	if fmt.Sprint(p.layer) != fmt.Sprint(want) {
		t.Errorf("layers %v, want %v", p.layer, want)
	}
}

// TestBarycenterRemovesCrossings: Sugiyama step 2. Drawn in input order
// these graphs cross; the barycenter sweeps find an order without
// crossings, or the fewest possible (K(3,2) forces 3 in any order).
func TestBarycenterRemovesCrossings(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		roots []int
		edges [][2]int
		want  int // crossings after layout
	}{
		// roots a(0) b(1); a-d, b-c: an X in input order.
		{"x", 4, []int{0, 1}, [][2]int{{0, 3}, {1, 2}}, 0},
		// three hosts on three segments in reverse order, segments to routers in order.
		{"reversed", 9, []int{0, 1, 2}, [][2]int{{0, 5}, {1, 4}, {2, 3}, {3, 6}, {4, 7}, {5, 8}}, 0},
		// K(3,2): three hosts on two segments each; some crossings are forced.
		{"k32", 5, []int{0, 1, 2}, [][2]int{{0, 3}, {0, 4}, {1, 3}, {1, 4}, {2, 3}, {2, 4}}, 3},
	}
	for _, tt := range tests {
		g := boxes(tt.n)
		for _, r := range tt.roots {
			g.roots[r] = true
		}
		g.edges = tt.edges
		adj := g.adjacency()
		layer, _ := layerBFS(tt.n, adj, g.roots)
		p := g.layout()
		got := crossings(p.order, layer, adj)
		if got != tt.want {
			t.Errorf("%s: %d crossings after layout (order %v), want %d", tt.name, got, p.order, tt.want)
		}
	}
}

// TestPlacementKeepsOrderAndGaps: Sugiyama step 3 never overlaps boxes
// and keeps each layer's order; a vertex with one neighbour above sits
// under it when there is room.
func TestPlacementKeepsOrderAndGaps(t *testing.T) {
	g := boxes(6)
	g.w[2] = 300 // a wide segment
	g.roots[0], g.roots[1] = true, true
	g.edges = [][2]int{{0, 2}, {1, 2}, {2, 3}, {2, 4}, {4, 5}}
	p := g.layout()
	for l, o := range p.order {
		for i := 1; i < len(o); i++ {
			a, b := o[i-1], o[i]
			if gap := (p.cx[b] - g.w[b]/2) - (p.cx[a] + g.w[a]/2); gap < hGap-1e-9 {
				t.Errorf("layer %d: %d and %d %.1f apart, want at least %.0f", l, a, b, gap, hGap)
			}
		}
	}
	if p.cx[5] != p.cx[4] {
		t.Errorf("vertex 5 at x %.1f, its only neighbour 4 at %.1f: want right under it", p.cx[5], p.cx[4])
	}
}
