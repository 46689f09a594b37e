package main

import (
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// runBudget bounds one simulation (issue 13): the events it may run,
// estimated before and counted during the run, the events it may hold
// queued (memory), and a channel closed on Ctrl-C.
type runBudget struct {
	events int             // 0: scenarios.DefaultLimits().Events
	stop   <-chan struct{} // closed: stop now (errInterrupted); nil: never
}

// maxPending bounds the event queue: about 100 bytes an event, so 10^7
// events are a gigabyte.
const maxPending = 10_000_000

// checkEvery is how many events run between budget checks.
const checkEvery = 4096

func (b runBudget) limit() int {
	if b.events > 0 {
		return b.events
	}
	return scenarios.DefaultLimits().Events
}

// estimate refuses a run whose estimated work exceeds the budget before it
// starts.
func (b runBudget) estimate(sc *scenarios.Scenario, end time.Duration) error {
	est, what := scenarios.EstimateEvents(sc, end)
	if est > float64(b.limit()) {
		return usagef("%s: the run would need about %.3g events (mostly %s), over the limit of %d (events); valid: a longer interval, a lower rate, a shorter --until, or --limit events=N", sc.Name, est, what, b.limit())
	}
	return nil
}

// run runs the world's parts to end (sim.Group.StepN, as Kernel.Run
// would) and stops with an error when the budget is spent, the queue
// grows past maxPending, or the user interrupts.
func (b runBudget) run(g *sim.Group, end sim.Time) error {
	limit := uint64(b.limit())
	start := g.Fired()
	for g.StepN(end, checkEvery) > 0 {
		if g.Fired()-start > limit {
			return usagef("stopped at virtual time %s after %d events: over the limit of %d (events); valid: a shorter --until, or --limit events=N", g.Now(), g.Fired()-start, limit)
		}
		if p := g.Pending(); p > maxPending {
			return usagef("stopped at virtual time %s: %d events queued, over %d (memory); valid: fewer or slower traffic sources", g.Now(), p, maxPending)
		}
		select {
		case <-b.stop:
			return errInterrupted
		default:
		}
	}
	g.AdvanceTo(end)
	return nil
}
