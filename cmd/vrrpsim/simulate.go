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
	k := sim.New(seed)
	col := reports.NewCollectorWith(reports.Options{Aggregate: o.aggregate})
	k.AddTracer(col.Trace)
	caps, err := addCaptures(k, sc, o)
	if err != nil {
		return nil, err
	}
	if o.golden != nil {
		k.AddTracer(reports.NewGoldenTrace(o.golden).Trace)
	}
	w, err := scenarios.Build(sc, k)
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
	if err := o.budget.run(k, end); err != nil {
		caps.finish()
		return nil, err
	}
	w.Finish()
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
	return &simResult{report: rep, collector: col, fired: k.Fired()}, nil
}
