// Package stepper runs a scenario one event at a time for `vrrpsim step`:
// forward by events, to a time or until a condition, back by deterministic
// re-execution, and shows the state of every node at the current instant.
// The scripted interpreter (Exec) and the terminal UI (tui.go) both drive
// it; neither holds a model of its own.
//
// An event is one kernel event that emitted at least one trace record
// (a frame sent, a state change, a neighbour or FDB change, a scenario
// action, a lost packet, a drop...). Kernel events that emit nothing (a
// frame delivered to a host that ignores it, a timer that only re-arms)
// are run but not shown or counted: they change nothing a student can
// see, and counting them would make `next` tedious. Event 0 is the start
// (what the nodes did while booting at time 0).
package stepper

import (
	"fmt"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Event is one visible kernel event and the trace records it emitted.
type Event struct {
	N     int      // visible event number; 0 is the start
	Fired uint64   // kernel events run when it ended (sim.Kernel.Fired)
	At    sim.Time // virtual time it ran at
	Recs  []sim.Record
	frame []byte // backing store of the records' frames
}

// histLen is how many recent events the stepper keeps (the UI's event list
// and `events`); going back further re-executes.
const histLen = 64

// Stepper is one run of a scenario, paused between two events.
type Stepper struct {
	sc   *scenarios.Scenario
	seed uint64
	end  sim.Time

	k *sim.Group // the parts' kernels, in lockstep (scenarios.Parts)
	w *scenarios.World

	n    int            // current event number
	ring [histLen]Event // events n-histLen+1..n, at index N%histLen
	next *Event         // the slot the running kernel event records into

	breaks     []breakpoint
	nextBreak  int
	filter     *reports.Filter // nil: everything shows
	filterText string
	filterEnv  reports.FilterEnv

	dec *wire.Decoder // for protocol filters and the frame view
	fr  wire.Frame
}

// New builds the scenario's world with seed and stops at event 0. The run
// ends at the scenario's duration (or end, if positive).
func New(sc *scenarios.Scenario, seed uint64, end sim.Time) (*Stepper, error) {
	if end <= 0 {
		end = sim.Time(sc.Duration)
	}
	s := &Stepper{sc: sc, seed: seed, end: end, dec: wire.NewDecoder()}
	if err := s.restart(); err != nil {
		return nil, err
	}
	return s, nil
}

// restart rebuilds the world from scratch: the same scenario and seed give
// the same events, so this is how the stepper goes back.
func (s *Stepper) restart() error {
	parts := scenarios.Parts(s.sc)
	s.k = sim.NewGroup(s.seed, parts.Parts())
	// Building traces too (an LVS director announces its real servers):
	// those records belong to event 0, with the start.
	s.n = 0
	s.next = s.slot(0)
	s.k.AddTracer(s.record)
	w, err := scenarios.BuildGroup(s.sc, parts, s.k)
	if err != nil {
		return err
	}
	s.w = w
	w.Start()
	s.seal(0)
	return nil
}

func (s *Stepper) slot(n int) *Event {
	e := &s.ring[n%histLen]
	e.N, e.Recs, e.frame = n, e.Recs[:0], e.frame[:0]
	return e
}

// record is the kernel tracer: it keeps a copy of every record of the
// running event (frames copied: the kernel reuses their bytes).
func (s *Stepper) record(r *sim.Record) {
	e := s.next
	c := *r
	if len(r.Frame) > 0 {
		start := len(e.frame)
		e.frame = append(e.frame, r.Frame...)
		c.Frame = e.frame[start:len(e.frame):len(e.frame)]
	}
	e.Recs = append(e.Recs, c)
}

// seal closes the recording slot as event n.
func (s *Stepper) seal(n int) {
	e := s.next
	e.N, e.Fired, e.At = n, s.k.Fired(), s.k.Now()
	// The arena may have moved while it grew: point the frames at its
	// final copy, which the slot keeps until it is reused.
	off := 0
	for i := range e.Recs {
		if l := len(e.Recs[i].Frame); l > 0 {
			e.Recs[i].Frame = e.frame[off : off+l : off+l]
			off += l
		}
	}
	s.n = n
}

// step runs kernel events up to the next visible one at or before until
// (and the end of the run). It reports whether one ran.
func (s *Stepper) step(until sim.Time) bool {
	until = min(until, s.end)
	s.next = s.slot(s.n + 1)
	for s.k.Step(until) {
		if len(s.next.Recs) > 0 {
			s.seal(s.n + 1)
			return true
		}
		s.next.frame = s.next.frame[:0]
	}
	// Nothing visible ran: the slot was the oldest event of the history,
	// now cleared (History skips it).
	s.next.N = -1
	return false
}

// Current returns the current event.
func (s *Stepper) Current() *Event { return &s.ring[s.n%histLen] }

// N returns the current event number.
func (s *Stepper) N() int { return s.n }

// Now returns the current virtual time (the current event's time, or later
// after `run TIME`).
func (s *Stepper) Now() sim.Time { return s.k.Now() }

// End returns the time the run ends at.
func (s *Stepper) End() sim.Time { return s.end }

// History returns up to max recent events, oldest first, ending with the
// current one.
func (s *Stepper) History(max int) []*Event {
	max = min(max, histLen, s.n+1)
	out := make([]*Event, 0, max)
	for n := s.n - max + 1; n <= s.n; n++ {
		if e := &s.ring[n%histLen]; e.N == n {
			out = append(out, e)
		}
	}
	return out
}

// Goto moves to event n by re-executing from the start (n below the
// current event) or stepping on. It stops early at the end of the run.
func (s *Stepper) Goto(n int) error {
	if n < s.n {
		if err := s.restart(); err != nil {
			return fmt.Errorf("re-executing to event %d: %w", n, err)
		}
	}
	for s.n < n && s.step(sim.Forever) {
	}
	return nil
}

// Next steps n events forward, stopping early at a breakpoint or the end
// of the run; it returns the events run and the breakpoint hit, if any.
func (s *Stepper) Next(n int) ([]*Event, *Hit) {
	return s.forward(func() bool { n--; return n < 0 }, sim.Forever, nil)
}

// Back goes n events back (never before event 0).
func (s *Stepper) Back(n int) error { return s.Goto(max(0, s.n-n)) }

// RunTo runs to virtual time t (clamped to the end of the run), stopping
// early at a breakpoint. Without one the clock is left at t.
func (s *Stepper) RunTo(t sim.Time) ([]*Event, *Hit) {
	t = min(t, s.end)
	evs, hit := s.forward(func() bool { return false }, t, nil)
	if hit == nil {
		s.k.AdvanceTo(t)
	}
	return evs, hit
}

// Until runs until c holds (or a breakpoint, or the end of the run).
func (s *Stepper) Until(c Cond) ([]*Event, *Hit) {
	return s.forward(func() bool { return false }, sim.Forever, &c)
}

// Hit says why a forward run stopped early.
type Hit struct {
	Break int    // breakpoint number, 0 for the condition of until
	Cond  string // its text
}

// forward steps until done() says so before an event, c or a breakpoint
// holds after one, or the run ends. It returns the events run (the most
// recent histLen at most).
func (s *Stepper) forward(done func() bool, until sim.Time, c *Cond) ([]*Event, *Hit) {
	first := s.n + 1
	var hit *Hit
	for !done() && s.step(until) {
		e := s.Current()
		if c != nil && c.Match(s, e) {
			hit = &Hit{Cond: c.Text}
			break
		}
		if b := s.breakHit(e); b != nil {
			hit = b
			break
		}
	}
	return s.History(s.n - first + 1), hit
}
