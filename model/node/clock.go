package node

import (
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
func (n *Node) skew(d time.Duration) time.Duration {
	if n.cfg.ClockDrift != 0 {
		d = time.Duration(float64(d) / (1 + n.cfg.ClockDrift/1e6))
	}
	if j := n.cfg.TimerJitter; j > 0 {
		if n.clock == nil {
			n.clock = n.k.Stream("clock/" + n.cfg.Name)
		}
		d += time.Duration(n.clock.Int64N(int64(j) + 1))
	}
	return d
}
