package node

import (
	"math"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// timer is the timer interface the speakers (vrrp, arp) use; *sim.Timer
// and *skewTimer satisfy it.
type timer interface {
	Reset(d time.Duration)
	Stop() bool
}

// newTimer returns a timer for the node's protocol daemons. On a node with
// clock drift or timer jitter every span is skewed the way a real box's
// clock and scheduler would skew it.
func (n *Node) newTimer(fn func()) timer {
	t := n.k.NewTimer(fn)
	if n.cfg.ClockDrift == 0 && n.cfg.TimerJitter == 0 {
		return t
	}
	return &skewTimer{t: t, n: n}
}

type skewTimer struct {
	t *sim.Timer
	n *Node
}

func (s *skewTimer) Reset(d time.Duration) { s.t.Reset(s.n.skew(d)) }
func (s *skewTimer) Stop() bool            { return s.t.Stop() }

// skew maps a span measured by the node's clock to virtual time: a clock
// running ClockDrift ppm fast measures d in d/(1+drift) of true time; the
// scheduler adds a uniform 0..TimerJitter delay.
//
// The span is rounded up, never down: speakers re-arm a timer for the time
// left until a deadline they computed in virtual time (GARP delays, the
// neighbour timer), so on a fast clock each firing comes a little early and
// the rest is re-armed. Truncating a 1 ns rest to 0 would fire the timer
// again at the same instant forever; rounding up makes the chain reach the
// deadline in a few steps.
func (n *Node) skew(d time.Duration) time.Duration {
	if n.cfg.ClockDrift != 0 && d > 0 {
		q := float64(d) / (1 + n.cfg.ClockDrift/1e6)
		// The small tolerance keeps an exact quotient that float division
		// left a hair above an integer from gaining a nanosecond.
		d = max(time.Duration(math.Ceil(q-1e-6)), 1)
	}
	if j := n.cfg.TimerJitter; j > 0 {
		if n.clock == nil {
			n.clock = n.k.Stream("clock/" + n.cfg.Name)
		}
		d += time.Duration(n.clock.Int64N(int64(j) + 1))
	}
	return d
}
