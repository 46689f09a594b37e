package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// runMany runs sc n times with seeds seed..seed+n-1 on up to workers
// goroutines and prints each metric as min / median / p95 / max
// (nearest-rank, see reports.Summarize). Each run is an independent
// single-threaded simulation; results are kept by run index and
// aggregated in seed order, so the output is the same at any worker count.
func runMany(sc *scenarios.Scenario, o simOptions, n, workers int, asJSON, quiet bool, stdout io.Writer) error {
	if err := checkWorkers(workers); err != nil {
		return err
	}
	base := sc.Seed
	if o.seedSet {
		base = o.seed
	}
	metrics := make([]reports.RunMetrics, n)
	errs := make([]error, n)
	eachParallel(n, workers, func(i int) {
		oi := o
		oi.seed, oi.seedSet = base+uint64(i), true
		oi.aggregate = true // metrics only: no per-packet account
		defer func() {
			if r := recover(); r != nil {
				errs[i] = fmt.Errorf("run with seed %d: internal error (please report): panic: %v", oi.seed, r)
			}
		}()
		res, err := simulate(sc, oi)
		if err != nil {
			errs[i] = err
			return
		}
		metrics[i] = res.report.Metrics()
	})
	for _, err := range errs {
		if err != nil {
			return err // the lowest seed's error: deterministic
		}
	}
	st := reports.Aggregate(sc.Name, sc.Pos.File, metrics)
	switch {
	case quiet:
	case asJSON:
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return err
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			return err
		}
	default:
		if err := writeRunStats(stdout, st); err != nil {
			return err
		}
	}
	failed := 0
	for _, e := range st.Expectations {
		if e.Passed < e.Runs {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d runs failed: %w", st.FailedRuns, st.Runs, &failedError{failed})
	}
	return nil
}

// writeRunStats prints the aggregate of several runs as a table.
func writeRunStats(w io.Writer, st *reports.RunStats) error {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s", st.Scenario)
	if st.File != "" {
		fmt.Fprintf(&b, " (%s)", st.File)
	}
	fmt.Fprintf(&b, "\n%d runs, seeds %d..%d; n = runs with a value; percentiles are nearest-rank\n\n", st.Runs, st.FirstSeed, st.LastSeed)

	rows := [][]string{{"metric", "n", "min", "median", "p95", "max"}}
	secs := func(name string, s reports.Stats[reports.Seconds]) {
		rows = append(rows, statRow(name, s, func(v reports.Seconds) string { return sim.Time(v).String() }))
	}
	count := func(name string, s reports.Stats[int]) {
		rows = append(rows, statRow(name, s, func(v int) string { return fmt.Sprint(v) }))
	}
	named := map[string]int{}
	for _, c := range st.Convergence {
		named[c.Action+" "+c.Instance]++
	}
	for _, c := range st.Convergence {
		p := c.Action + " " + c.Instance + " "
		if named[c.Action+" "+c.Instance] > 1 {
			// The same action text twice: each is its own row.
			p = c.Action + " at " + sim.Time(c.At).String() + " " + c.Instance + " "
		}
		secs(p+"detect_s", c.Detect)
		secs(p+"since_last_advert_s", c.SinceLastAdvert)
		secs(p+"converged_s", c.Converged)
		count(p+"transitions", c.Transitions)
	}
	secs("split_brain_total_s", st.SplitBrainTotal)
	for _, f := range st.Flows {
		p := "flow " + flowLabel(f.Node, f.Name) + " "
		count(p+"lost", f.Lost)
		secs(p+"outage_s", f.Outage)
	}
	for _, c := range st.Clients {
		p := "client " + flowLabel(c.Node, c.Flow) + " "
		count(p+"failed", c.Failed)
		secs(p+"latency_p50_s", c.P50)
		secs(p+"latency_p99_s", c.P99)
	}
	if st.Bypass != nil {
		count("bypass_packets", *st.Bypass)
	}
	for _, sv := range st.Services {
		rows = append(rows, statRow(sv.Director+" "+sv.Service+" imbalance", sv.Imbalance, func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }))
	}
	writeTable(&b, rows)

	if len(st.Expectations) > 0 {
		b.WriteString("\nexpectations (runs in which each held)\n")
		for _, e := range st.Expectations {
			pos := fmt.Sprintf("line %d", e.Line)
			if e.File != "" {
				pos = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
			}
			fmt.Fprintf(&b, "  %*d/%d  %s: %s", len(fmt.Sprint(st.Runs)), e.Passed, e.Runs, pos, e.Text)
			if len(e.FailedSeeds) > 0 {
				fmt.Fprintf(&b, "  (failed with %s)", seedList(e.FailedSeeds, 10))
			}
			b.WriteByte('\n')
		}
	}
	if st.FailedRuns > 0 {
		fmt.Fprintf(&b, "\n%d of %d runs failed an expectation\n", st.FailedRuns, st.Runs)
	} else if len(st.Expectations) > 0 {
		fmt.Fprintf(&b, "\nevery expectation held in all %d runs\n", st.Runs)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// statRow formats one metric; a metric no run had prints "-".
func statRow[T cmp.Ordered](name string, s reports.Stats[T], f func(T) string) []string {
	if s.N == 0 {
		return []string{name, "0", "-", "-", "-", "-"}
	}
	return []string{name, fmt.Sprint(s.N), f(s.Min), f(s.Median), f(s.P95), f(s.Max)}
}

// writeTable prints rows with the first column left-aligned and the others
// right-aligned, two spaces apart.
func writeTable(b *strings.Builder, rows [][]string) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range rows {
		for i, c := range r {
			switch {
			case i == 0:
				fmt.Fprintf(b, "  %-*s", width[i], c)
			default:
				fmt.Fprintf(b, "  %*s", width[i], c)
			}
		}
		b.WriteByte('\n')
	}
}

// flowLabel is "node/name" unless the flow's name already starts so.
func flowLabel(node, name string) string {
	if node == "" || strings.HasPrefix(name, node+"/") {
		return name
	}
	return node + "/" + name
}

// seedList is "seed 3" or "seeds 3, 9": up to limit seeds and how many
// more there are.
func seedList(seeds []uint64, limit int) string {
	var parts []string
	for i, s := range seeds {
		if i == limit {
			parts = append(parts, fmt.Sprintf("and %d more", len(seeds)-limit))
			break
		}
		parts = append(parts, fmt.Sprint(s))
	}
	if len(seeds) == 1 {
		return "seed " + parts[0]
	}
	return "seeds " + strings.Join(parts, ", ")
}
