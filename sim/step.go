package sim

// Stepping: the stepper (`vrrpsim step`) drives a run one event at a time
// and goes back by re-running from the start, so it needs to run exactly
// one event and to move an idle clock; nothing here changes how Run works.

// Step runs the next event if it lies at or before until and reports
// whether one ran. Like Run, it skips stale timer entries (a stopped or
// pushed-back timer's old entry is not an event and does not count in
// Fired), so n calls of Step that return true run exactly the events that
// a Run over the same span would, in the same order. Unlike Run, Step never
// moves the clock when nothing ran (see AdvanceTo).
func (k *Kernel) Step(until Time) bool { return k.StepN(until, 1) == 1 }

// StepN is up to n calls of Step: it returns how many events ran, fewer
// than n only when none is left at or before until. A caller that checks
// something every so many events (a run's budget) pays no call per event.
func (k *Kernel) StepN(until Time, n int) int {
	k.stopped = false
	start := k.fired
	goal := start + uint64(n)
	for k.fired < goal {
		if k.cont != nil {
			k.runCont() // the rest of a batch: before anything queued
			continue
		}
		e := k.first()
		if e == nil || e.at > until {
			break
		}
		at, seq, fn := e.at, e.seq, e.fn
		k.pop()
		k.prev, k.now, k.running = k.now, at, seq
		k.fired++
		fn()
	}
	return int(k.fired - start)
}

// AdvanceTo moves the clock to t when every queued entry lies after t,
// as Run(t) leaves it when it runs out of events before t. It reports
// whether the clock is at t afterwards.
func (k *Kernel) AdvanceTo(t Time) bool {
	if t < k.now || k.cont != nil {
		return false
	}
	if e := k.first(); e != nil && e.at <= t {
		return false
	}
	k.now = t
	return true
}

// deadliner is what a timer shows to a read-only view: *Timer has it, and
// so does a node's local-clock timer.
type deadliner interface {
	Armed() bool
	Deadline() Time
}

// Deadline returns when t expires in virtual time, if it is armed and can
// tell (the stepper's show views use it for "time left").
func Deadline(t Resettable) (Time, bool) {
	d, ok := t.(deadliner)
	if !ok || d == nil || !d.Armed() {
		return 0, false
	}
	return d.Deadline(), true
}
