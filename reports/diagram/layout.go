package diagram

import (
	"math"
	"sort"
)

// A layered drawing in the manner of Sugiyama, Tagawa and Toda, "Methods
// for visual understanding of hierarchical system structures" (IEEE SMC
// 1981), the method behind Graphviz dot:
//
//  1. layering: breadth-first distance from the root vertices, so every
//     edge joins adjacent layers (a network graph alternates nodes and
//     segments, so no edge stays inside a layer and none needs dummies);
//  2. crossing reduction: layer-by-layer barycenter sweeps, down then up,
//     keeping the order with the fewest crossings seen;
//  3. coordinates: vertices packed in their order, then pulled toward the
//     mean x of their neighbours for a few rounds, never overlapping.
//
// Every step is a pure function of the input order: no maps are ranged
// over, ties keep the current order (stable sorts).

const (
	hGap     = 36.0 // between neighbours in a layer
	vGap     = 70.0 // between layers
	margin   = 20.0
	sweeps   = 12
	relaxN   = 25 // odd: the last pass runs top-down, so leaves end under their parents
	busWidth = 6.0
)

// graph is the input of the layout: vertex sizes, which vertices seed the
// layering, and undirected edges.
type graph struct {
	w, h  []float64
	roots []bool
	edges [][2]int
}

// placed is the output: each vertex's layer, its position in the layer
// and the centre of its box.
type placed struct {
	layer  []int
	order  [][]int // per layer, vertex ids left to right
	cx, cy []float64
}

func (g *graph) adjacency() [][]int {
	adj := make([][]int, len(g.w))
	for _, e := range g.edges {
		if e[0] == e[1] {
			continue
		}
		adj[e[0]] = append(adj[e[0]], e[1])
		adj[e[1]] = append(adj[e[1]], e[0])
	}
	for i := range adj {
		sort.Ints(adj[i])
		adj[i] = dedupInts(adj[i])
	}
	return adj
}

func dedupInts(s []int) []int {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// layerBFS gives each vertex its breadth-first distance from the roots
// (all at once); a component with no root starts from its first vertex.
// It also returns the discovery order, the first ordering of each layer.
func layerBFS(n int, adj [][]int, roots []bool) (layer []int, seen []int) {
	layer = make([]int, n)
	for i := range layer {
		layer[i] = -1
	}
	bfs := func(starts []int) {
		q := starts
		for _, s := range starts {
			layer[s] = 0
		}
		seen = append(seen, starts...)
		for len(q) > 0 {
			v := q[0]
			q = q[1:]
			for _, u := range adj[v] {
				if layer[u] < 0 {
					layer[u] = layer[v] + 1
					seen = append(seen, u)
					q = append(q, u)
				}
			}
		}
	}
	var starts []int
	for v := 0; v < n; v++ {
		if roots[v] {
			starts = append(starts, v)
		}
	}
	if len(starts) > 0 {
		bfs(starts)
	}
	for v := 0; v < n; v++ {
		if layer[v] < 0 {
			bfs([]int{v})
		}
	}
	return layer, seen
}

// crossings counts pairs of edges between adjacent layers that cross
// given the order (Sugiyama's K).
func crossings(order [][]int, layer []int, adj [][]int) int {
	pos := positions(order, len(layer))
	total := 0
	for l := 0; l+1 < len(order); l++ {
		var es [][2]int
		for _, v := range order[l] {
			for _, u := range adj[v] {
				if layer[u] == l+1 {
					es = append(es, [2]int{pos[v], pos[u]})
				}
			}
		}
		for i := range es {
			for j := i + 1; j < len(es); j++ {
				a, b := es[i], es[j]
				if (a[0]-b[0])*(a[1]-b[1]) < 0 {
					total++
				}
			}
		}
	}
	return total
}

func positions(order [][]int, n int) []int {
	pos := make([]int, n)
	for _, o := range order {
		for i, v := range o {
			pos[v] = i
		}
	}
	return pos
}

// barycenterSweep reorders layer l by the mean position of each vertex's
// neighbours in layer ref; a vertex with none keeps its position.
func barycenterSweep(order [][]int, layer []int, adj [][]int, l, ref int) {
	pos := positions(order, len(layer))
	type key struct {
		v  int
		bc float64
	}
	ks := make([]key, len(order[l]))
	for i, v := range order[l] {
		sum, n := 0.0, 0
		for _, u := range adj[v] {
			if layer[u] == ref {
				sum += float64(pos[u])
				n++
			}
		}
		bc := float64(i)
		if n > 0 {
			bc = sum / float64(n)
		}
		ks[i] = key{v, bc}
	}
	sort.SliceStable(ks, func(a, b int) bool { return ks[a].bc < ks[b].bc })
	for i, k := range ks {
		order[l][i] = k.v
	}
}

func copyOrder(o [][]int) [][]int {
	c := make([][]int, len(o))
	for i := range o {
		c[i] = append([]int(nil), o[i]...)
	}
	return c
}

// layout runs the three steps.
func (g *graph) layout() placed {
	n := len(g.w)
	adj := g.adjacency()
	layer, seen := layerBFS(n, adj, g.roots)
	depth := 0
	for _, l := range layer {
		depth = max(depth, l+1)
	}
	order := make([][]int, depth)
	for _, v := range seen {
		order[layer[v]] = append(order[layer[v]], v)
	}

	best, bestK := copyOrder(order), crossings(order, layer, adj)
	for it := 0; it < sweeps && bestK > 0; it++ {
		for l := 1; l < depth; l++ {
			barycenterSweep(order, layer, adj, l, l-1)
		}
		for l := depth - 2; l >= 0; l-- {
			barycenterSweep(order, layer, adj, l, l+1)
		}
		if k := crossings(order, layer, adj); k < bestK {
			best, bestK = copyOrder(order), k
		}
	}
	order = best

	// Coordinates: pack, then relax toward the neighbours' mean.
	cx := make([]float64, n)
	for _, o := range order {
		x := margin
		for _, v := range o {
			cx[v] = x + g.w[v]/2
			x += g.w[v] + hGap
		}
	}
	for r := 0; r < relaxN; r++ {
		// Alternate top-down and bottom-up passes, so a wide bottom
		// row pulls the layers above it as much as they pull it.
		for i := range order {
			l := i
			if r%2 == 1 {
				l = len(order) - 1 - i
			}
			want := make([]float64, len(order[l]))
			for i, v := range order[l] {
				sum, k := 0.0, 0
				for _, u := range adj[v] {
					sum += cx[u]
					k++
				}
				want[i] = cx[v]
				if k > 0 {
					want[i] = sum / float64(k)
				}
			}
			g.place(order[l], want, cx)
		}
	}
	// Shift so the leftmost box starts at the margin.
	minX := math.Inf(1)
	for v := range cx {
		minX = min(minX, cx[v]-g.w[v]/2)
	}
	for v := range cx {
		cx[v] += margin - minX
	}
	cy := make([]float64, n)
	y := margin
	for _, o := range order {
		h := 0.0
		for _, v := range o {
			h = max(h, g.h[v])
		}
		for _, v := range o {
			cy[v] = y + h/2
		}
		y += h + vGap
	}
	return placed{layer: layer, order: order, cx: cx, cy: cy}
}

// place sets the centres of one layer as close to want as the order and
// the gaps allow: a left-to-right pass pushes overlapping boxes right,
// a right-to-left pass pulls back those pushed into their right
// neighbour's place, and the row is then shifted by its mean error.
func (g *graph) place(o []int, want, cx []float64) {
	for i, v := range o {
		x := want[i]
		if i > 0 {
			p := o[i-1]
			x = max(x, cx[p]+g.w[p]/2+hGap+g.w[v]/2)
		}
		cx[v] = x
	}
	for i := len(o) - 2; i >= 0; i-- {
		v, nx := o[i], o[i+1]
		limit := cx[nx] - g.w[nx]/2 - hGap - g.w[v]/2
		cx[v] = min(cx[v], limit)
	}
	// Shift the layer by its mean error, so a packed row is centred on
	// its targets instead of starting at the first one.
	shift := 0.0
	for i, v := range o {
		shift += want[i] - cx[v]
	}
	shift /= float64(len(o))
	for _, v := range o {
		cx[v] += shift
	}
}
