package arp

import (
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// The Linux timer wheel (kernel/time/timer.c). A timer armed for delta
// jiffies goes into the level whose range holds delta: level 0 has one
// bucket per jiffy for deltas up to 62, and each higher level has buckets
// 8 times as wide (LVL_CLK_SHIFT 3, LVL_BITS 6). calc_index rounds the
// expiry up to the next bucket boundary of its level, one jiffy at level
// 0, so a timer never fires early and may fire up to one bucket late: a
// 1 s retrans_time at HZ=250 (250 jiffies, level 1, 8-jiffy buckets) fires
// 1.024 s later, a 30 s reachable time (level 3, 512 jiffies) up to 2.048 s
// late. keepalived's timers are userspace (epoll timeouts) and stay exact:
// only the ARP cache's Linux profile uses this.

const (
	wheelClkShift = 3 // LVL_CLK_SHIFT
	wheelBits     = 6 // LVL_BITS: 64 buckets per level
)

// wheelStart is LVL_START(lvl): the smallest delta (jiffies) placed at
// level lvl, for lvl >= 1.
func wheelStart(lvl int) int64 { return 63 << (wheelClkShift * (lvl - 1)) }

// wheelDepth is LVL_DEPTH: 9 levels for HZ > 100, 8 otherwise.
func wheelDepth(hz int) int {
	if hz > 100 {
		return 9
	}
	return 8
}

// wheelDelay returns after how long a kernel timer armed at now for d
// really fires at the given HZ: d is turned into jiffies rounding up
// (msecs_to_jiffies), the level is chosen as calc_wheel_index does
// (clamped to WHEEL_TIMEOUT_MAX beyond the last level), and the expiry is
// rounded up as calc_index does: ((expires >> shift) + 1) << shift. The
// jiffies counter is now's tick (virtual time 0 is a tick; a real
// machine's phase is arbitrary). hz <= 0 means exact timers.
func wheelDelay(now sim.Time, d time.Duration, hz int) time.Duration {
	if hz <= 0 || d <= 0 {
		return d
	}
	nowJ := toJiffiesDown(int64(now), hz)
	delta := toJiffiesUp(int64(d), hz)
	depth := wheelDepth(hz)
	cutoff := wheelStart(depth) // WHEEL_TIMEOUT_CUTOFF
	if delta >= cutoff {
		delta = cutoff - 1<<(wheelClkShift*(depth-1)) // WHEEL_TIMEOUT_MAX
	}
	lvl := 0
	for lvl+1 < depth && delta >= wheelStart(lvl+1) {
		lvl++
	}
	shift := uint(wheelClkShift * lvl)
	fire := (((nowJ + delta) >> shift) + 1) << shift
	return time.Duration(fromJiffies(fire, hz) - int64(now))
}

// toJiffiesDown is floor(ns * hz / 1e9) without overflow: whole seconds
// and the rest apart, so HZ=300 (a jiffy of 3.33 ms) is exact too.
func toJiffiesDown(ns int64, hz int) int64 {
	s, rest := ns/int64(time.Second), ns%int64(time.Second)
	return s*int64(hz) + rest*int64(hz)/int64(time.Second)
}

// toJiffiesUp is ceil(ns * hz / 1e9), as msecs_to_jiffies rounds.
func toJiffiesUp(ns int64, hz int) int64 {
	j := toJiffiesDown(ns, hz)
	if fromJiffies(j, hz) < ns {
		j++
	}
	return j
}

// fromJiffies is the first nanosecond of jiffy j: ceil(j * 1e9 / hz).
func fromJiffies(j int64, hz int) int64 {
	s, rest := j/int64(hz), j%int64(hz)
	return s*int64(time.Second) + (rest*int64(time.Second)+int64(hz)-1)/int64(hz)
}

// arm starts a neighbour timer: on the timer wheel for the Linux profile,
// exact otherwise (a fixed-timeout appliance cache, or HZ < 0).
func (c *Cache) arm(t Timer, d time.Duration) {
	if c.cfg.Profile == ProfileLinux {
		d = wheelDelay(c.env.Now(), d, c.cfg.HZ)
	}
	t.Reset(d)
}
