package reports

import (
	"cmp"
	"slices"

	"github.com/vrrpsim/vrrpsim/sim"
)

// This file aggregates many runs of one scenario (`vrrpsim run --runs N`,
// one seed per run) into min / median / p95 / max per metric.
//
// Percentiles are nearest-rank: sort the n values ascending; the p-th
// percentile (0 < p <= 100) is the value at rank ceil(p/100 * n), counting
// from 1. So every statistic is a value some run actually produced (no
// interpolation, no averaging), the median of an even count is the lower of
// the two middle values, and p95 of fewer than 20 runs is the maximum.

// Stats summarises the values one metric took across runs. N is how many
// runs had a value (a convergence with no new master has no detection time).
type Stats[T cmp.Ordered] struct {
	N      int `json:"n"`
	Min    T   `json:"min"`
	Median T   `json:"median"`
	P95    T   `json:"p95"`
	Max    T   `json:"max"`
}

// Summarize returns the statistics of xs (nearest-rank percentiles). xs is
// not modified. With no values, N is 0 and the rest is zero.
func Summarize[T cmp.Ordered](xs []T) Stats[T] {
	if len(xs) == 0 {
		return Stats[T]{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return Stats[T]{N: len(s), Min: s[0], Median: NearestRank(s, 50), P95: NearestRank(s, 95), Max: s[len(s)-1]}
}

// NearestRank returns the p-th percentile of sorted (ascending, non-empty):
// the value at rank ceil(p/100 * n), 1-based, clamped to [1, n].
func NearestRank[T any](sorted []T, p int) T {
	return sorted[Rank(len(sorted), p)-1]
}

// Rank is the nearest rank of the p-th percentile of n values:
// ceil(p/100 * n), 1-based, clamped to [1, n].
func Rank(n, p int) int {
	rank := (p*n + 99) / 100 // ceil(p*n/100) in integers: no float rounding
	return max(1, min(rank, n))
}

// RunMetrics is the part of one run's report that runs are compared on.
// It is small, so N runs can be kept without keeping N traces.
type RunMetrics struct {
	Seed            uint64
	Convergence     []ConvergenceMetrics
	SplitBrainTotal sim.Time
	Flows           []FlowMetrics
	Clients         []ClientMetrics  // load balancing: client flows
	Services        []ServiceMetrics // load balancing: virtual services
	Bypass          *int             // load balancing: packets that bypassed the director (nil: no LB)
	Expectations    []ExpectResult
}

// ClientMetrics is one client flow's connections in one run.
type ClientMetrics struct {
	Node, Flow string
	Failed     int
	P50, P99   *sim.Time
}

// ServiceMetrics is one virtual service's balance in one run.
type ServiceMetrics struct {
	Director, Service string
	Imbalance         float64
}

// ConvergenceMetrics is one convergence entry (action x instance); a nil
// pointer is a time the run did not have (no new master, no transition).
type ConvergenceMetrics struct {
	Action, Instance string
	At               sim.Time // when the action ran: two actions may share a text
	Detect           *sim.Time
	SinceLastAdvert  *sim.Time
	Converged        *sim.Time
	Transitions      int
}

// FlowMetrics is one traffic flow's loss.
type FlowMetrics struct {
	Node, Name string
	Lost       int
	Outage     sim.Time
}

func timePtr(s *Seconds) *sim.Time {
	if s == nil {
		return nil
	}
	t := sim.Time(*s)
	return &t
}

// Metrics extracts the values `--runs` aggregates from r.
func (r *Report) Metrics() RunMetrics {
	m := RunMetrics{Seed: r.Seed, SplitBrainTotal: sim.Time(r.SplitBrainTotal),
		Expectations: slices.Clone(r.Expectations)}
	for _, c := range r.Convergence {
		m.Convergence = append(m.Convergence, ConvergenceMetrics{
			Action: c.Action, Instance: c.Instance, At: sim.Time(c.At), Detect: timePtr(c.Detect),
			SinceLastAdvert: timePtr(c.SinceLastAdvert), Converged: timePtr(c.Converged),
			Transitions: c.Transitions,
		})
	}
	for _, f := range r.Flows {
		m.Flows = append(m.Flows, FlowMetrics{Node: f.Node, Name: f.Name, Lost: f.Lost, Outage: sim.Time(f.Outage)})
	}
	if r.LB != nil {
		for _, c := range r.LB.Clients {
			m.Clients = append(m.Clients, ClientMetrics{Node: c.Node, Flow: c.Flow, Failed: c.Failed(), P50: timePtr(c.P50), P99: timePtr(c.P99)})
		}
		for _, vs := range r.LB.Services {
			m.Services = append(m.Services, ServiceMetrics{Director: vs.Director, Service: vs.Service, Imbalance: vs.Imbalance})
		}
		n := r.LB.BypassPackets
		m.Bypass = &n
	}
	return m
}

// RunStats is the aggregate of several runs of one scenario. Field order is
// the JSON key order; entries are in the order they first appear in the
// runs taken in seed order, so the result does not depend on which run
// finished first.
type RunStats struct {
	Scenario        string             `json:"scenario"`
	File            string             `json:"file,omitempty"`
	Runs            int                `json:"runs"`
	FirstSeed       uint64             `json:"first_seed"`
	LastSeed        uint64             `json:"last_seed"`
	FailedRuns      int                `json:"failed_runs"`
	Convergence     []ConvergenceStats `json:"convergence"`
	SplitBrainTotal Stats[Seconds]     `json:"split_brain_total_s"`
	Flows           []FlowStats        `json:"flows"`
	Clients         []ClientStatsRuns  `json:"clients,omitempty"`
	Services        []ServiceStatsRuns `json:"virtual_services,omitempty"`
	Bypass          *Stats[int]        `json:"bypass_packets,omitempty"`
	Expectations    []ExpectationTally `json:"expectations"`
}

// ClientStatsRuns aggregates one client flow over the runs.
type ClientStatsRuns struct {
	Node   string         `json:"node"`
	Flow   string         `json:"flow"`
	Failed Stats[int]     `json:"failed_connections"`
	P50    Stats[Seconds] `json:"latency_p50_s"`
	P99    Stats[Seconds] `json:"latency_p99_s"`
}

// ServiceStatsRuns aggregates one virtual service over the runs.
type ServiceStatsRuns struct {
	Director  string         `json:"director"`
	Service   string         `json:"service"`
	Imbalance Stats[float64] `json:"imbalance"`
}

// ConvergenceStats aggregates one (action, instance) convergence entry.
type ConvergenceStats struct {
	Action          string         `json:"action"`
	At              Seconds        `json:"at_s"`
	Instance        string         `json:"instance"`
	Detect          Stats[Seconds] `json:"detect_s"`
	SinceLastAdvert Stats[Seconds] `json:"since_last_advert_s"`
	Converged       Stats[Seconds] `json:"converged_s"`
	Transitions     Stats[int]     `json:"transitions"`
}

// FlowStats aggregates one flow.
type FlowStats struct {
	Node   string         `json:"node"`
	Name   string         `json:"name"`
	Lost   Stats[int]     `json:"lost"`
	Outage Stats[Seconds] `json:"outage_s"`
}

// ExpectationTally counts the runs that held one expectation.
type ExpectationTally struct {
	Text        string   `json:"text"`
	File        string   `json:"file,omitempty"`
	Line        int      `json:"line"`
	Col         int      `json:"col,omitempty"`
	Passed      int      `json:"passed"`
	Runs        int      `json:"runs"`
	FailedSeeds []uint64 `json:"failed_seeds"`
}

// Aggregate summarises runs (given in seed order) of the scenario named
// scenario in file.
func Aggregate(scenario, file string, runs []RunMetrics) *RunStats {
	s := &RunStats{Scenario: scenario, File: file, Runs: len(runs),
		Convergence: []ConvergenceStats{}, Flows: []FlowStats{}, Expectations: []ExpectationTally{}}
	if len(runs) == 0 {
		return s
	}
	s.FirstSeed, s.LastSeed = runs[0].Seed, runs[len(runs)-1].Seed

	// Keyed by the action's time too: "impair lan" at 10 s and at 70 s
	// are two rows (issue 13).
	type convKey struct {
		action, inst string
		at           sim.Time
	}
	type convVals struct {
		detect, since, conv []Seconds
		trans               []int
	}
	var convOrder []convKey
	conv := map[convKey]*convVals{}
	type flowKey struct{ node, name string }
	type flowVals struct {
		lost   []int
		outage []Seconds
	}
	var flowOrder []flowKey
	flows := map[flowKey]*flowVals{}
	var split []Seconds
	var bypass []int
	type cliKey struct{ node, flow string }
	type cliVals struct {
		failed   []int
		p50, p99 []Seconds
	}
	var cliOrder []cliKey
	clis := map[cliKey]*cliVals{}
	type svcKey struct{ director, service string }
	var svcOrder []svcKey
	svcs := map[svcKey][]float64{}
	type expKey struct {
		text, file string
		line, col  int
	}
	var expOrder []expKey
	exps := map[expKey]*ExpectationTally{}

	add := func(dst *[]Seconds, t *sim.Time) {
		if t != nil {
			*dst = append(*dst, Seconds(*t))
		}
	}
	for _, r := range runs {
		failed := false
		for _, c := range r.Convergence {
			k := convKey{c.Action, c.Instance, c.At}
			v := conv[k]
			if v == nil {
				v = &convVals{}
				conv[k] = v
				convOrder = append(convOrder, k)
			}
			add(&v.detect, c.Detect)
			add(&v.since, c.SinceLastAdvert)
			add(&v.conv, c.Converged)
			v.trans = append(v.trans, c.Transitions)
		}
		split = append(split, Seconds(r.SplitBrainTotal))
		for _, f := range r.Flows {
			k := flowKey{f.Node, f.Name}
			v := flows[k]
			if v == nil {
				v = &flowVals{}
				flows[k] = v
				flowOrder = append(flowOrder, k)
			}
			v.lost = append(v.lost, f.Lost)
			v.outage = append(v.outage, Seconds(f.Outage))
		}
		for _, c := range r.Clients {
			k := cliKey{c.Node, c.Flow}
			v := clis[k]
			if v == nil {
				v = &cliVals{}
				clis[k] = v
				cliOrder = append(cliOrder, k)
			}
			v.failed = append(v.failed, c.Failed)
			add(&v.p50, c.P50)
			add(&v.p99, c.P99)
		}
		if r.Bypass != nil {
			bypass = append(bypass, *r.Bypass)
		}
		for _, sv := range r.Services {
			k := svcKey{sv.Director, sv.Service}
			if _, ok := svcs[k]; !ok {
				svcOrder = append(svcOrder, k)
			}
			svcs[k] = append(svcs[k], sv.Imbalance)
		}
		for _, e := range r.Expectations {
			k := expKey{e.Text, e.File, e.Line, e.Col}
			t := exps[k]
			if t == nil {
				t = &ExpectationTally{Text: e.Text, File: e.File, Line: e.Line, Col: e.Col, FailedSeeds: []uint64{}}
				exps[k] = t
				expOrder = append(expOrder, k)
			}
			t.Runs++
			if e.OK {
				t.Passed++
			} else {
				t.FailedSeeds = append(t.FailedSeeds, r.Seed)
				failed = true
			}
		}
		if failed {
			s.FailedRuns++
		}
	}
	for _, k := range convOrder {
		v := conv[k]
		s.Convergence = append(s.Convergence, ConvergenceStats{
			Action: k.action, Instance: k.inst, At: Seconds(k.at),
			Detect: Summarize(v.detect), SinceLastAdvert: Summarize(v.since),
			Converged: Summarize(v.conv), Transitions: Summarize(v.trans),
		})
	}
	s.SplitBrainTotal = Summarize(split)
	for _, k := range flowOrder {
		v := flows[k]
		s.Flows = append(s.Flows, FlowStats{Node: k.node, Name: k.name, Lost: Summarize(v.lost), Outage: Summarize(v.outage)})
	}
	for _, k := range cliOrder {
		v := clis[k]
		s.Clients = append(s.Clients, ClientStatsRuns{Node: k.node, Flow: k.flow, Failed: Summarize(v.failed), P50: Summarize(v.p50), P99: Summarize(v.p99)})
	}
	for _, k := range svcOrder {
		s.Services = append(s.Services, ServiceStatsRuns{Director: k.director, Service: k.service, Imbalance: Summarize(svcs[k])})
	}
	if len(bypass) > 0 {
		b := Summarize(bypass)
		s.Bypass = &b
	}
	for _, k := range expOrder {
		s.Expectations = append(s.Expectations, *exps[k])
	}
	return s
}
