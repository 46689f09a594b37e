package arp

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Profile selects the neighbour cache behaviour.
type Profile uint8

// Profiles.
const (
	// ProfileLinux is the Linux neighbour state machine (net/core/neighbour.c,
	// net/ipv4/arp.c): INCOMPLETE, REACHABLE, STALE, DELAY, PROBE, FAILED.
	ProfileLinux Profile = iota
	// ProfileFixed is the router/appliance cache: an entry lives a fixed
	// timeout after it was learned or refreshed by any ARP from its owner,
	// then is deleted; resolution is a broadcast request retried
	// McastSolicit times, RetransTime apart. See fixed.go.
	ProfileFixed
)

func (p Profile) String() string {
	switch p {
	case ProfileLinux:
		return "linux"
	case ProfileFixed:
		return "fixed"
	}
	return fmt.Sprintf("profile(%d)", uint8(p))
}

// Linux defaults (net/ipv4/arp.c arp_tbl.parms and Documentation/networking/
// ip-sysctl.rst, /proc/sys/net/ipv4/neigh/default/*).
const (
	DefaultBaseReachableTime   = 30 * time.Second // base_reachable_time_ms
	DefaultDelayFirstProbeTime = 5 * time.Second  // delay_first_probe_time
	DefaultRetransTime         = 1 * time.Second  // retrans_time_ms
	DefaultGCStaleTime         = 60 * time.Second // gc_stale_time
	DefaultLocktime            = 1 * time.Second  // locktime (100 jiffies at HZ=100)
	DefaultUcastSolicit        = 3                // ucast_solicit
	DefaultMcastSolicit        = 3                // mcast_solicit
	DefaultAppSolicit          = 0                // app_solicit
	DefaultArpAccept           = 0                // net.ipv4.conf.*.arp_accept
	// DefaultQueueLen approximates unres_qlen_bytes = 212992 (SK_WMEM_MAX)
	// by a packet count: the kernel's legacy unres_qlen default of 101
	// packets. Linux counts skb truesize, so the real number of small
	// packets held is a few hundred; what matters for the simulation is
	// that packets queue during resolution and the oldest are dropped
	// first when the queue is full.
	DefaultQueueLen = 101
	// DefaultFixedTimeout is the ProfileFixed entry lifetime: 4 h, Cisco
	// IOS's `arp timeout 14400` (the scenario loader's default too).
	// Juniper uses 20 min, many appliances 300 s; set FixedTimeout.
	DefaultFixedTimeout = 4 * time.Hour
	// DefaultHZ is CONFIG_HZ of most distribution kernels (250 is the
	// kernel's default choice; some use 100, 300 or 1000), for Config.HZ.
	DefaultHZ = 250
)

// Linux constants that are not configurable here.
const (
	// minRetrans is HZ/100: neigh_timer_handler never arms the timer
	// closer than this, and retrans_time is at least this.
	minRetrans = 10 * time.Millisecond
	// reRandomizeEvery is the 300 s after which neigh_periodic_work draws
	// a new reachable_time.
	reRandomizeEvery = 300 * time.Second
	// lastRandFactor: neigh_table_init sets last_rand = now +
	// reachable_time*20, so the first re-draw is that much later.
	lastRandFactor = 20
	// GCThresh1 is gc_thresh1 (128): below this many entries
	// neigh_periodic_work removes nothing, so STALE entries stay.
	GCThresh1 = 128
)

// Config configures a Cache. Zero values mean the Linux defaults above.
// Where zero is a meaningful setting, a negative value selects it:
// Locktime < 0 means no locktime, UcastSolicit < 0 and McastSolicit < 0
// mean zero probes of that kind.
type Config struct {
	Profile Profile

	BaseReachableTime   time.Duration
	DelayFirstProbeTime time.Duration
	RetransTime         time.Duration
	GCStaleTime         time.Duration
	Locktime            time.Duration

	UcastSolicit int
	McastSolicit int
	AppSolicit   int

	// ArpAccept is net.ipv4.conf.*.arp_accept: 0 do not create entries
	// from unsolicited ARP, 1 create them from gratuitous ARP and replies.
	// 2 (create only for senders in a local subnet) is treated as 1: the
	// cache does not know the interface subnets.
	ArpAccept int

	// QueueLen is how many packets wait per INCOMPLETE entry.
	QueueLen int

	// HZ is the kernel tick rate (CONFIG_HZ) of the Linux profile: its
	// neighbour timers fire on the timer wheel, rounded up to the wheel
	// level's granularity (see wheelDelay). 0 means DefaultHZ; a negative
	// value keeps the timers exact (an idealised kernel). HZChoices lists
	// the values Kconfig offers.
	HZ int

	// FixedTimeout is the entry lifetime of ProfileFixed.
	FixedTimeout time.Duration
}

// WithDefaults returns c with zero fields replaced by the defaults and the
// negative "explicit zero" values of Locktime, UcastSolicit and
// McastSolicit replaced by zero.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.BaseReachableTime, DefaultBaseReachableTime)
	def(&c.DelayFirstProbeTime, DefaultDelayFirstProbeTime)
	def(&c.RetransTime, DefaultRetransTime)
	def(&c.GCStaleTime, DefaultGCStaleTime)
	def(&c.FixedTimeout, DefaultFixedTimeout)
	switch {
	case c.Locktime == 0:
		c.Locktime = DefaultLocktime
	case c.Locktime < 0:
		c.Locktime = 0
	}
	count := func(n *int, v int) {
		switch {
		case *n == 0:
			*n = v
		case *n < 0:
			*n = 0
		}
	}
	count(&c.UcastSolicit, DefaultUcastSolicit)
	count(&c.McastSolicit, DefaultMcastSolicit)
	if c.QueueLen == 0 {
		c.QueueLen = DefaultQueueLen
	}
	if c.HZ == 0 {
		c.HZ = DefaultHZ
	}
	return c
}

// HZChoices are the CONFIG_HZ values of kernel/Kconfig.hz.
var HZChoices = []int{100, 250, 300, 1000}

// validHZ reports whether hz is a Kconfig.hz choice or negative (exact).
func validHZ(hz int) bool {
	return hz < 0 || slices.Contains(HZChoices, hz)
}

// Validate reports values the cache cannot use.
func (c Config) Validate() error {
	var errs []error
	if c.Profile > ProfileFixed {
		errs = append(errs, fmt.Errorf("arp: unknown profile %d (want linux or fixed)", c.Profile))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"base_reachable_time", c.BaseReachableTime},
		{"delay_first_probe_time", c.DelayFirstProbeTime},
		{"retrans_time", c.RetransTime},
		{"gc_stale_time", c.GCStaleTime},
		{"fixed timeout", c.FixedTimeout},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("arp: %s %v is negative", d.name, d.v))
		}
	}
	if c.AppSolicit < 0 {
		errs = append(errs, fmt.Errorf("arp: app_solicit %d is negative", c.AppSolicit))
	}
	if c.ArpAccept < 0 || c.ArpAccept > 2 {
		errs = append(errs, fmt.Errorf("arp: arp_accept %d out of range (want 0, 1 or 2)", c.ArpAccept))
	}
	if c.QueueLen < 0 {
		errs = append(errs, fmt.Errorf("arp: queue length %d is negative", c.QueueLen))
	}
	if c.HZ != 0 && !validHZ(c.HZ) {
		errs = append(errs, fmt.Errorf("arp: HZ %d is not a CONFIG_HZ choice (want %v, or negative for exact timers)", c.HZ, HZChoices))
	}
	return errors.Join(errs...)
}

// sanitize makes any config safe to run: defaults, then invalid values
// replaced by defaults (New never fails; Validate is the loader's job).
func (c Config) sanitize() Config {
	c = c.WithDefaults()
	fix := func(d *time.Duration, v time.Duration) {
		if *d < 0 {
			*d = v
		}
	}
	fix(&c.BaseReachableTime, DefaultBaseReachableTime)
	fix(&c.DelayFirstProbeTime, DefaultDelayFirstProbeTime)
	fix(&c.RetransTime, DefaultRetransTime)
	fix(&c.GCStaleTime, DefaultGCStaleTime)
	fix(&c.FixedTimeout, DefaultFixedTimeout)
	// neigh_timer_handler and __neigh_event_send use
	// max(retrans_time, HZ/100).
	c.RetransTime = max(c.RetransTime, minRetrans)
	c.AppSolicit = max(c.AppSolicit, 0)
	if c.ArpAccept < 0 || c.ArpAccept > 2 {
		c.ArpAccept = DefaultArpAccept
	}
	if c.QueueLen < 0 {
		c.QueueLen = DefaultQueueLen
	}
	if !validHZ(c.HZ) {
		c.HZ = DefaultHZ
	}

	if c.Profile > ProfileFixed {
		c.Profile = ProfileLinux
	}
	return c
}
