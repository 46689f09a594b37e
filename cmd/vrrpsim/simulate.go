package main

import (
	"io"
	"time"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// simOptions are the per-run overrides and outputs.
type simOptions struct {
	seed    uint64
	seedSet bool
	until   time.Duration
	pcap    io.Writer  // nil: no pcap
	trace   io.Writer  // nil: no text trace
	golden  io.Writer  // nil: no golden trace
	see     seeOptions // pcapng, --pcap-segment, --trace-filter (capture.go)
	budget  runBudget  // events allowed and Ctrl-C (budget.go)
	// aggregate keeps flows as aggregates, not one entry per packet
	// (memory flat in the run's length, issue 14); only the traffic plot
	// needs the packets.
	aggregate bool
	// advertPath off delivers every flooded advert as one event per port
	// (tests compare the two); verifyFilters checks the advert filters at
	// each advert and fails the run if one is out of date.
	noAdvertPath, verifyFilters bool
}

// simResult is what one run produced.
type simResult struct {
	report    *reports.Report
	collector *reports.Collector // the trace as the report saw it (plots read more of it)
	fired     uint64             // events the kernel ran
}

// simulate builds the scenario's world, runs it in virtual time and
// returns the report with its expectations evaluated.
func simulate(sc *scenarios.Scenario, o simOptions) (*simResult, error) {
	seed := sc.Seed
	if o.seedSet {
		seed = o.seed
	}
	parts := scenarios.Parts(sc)
	g := sim.NewGroup(seed, parts.Parts())
	col := reports.NewCollectorWith(reports.Options{Aggregate: o.aggregate})
	for i, k := range g.Kernels() {
		k.AddTracer(col.Part(i))
	}
	caps, err := addCaptures(g, sc, o)
	if err != nil {
		return nil, err
	}
	if o.golden != nil {
		g.AddTracer(reports.NewGoldenTrace(o.golden).Trace)
	}
	if parts.Parts() > 1 && !o.streams() {
		// Only the report reads the records: run each part through a
		// window in turn (sim.Group, reports/window.go).
		g.Windows(partWindow, col.Flush)
		col.HoldWindows()
	}
	w, err := scenarios.BuildGroup(sc, parts, g)
	if err != nil {
		return nil, inputError{err}
	}
	if o.see.pcapng != nil {
		w.TraceDeliveries() // each interface's copy, for "who saw what"
	}
	if o.noAdvertPath {
		w.SetAdvertPath(false)
	}
	if o.verifyFilters {
		w.VerifyAdvertFilters()
	}
	end := sim.Time(sc.Duration)
	if o.until > 0 {
		end = sim.Time(o.until)
	}
	if err := o.budget.estimate(sc, time.Duration(end)); err != nil {
		return nil, err
	}
	w.Start()
	if err := o.budget.run(g, end); err != nil {
		caps.finish()
		return nil, err
	}
	w.Finish()
	col.Flush()
	if err := w.AdvertFilterErr(); err != nil {
		return nil, err
	}
	if err := caps.finish(); err != nil {
		return nil, err
	}
	rep := col.Report(reports.Meta{
		Scenario: sc.Name, Summary: scenarios.Summary(sc.Description), Description: sc.Description, File: sc.Pos.File,
		Seed: seed, Duration: end, Disruptive: w.ActionTexts(),
	})
	rep.Evaluate(expectations(sc))
	rep.SetHealthBounds(healthBounds(sc))
	return &simResult{report: rep, collector: col, fired: g.Fired()}, nil
}

// partWindow is how long each part of a world runs before the next one
// does (sim.Group.Windows): long enough that a part's nodes stay in the
// cache for many of its events, short enough that the records the report
// holds per window stay few (1000 groups: about 20,000, 5 MB). On the
// 1000-group LAN over 90 s, 10 s windows cost 3.7% less than 1 s windows
// (medians of 8 alternating runs); 100 s windows, holding nearly the whole
// run, cost more.
const partWindow = sim.Time(10 * time.Second)

// streams reports whether anything but the report reads the run's
// records as they come: a pcap, a trace, the golden trace, or a test's
// tracer. They need them in the run's order, so the parts run in lockstep.
func (o simOptions) streams() bool {
	return o.pcap != nil || o.trace != nil || o.golden != nil || o.see.pcapng != nil || len(o.see.extra) > 0
}
