package node

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// A node's protocol daemons (VRRP speakers, neighbour caches) read the
// node's own clock, not virtual time. A box whose crystal runs ClockDrift
// ppm fast sees local time L(v) = v * (1 + ClockDrift/1e6) when virtual
// (true) time is v. Everything a speaker measures is in local time: the
// deadlines it computes from Env.Now() (Master_Down_Interval, GARP delays,
// preempt_delay, neighbour reachable time) and the spans it passes to
// Timer.Reset. Because the whole daemon lives on one clock, every timer
// scales by 1/(1 + drift) in true time, whether it is armed for a span or
// re-armed towards a deadline.
//
// Trace records stay in virtual time (the kernel stamps them), so reports
// compare nodes on one time line.

// minDriftPPM keeps the local clock moving forward at a tenth of true
// speed at least: a drift of -1e6 ppm would stop it, and float rounding
// could make it step back near that. The scenario loader allows
// -10000..10000; the clamp only protects direct users of Config.
const minDriftPPM = -900000

// clock is a node's local clock and its timer scheduler's jitter.
type clock struct {
	k      *sim.Kernel
	ppm    float64 // drift: local time gains ppm/1e6 s per true second
	jitter time.Duration
	name   string
	rnd    *rand.Rand // draws timer jitter; nil until first needed
}

func newClock(k *sim.Kernel, cfg Config) clock {
	return clock{k: k, ppm: max(cfg.ClockDrift, minDriftPPM), jitter: cfg.TimerJitter, name: cfg.Name}
}

// ideal reports whether the clock is virtual time itself.
func (c *clock) ideal() bool { return c.ppm == 0 && c.jitter <= 0 }

// now is the node's local time.
func (c *clock) now() sim.Time { return c.local(c.k.Now()) }

// local maps virtual time v to local time: v + floor(v * drift/1e6).
// Computing the offset apart keeps whole-ppm drifts exact (10 s at
// +1000 ppm is 10.010 s, not a nanosecond less). It is monotone (v grows
// by one where the offset shrinks by less than one, as drift > -1e6),
// which is all virtualAt needs to be exact.
func (c *clock) local(v sim.Time) sim.Time {
	if c.ppm == 0 {
		return v
	}
	l := float64(v) + math.Floor(float64(v)*c.ppm/1e6)
	if l >= float64(sim.Forever) {
		return sim.Forever
	}
	return sim.Time(l)
}

// virtualAt returns the first virtual time whose local time is at least
// l: when a timer armed for local deadline l fires, the daemon's own
// Now() has reached l. Rounding is thus always up, so a positive span
// never becomes zero and no timer fires early by its own clock (a
// speaker that re-arms for "the rest" never loops at one instant).
func (c *clock) virtualAt(l sim.Time) sim.Time {
	if c.ppm == 0 {
		return l
	}
	q := float64(l) / (1 + c.ppm/1e6)
	if q >= float64(sim.Forever) {
		return sim.Forever
	}
	v := sim.Time(math.Ceil(q))
	// The float estimate is within a nanosecond or two; settle it
	// against local itself.
	for v > 0 && c.local(v-1) >= l {
		v--
	}
	for v < sim.Forever && c.local(v) < l {
		v++
	}
	return v
}

// deadline returns the virtual time at which a timer armed now for the
// local span d expires: the local deadline converted to virtual time,
// plus a uniform 0..jitter scheduling delay drawn from the node's own
// stream "clock/NODE" (jitter is additive, in true time).
func (c *clock) deadline(d time.Duration) sim.Time {
	vnow := c.k.Now()
	at := vnow
	if d > 0 {
		lnow := c.now()
		if d >= time.Duration(sim.Forever-lnow) {
			at = sim.Forever
		} else {
			at = c.virtualAt(lnow.Add(d))
		}
	}
	if c.jitter > 0 {
		if c.rnd == nil {
			c.rnd = c.k.Stream("clock/" + c.name)
		}
		j := sim.Time(c.rnd.Int64N(int64(c.jitter) + 1))
		if at < sim.Forever-j {
			at += j
		}
	}
	return at
}

// timer is the timer interface the speakers (vrrp, arp) use; *sim.Timer
// and *localTimer satisfy it.
type timer = sim.Resettable

// newTimer returns a timer for the node's protocol daemons: a span passed
// to Reset is measured by the node's clock.
func (n *Node) newTimer(fn func()) timer {
	if n.cfg.Freezable {
		return n.newFreezeTimer(fn)
	}
	t := n.k.NewTimer(fn)
	if n.clock.ideal() {
		return t
	}
	return &localTimer{t: t, c: &n.clock}
}

// localTimer is a kernel timer armed in the node's local time.
type localTimer struct {
	t *sim.Timer
	c *clock
}

func (l *localTimer) Reset(d time.Duration) { l.t.ResetAt(l.c.deadline(d)) }
func (l *localTimer) Stop() bool            { return l.t.Stop() }
