// Package sweep runs the bookkeeping of parameter sweeps: the grid of
// scenario values (--set PATH=V1,V2 and start:stop:step ranges), the
// metrics columns of one run, the runs.csv / runs.json row streams, the
// merge of sharded CSVs, the per-point summary (min / median / p95 / max)
// and the summary plots.
//
// It never runs a simulation: cmd/vrrpsim does, and hands each run's
// reports.Report to Metrics. Everything here is deterministic: the same
// rows in give the same bytes out.
package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxValues bounds how many values one --set may expand to, so a range
// typo (0:1000:0.001) fails fast instead of queueing a million runs.
const MaxValues = 100000

// Param is one --set: one or more scenario paths that take the same value
// at each grid point (both routers' advert_int, say), and the values in
// the order given, ranges expanded.
type Param struct {
	Paths  []string
	Values []string
}

// Name is the column name of the parameter: its paths joined by commas,
// as written on the command line.
func (p Param) Name() string { return strings.Join(p.Paths, ",") }

// ParseSet parses one --set argument: PATH[,PATH...]=V1,V2,... where each
// value is YAML text as it would be written in the scenario ("1s",
// "0.05", "[10.0.0.254]": commas inside brackets or braces do not split)
// or a range start:stop:step. The paths are not checked here: the
// scenario loader knows which are valid.
func ParseSet(arg string) (Param, error) {
	eq := strings.IndexByte(arg, '=')
	if eq < 0 {
		return Param{}, fmt.Errorf("--set %q: want PATH=V1,V2,... (e.g. nodes.r2.vrrp.VI_1.advert_int=1s,2s or segments.lan.loss=0:0.05:0.01)", arg)
	}
	var p Param
	seen := map[string]bool{}
	for _, path := range strings.Split(arg[:eq], ",") {
		if path == "" || strings.ContainsAny(path, " \t") {
			return Param{}, fmt.Errorf("--set %q: bad path %q; want dotted paths separated by commas, e.g. nodes.r1.vrrp.VI_1.advert_int,nodes.r2.vrrp.VI_1.advert_int=1s,2s", arg, path)
		}
		if path == "seed" {
			return Param{}, fmt.Errorf("--set %q: the seed is swept by --runs N (seeds --seed .. --seed+N-1), not by --set", arg)
		}
		if seen[path] {
			return Param{}, fmt.Errorf("--set %q: path %s given twice", arg, path)
		}
		seen[path] = true
		p.Paths = append(p.Paths, path)
	}
	items, err := splitValues(arg[eq+1:])
	if err != nil {
		return Param{}, fmt.Errorf("--set %q: %v", arg, err)
	}
	for _, it := range items {
		vs, err := expandRange(it)
		if err != nil {
			return Param{}, fmt.Errorf("--set %q: %v", arg, err)
		}
		p.Values = append(p.Values, vs...)
		if len(p.Values) > MaxValues {
			return Param{}, fmt.Errorf("--set %q: more than %d values; valid: a shorter range or a bigger step", arg, MaxValues)
		}
	}
	return p, nil
}

// splitValues splits a value list at the commas that are not inside [] or
// {} (YAML flow collections) and rejects empty items.
func splitValues(s string) ([]string, error) {
	var out []string
	depth, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case '[', '{':
				depth++
				continue
			case ']', '}':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		item := strings.TrimSpace(s[start:i])
		if item == "" {
			return nil, errors.New("empty value in the list; want V1,V2,... with no empty items")
		}
		out = append(out, item)
		start = i + 1
	}
	if depth != 0 {
		return nil, errors.New("unbalanced brackets in the value list")
	}
	return out, nil
}

// looksLikeRange tells start:stop:step apart from values that merely
// contain colons (MAC addresses have five, IPv6 addresses empty parts).
func looksLikeRange(s string) ([]string, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, false
	}
	for _, p := range parts {
		if p == "" {
			return nil, false
		}
		c := p[0]
		if c == '-' || c == '+' {
			if len(p) == 1 {
				return nil, false
			}
			c = p[1]
		}
		if (c < '0' || c > '9') && c != '.' {
			return nil, false
		}
	}
	return parts, true
}

// expandRange returns [s] for a plain value, or the values of the
// inclusive range start:stop:step. Numbers are stepped as exact decimals
// (0:0.3:0.1 gives 0, 0.1, 0.2, 0.3, never 0.30000000000000004) and
// durations as integer nanoseconds.
func expandRange(s string) ([]string, error) {
	parts, ok := looksLikeRange(s)
	if !ok {
		return []string{s}, nil
	}
	bad := func(why string) error {
		return fmt.Errorf("range %q: %s; valid: start:stop:step with stop >= start and step > 0, all numbers (0:0.05:0.01) or all durations (100ms:1s:100ms)", s, why)
	}
	var a, b, c int64
	var format func(int64) string
	if x, sx, ok := parseDecimal(parts[0]); ok {
		y, sy, ok2 := parseDecimal(parts[1])
		z, sz, ok3 := parseDecimal(parts[2])
		if !ok2 || !ok3 {
			return nil, bad("start is a number but stop or step is not")
		}
		scale := max(sx, sy, sz)
		if scale > 9 {
			return nil, bad("more than 9 decimals")
		}
		var err error
		if a, err = rescale(x, sx, scale); err == nil {
			if b, err = rescale(y, sy, scale); err == nil {
				c, err = rescale(z, sz, scale)
			}
		}
		if err != nil {
			return nil, bad("number too large")
		}
		format = func(v int64) string { return formatDecimal(v, scale) }
	} else {
		d := make([]time.Duration, 3)
		for i, p := range parts {
			v, err := time.ParseDuration(p)
			if err != nil {
				return nil, bad(fmt.Sprintf("%q is neither a plain number nor a duration", p))
			}
			d[i] = v
		}
		a, b, c = int64(d[0]), int64(d[1]), int64(d[2])
		format = func(v int64) string { return time.Duration(v).String() }
	}
	if c <= 0 {
		return nil, bad("step must be positive")
	}
	if b < a {
		return nil, bad("stop is below start")
	}
	n := (b-a)/c + 1
	if n > MaxValues {
		return nil, bad(fmt.Sprintf("%d values, more than %d", n, MaxValues))
	}
	out := make([]string, 0, n)
	for i := int64(0); i < n; i++ {
		out = append(out, format(a+i*c))
	}
	return out, nil
}

// parseDecimal parses an optionally signed decimal with an optional
// fraction ("-0.25", "3", ".5") into mantissa and number of decimals.
func parseDecimal(s string) (mant int64, scale int, ok bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	digits := whole + frac
	if digits == "" {
		return 0, 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, 0, false
		}
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, len(frac), true
}

func rescale(v int64, from, to int) (int64, error) {
	for ; from < to; from++ {
		if v > (1<<63-1)/10 || v < -(1<<63-1)/10 {
			return 0, errors.New("overflow")
		}
		v *= 10
	}
	return v, nil
}

// formatDecimal prints mant/10^scale with trailing zeros trimmed.
func formatDecimal(mant int64, scale int) string {
	var buf [32]byte
	return string(appendDecimal(buf[:0], mant, scale))
}

// appendDecimal appends formatDecimal's text to b. A sweep formats every
// metric of every run: one allocation a cell, not one per step.
func appendDecimal(b []byte, mant int64, scale int) []byte {
	u := uint64(mant)
	if mant < 0 {
		u = -u
	}
	var buf [20]byte
	d := strconv.AppendUint(buf[:0], u, 10)
	whole, frac, pad := d, []byte(nil), 0
	if scale > 0 {
		if len(d) <= scale {
			whole, frac, pad = []byte{'0'}, d, scale-len(d)
		} else {
			whole, frac = d[:len(d)-scale], d[len(d)-scale:]
		}
		frac = bytes.TrimRight(frac, "0")
		if len(frac) == 0 {
			pad = 0
		}
	}
	if mant < 0 && (len(frac) > 0 || string(whole) != "0") {
		b = append(b, '-')
	}
	b = append(b, whole...)
	if len(frac) > 0 {
		b = append(b, '.')
		for range pad {
			b = append(b, '0')
		}
		b = append(b, frac...)
	}
	return b
}

// Grid is the cartesian product of the params (the first one varies
// slowest) times Runs seeds Seed..Seed+Runs-1 at each point. Run i of the
// grid is point i/Runs with seed Seed + i%Runs.
type Grid struct {
	Params []Param
	Runs   int
	Seed   uint64
}

// Points is the number of parameter combinations.
func (g Grid) Points() int {
	n := 1
	for _, p := range g.Params {
		n *= len(p.Values)
	}
	return n
}

// Size is the number of runs: Points() * Runs.
func (g Grid) Size() int { return g.Points() * g.Runs }

// MaxGridRuns bounds a sweep's grid (points x seeds): --set lists and
// --runs come from the command line or a CI job, and Points and Size
// must not overflow (issue 13).
const MaxGridRuns = 10_000_000

// Check reports a grid whose size exceeds MaxGridRuns, computing the
// product without overflow.
func (g Grid) Check() error {
	n := max(g.Runs, 1)
	if g.Runs > MaxGridRuns {
		return fmt.Errorf("--runs %d: over the limit of %d runs per sweep", g.Runs, MaxGridRuns)
	}
	for _, p := range g.Params {
		if k := len(p.Values); k > 0 && n > MaxGridRuns/k {
			return fmt.Errorf("the grid has more than %d runs (the product of the --set list lengths times --runs); valid: fewer values or seeds, or several sweeps", MaxGridRuns)
		}
		n *= max(len(p.Values), 1)
	}
	return nil
}

// Values returns the value of each param at grid point pt.
func (g Grid) Values(pt int) []string {
	out := make([]string, len(g.Params))
	for i := len(g.Params) - 1; i >= 0; i-- {
		n := len(g.Params[i].Values)
		out[i] = g.Params[i].Values[pt%n]
		pt /= n
	}
	return out
}

// Overrides returns the scenario overrides of grid point pt: each path of
// each param mapped to the point's value.
func (g Grid) Overrides(pt int) map[string]string {
	vals := g.Values(pt)
	ov := map[string]string{}
	for i, p := range g.Params {
		for _, path := range p.Paths {
			ov[path] = vals[i]
		}
	}
	return ov
}

// Run returns the grid point and seed of run i.
func (g Grid) Run(i int) (point int, seed uint64) {
	return i / g.Runs, g.Seed + uint64(i%g.Runs)
}

// Shard is slice I of N of a grid, I counted from 0 (the Kubernetes
// JOB_COMPLETION_INDEX convention).
type Shard struct{ I, N int }

// ParseShard parses "I/N" with 0 <= I < N.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	// N is at most MaxGridRuns: Range multiplies I by the grid size.
	if !ok || err1 != nil || err2 != nil || n < 1 || n > MaxGridRuns || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: want I/N with 0 <= I < N, e.g. 0/4 .. 3/4 (I counts from 0, like JOB_COMPLETION_INDEX)", s)
	}
	return Shard{I: i, N: n}, nil
}

// Range returns the runs [lo, hi) of the shard in a grid of size runs:
// contiguous slices, so the shards in order are the grid in order and
// their union is the whole grid.
func (s Shard) Range(size int) (lo, hi int) {
	if s.N <= 1 {
		return 0, size
	}
	return s.I * size / s.N, (s.I + 1) * size / s.N
}

// String is "I/N".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }
