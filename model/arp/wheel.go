package arp

import (
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// The Linux timer wheel (kernel/time/timer.c). A timer armed for delta
// jiffies goes into the level whose range holds delta: level 0 has one
// bucket per jiffy for deltas up to 63, and each higher level has buckets
// 8 times as wide (LVL_CLK_SHIFT 3, LVL_BITS 6). calc_index rounds the
// expiry up to the next bucket boundary of its level so a timer never
// fires early, so beyond level 0 a timer fires up to one bucket late: a
// 1 s retrans_time at HZ=250 (250 jiffies, level 1, 8-jiffy buckets) fires
// up to 32 ms late, a 30 s reachable time (level 3, 512 jiffies) up to
// 2.048 s late. keepalived's timers are userspace (epoll timeouts) and
// stay exact: only the ARP cache's Linux profile uses this.

const (
	wheelClkShift = 3 // LVL_CLK_SHIFT
	wheelLevels   = 9 // LVL_DEPTH for HZ > 100
)

// wheelStart is LVL_START(lvl): the smallest delta (jiffies) placed at
// level lvl, for lvl >= 1.
func wheelStart(lvl int) int64 { return 63 << (wheelClkShift * (lvl - 1)) }

// wheelDelay returns after how long a kernel timer armed at now for d
// really fires at the given HZ: d is turned into jiffies rounding up
// (msecs_to_jiffies), the level is chosen as calc_wheel_index does, and
// beyond level 0 the expiry is rounded up as calc_index does:
// ((expires >> shift) + 1) << shift. The jiffies counter is now's tick
// (virtual time 0 is a tick; a real machine's phase is arbitrary).
func wheelDelay(now sim.Time, d time.Duration, hz int) time.Duration {
	if hz <= 0 || d <= 0 {
		return d
	}
	jiffy := int64(time.Second) / int64(hz)
	nowJ := int64(now) / jiffy
	delta := (int64(d) + jiffy - 1) / jiffy
	expires := nowJ + delta
	lvl := 0
	for lvl+1 < wheelLevels && delta >= wheelStart(lvl+1) {
		lvl++
	}
	if lvl > 0 {
		shift := uint(wheelClkShift * lvl)
		expires = ((expires >> shift) + 1) << shift
	}
	return time.Duration(expires*jiffy - int64(now))
}

// arm starts a neighbour timer: on the timer wheel for the Linux profile,
// exact otherwise (a fixed-timeout appliance cache, or HZ -1).
func (c *Cache) arm(t Timer, d time.Duration) {
	if c.cfg.Profile == ProfileLinux {
		d = wheelDelay(c.env.Now(), d, c.cfg.HZ)
	}
	t.Reset(d)
}
