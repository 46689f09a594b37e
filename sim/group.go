package sim

// Groups: a world whose nodes fall into parts that share nothing (four
// LANs that no router joins) runs as one kernel per part. Nothing one part
// does can reach another, so each part's events run in the same order as
// on one shared kernel; only how the parts interleave is left to choose.
// A group fixes it: the run's records come in (time, part, order within
// the part), whichever way the group runs.
//
// Lockstep runs the next event of the part whose next event comes first
// (ties to the lower part), so the records arrive in exactly that order,
// as a pcap, a text trace or the stepper need. Windows run each part in
// turn through a span of virtual time, then call the window's flush: a
// part's hosts, routers and queue stay in the cache for a whole window
// instead of being evicted by the other parts' between two of its events
// (issue 14: 1000 groups on four LANs cost 12-15x one LAN of 100, not 10x),
// and a consumer that puts what it needs back in order at each flush
// (reports.Collector.Flush) sees the same run.

// Group is the kernels of one run's parts.
type Group struct {
	ks     []*Kernel
	serial int64
	window Time   // 0: lockstep
	flush  func() // called at the end of each window
	cur    int    // windows: the part running its window
	wend   Time   // windows: the end of the current window (0: none yet)
	// lockstep: when each part's next entry is (ok false: none). A part's
	// queue changes only by its own events, so only the part that ran is
	// looked at again; refreshed at each StepN call for what was queued
	// from outside in between.
	next []partNext
}

type partNext struct {
	at Time
	ok bool
}

// NewGroup returns n kernels (at least one) whose random streams derive
// from seed, as New's do, and which share one Serial counter.
func NewGroup(seed uint64, n int) *Group {
	g := &Group{ks: make([]*Kernel, max(n, 1))}
	for i := range g.ks {
		g.ks[i] = New(seed)
		g.ks[i].serial = &g.serial
	}
	return g
}

// Kernels returns the parts' kernels, part 0 first.
func (g *Group) Kernels() []*Kernel { return g.ks }

// AddTracer adds a consumer of every part's records (a pcap, a trace):
// in lockstep it gets them in the run's order.
func (g *Group) AddTracer(t Tracer) {
	for _, k := range g.ks {
		k.AddTracer(t)
	}
}

// Windows makes the group run each part through spans of w virtual time in
// turn, calling flush after each span (nil: nothing to call). w <= 0 goes
// back to lockstep. Set it before the first Step.
func (g *Group) Windows(w Time, flush func()) {
	g.window, g.flush = max(w, 0), flush
}

// Step runs the group's next event at or before until and reports whether
// one ran, as Kernel.Step does for one kernel.
func (g *Group) Step(until Time) bool { return g.StepN(until, 1) == 1 }

// StepN is up to n calls of Step, as Kernel.StepN.
func (g *Group) StepN(until Time, n int) int {
	if len(g.ks) == 1 {
		return g.ks[0].StepN(until, n)
	}
	ran := 0
	if g.window > 0 {
		for ran < n {
			r := g.stepWindow(until, n-ran)
			if r == 0 {
				break
			}
			ran += r
		}
		return ran
	}
	if g.next == nil {
		g.next = make([]partNext, len(g.ks))
	}
	for i, k := range g.ks {
		g.next[i].at, g.next[i].ok = k.next()
	}
	for ran < n {
		best, at := -1, Time(0)
		for i, pn := range g.next {
			if pn.ok && pn.at <= until && (best < 0 || pn.at < at) {
				best, at = i, pn.at
			}
		}
		if best < 0 {
			break
		}
		k := g.ks[best]
		if k.runEntry() {
			ran++
		}
		g.next[best].at, g.next[best].ok = k.next()
	}
	return ran
}

// stepWindow runs up to n events of the current window (and the next ones
// if it is done) and returns how many ran: 0 when nothing is left at or
// before until.
func (g *Group) stepWindow(until Time, n int) int {
	if g.wend == 0 {
		g.wend = g.window
	}
	for {
		end := min(g.wend, until)
		if r := g.ks[g.cur].StepN(end, n); r > 0 {
			return r
		}
		if g.cur++; g.cur < len(g.ks) {
			continue
		}
		// Every part has run up to end: what came before end is all in.
		g.cur = 0
		if g.flush != nil {
			g.flush()
		}
		if g.wend > until {
			return 0
		}
		next, ok := g.nextAt()
		if !ok {
			return 0
		}
		g.wend = max(g.wend+g.window, next) // skip empty windows
	}
}

// nextAt is when the earliest part's next event is.
func (g *Group) nextAt() (Time, bool) {
	var at Time
	found := false
	for _, k := range g.ks {
		if t, ok := k.next(); ok && (!found || t < at) {
			at, found = t, true
		}
	}
	return at, found
}

// Fired returns how many events all parts have run.
func (g *Group) Fired() uint64 {
	var n uint64
	for _, k := range g.ks {
		n += k.fired
	}
	return n
}

// Pending returns the entries queued in all parts.
func (g *Group) Pending() int {
	n := 0
	for _, k := range g.ks {
		n += k.Pending()
	}
	return n
}

// Now returns the latest clock among the parts: in lockstep, the time of
// the event that ran last.
func (g *Group) Now() Time {
	var t Time
	for _, k := range g.ks {
		t = max(t, k.now)
	}
	return t
}

// AdvanceTo moves every part's clock to t, as Kernel.AdvanceTo, and
// reports whether all are at t afterwards.
func (g *Group) AdvanceTo(t Time) bool {
	ok := true
	for _, k := range g.ks {
		ok = k.AdvanceTo(t) && ok
	}
	return ok
}

// next returns when the kernel's next queue entry (or the rest of a
// batch) runs, if it has one. The entry may be a stale timer entry: it
// still has to be taken in its place.
func (k *Kernel) next() (Time, bool) {
	if k.cont != nil {
		return k.now, true
	}
	e := k.first()
	if e == nil {
		return 0, false
	}
	return e.at, true
}

// runEntry takes the kernel's next queue entry (or the rest of a batch)
// and reports whether it was an event: a stale timer entry runs nothing
// (Timer.onExpire) and Step would go on to the next. Its lines are those
// of StepN's loop, for one entry: lockstep compares the parts after each
// entry, since the event behind a stale one may come after another
// part's. (StepN and Run keep their copies inline: the call per event of
// a shared helper cost 2-3% on the benchmark LAN, measured.)
func (k *Kernel) runEntry() bool {
	before := k.fired
	if k.cont != nil {
		k.runCont()
		return true
	}
	e := k.first()
	at, seq, fn := e.at, e.seq, e.fn
	k.pop()
	k.prev, k.now, k.running = k.now, at, seq
	k.fired++
	fn()
	return k.fired != before
}
