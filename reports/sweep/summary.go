package sweep

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/vrrpsim/vrrpsim/reports"
)

// Stat summarises one metric at one grid point over its runs. N counts
// the runs that had a value; with N == 0 the other fields mean nothing.
// Values are in 1e-9 units (see nano).
type Stat struct {
	N                     int
	Min, Median, P95, Max int64
}

// Point is the summary of one grid point.
type Point struct {
	Index  int
	Params []string
	Runs   int
	Stats  []Stat    // one per header metric
	Sample [][]Count // per header metric: the distinct values, ascending, with their runs; CDF metrics only (nil otherwise)
}

// Count is a value and how many runs of a point produced it. A sweep's
// seeds mostly give the same few values (every seed of master-crash
// detects the crash at the same time), so a point keeps its distinct
// values, not one per run: memory follows the values, not the runs.
type Count struct {
	V int64
	N int
}

// Summary is the per-point summary of a whole sweep.
type Summary struct {
	Header  Header
	Points  []Point
	Numeric []bool // per metric: every non-empty cell was a number
}

// Aggregator builds a Summary from rows fed in grid order. It holds only
// the current point's distinct values per metric with their counts (and
// those of the CDF metrics per point), so memory grows with the distinct
// values and the grid's points, not with the runs: 100,000 seeds that
// give a handful of values cost a handful of entries.
type Aggregator struct {
	h       Header
	keep    []bool // per metric: keep the values for a CDF
	cur     *Point
	vals    []map[int64]int // per metric: value -> runs of the current point
	numeric []bool
	points  []Point
	rows    int
}

// NewAggregator returns an aggregator for rows of h. cdfBase names the
// metric (base name, e.g. "detect_s") whose values are kept per point for
// CDF plots; "" keeps none.
func NewAggregator(h Header, cdfBase string) *Aggregator {
	a := &Aggregator{h: h, keep: make([]bool, len(h.Metrics)), vals: make([]map[int64]int, len(h.Metrics)), numeric: make([]bool, len(h.Metrics))}
	for i, m := range h.Metrics {
		a.keep[i] = cdfBase != "" && BaseName(m) == cdfBase
		a.numeric[i] = true
		a.vals[i] = map[int64]int{}
	}
	return a
}

// Add takes the next row.
func (a *Aggregator) Add(row []string) error {
	if len(row) != len(a.h.Cols) {
		return fmt.Errorf("sweep: row of %d cells for %d columns", len(row), len(a.h.Cols))
	}
	pt, err := strconv.Atoi(row[1])
	if err != nil {
		return fmt.Errorf("sweep: run %s: point %q is not a number", row[0], row[1])
	}
	if a.cur == nil || pt != a.cur.Index {
		if a.cur != nil && pt < a.cur.Index {
			return fmt.Errorf("sweep: run %s: point %d after point %d; rows must be in grid order", row[0], pt, a.cur.Index)
		}
		a.flush()
		a.cur = &Point{Index: pt, Params: slices.Clone(row[2 : 2+len(a.h.Params)])}
	}
	a.cur.Runs++
	a.rows++
	base := a.h.seedCol() + 1
	for i := range a.h.Metrics {
		cell := row[base+i]
		if cell == "" {
			continue
		}
		v, ok := parseNano(cell)
		if !ok {
			a.numeric[i] = false
			continue
		}
		a.vals[i][v]++
	}
	return nil
}

// flush closes the current point.
func (a *Aggregator) flush() {
	if a.cur == nil {
		return
	}
	a.cur.Stats = make([]Stat, len(a.h.Metrics))
	a.cur.Sample = make([][]Count, len(a.h.Metrics))
	var counts []Count // scratch, unless kept as the sample
	for i, m := range a.vals {
		counts = counts[:0]
		for v, n := range m {
			counts = append(counts, Count{v, n})
		}
		// Sorted, so the map's order decides nothing.
		slices.SortFunc(counts, func(x, y Count) int { return cmp.Compare(x.V, y.V) })
		a.cur.Stats[i] = stat(counts)
		if a.keep[i] {
			a.cur.Sample[i] = slices.Clone(counts)
		}
		clear(m)
	}
	a.points = append(a.points, *a.cur)
	a.cur = nil
}

// Summary closes the last point and returns the whole summary.
func (a *Aggregator) Summary() *Summary {
	a.flush()
	return &Summary{Header: a.h, Points: a.points, Numeric: slices.Clone(a.numeric)}
}

// stat summarises distinct values (ascending, with their counts) with
// nearest-rank percentiles, as `run --runs` does (reports.NearestRank):
// the median is the ceil(0.5 n)-th smallest value (the lower middle one of
// an even count), p95 the ceil(0.95 n)-th. Every number is a value some
// run produced.
func stat(sorted []Count) Stat {
	if len(sorted) == 0 {
		return Stat{}
	}
	n := 0
	for _, c := range sorted {
		n += c.N
	}
	return Stat{N: n, Min: sorted[0].V, Median: nearestRank(sorted, n, 50), P95: nearestRank(sorted, n, 95), Max: sorted[len(sorted)-1].V}
}

// nearestRank is reports.NearestRank over counted values: the value of
// the reports.Rank(n, p)-th smallest run of n.
func nearestRank(sorted []Count, n, p int) int64 {
	rank := reports.Rank(n, p)
	for _, c := range sorted {
		if rank <= c.N {
			return c.V
		}
		rank -= c.N
	}
	return sorted[len(sorted)-1].V
}

// expand gives counted values back as one value per run, ascending.
func expand(sorted []Count) []int64 {
	var out []int64
	for _, c := range sorted {
		for range c.N {
			out = append(out, c.V)
		}
	}
	return out
}

// WriteCSV writes summary.csv, one row per grid point and numeric metric:
//
//	point, PARAM..., metric, n, min, median, p95, max
func (s *Summary) WriteCSV(w io.Writer) error {
	cw := reports.NewCSVWriter(w)
	head := append([]string{"point"}, s.Header.Params...)
	head = append(head, "metric", "n", "min", "median", "p95", "max")
	cw.Write(head)
	for _, p := range s.Points {
		for i, m := range s.Header.Metrics {
			if !s.Numeric[i] {
				continue
			}
			st := p.Stats[i]
			row := append([]string{strconv.Itoa(p.Index)}, p.Params...)
			row = append(row, m, strconv.Itoa(st.N))
			if st.N == 0 {
				row = append(row, "", "", "", "")
			} else {
				row = append(row, formatNano(st.Min), formatNano(st.Median), formatNano(st.P95), formatNano(st.Max))
			}
			cw.Write(row)
		}
	}
	cw.Flush()
	return cw.Error()
}
