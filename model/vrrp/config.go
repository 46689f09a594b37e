package vrrp

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Defaults, as keepalived 2.2.7 sets them (vrrp.h, global_data.c).
const (
	DefaultVersion           = 2
	DefaultPriority          = 100 // VRRP_PRIO_DFL, RFC 3768 section 5.3.4
	OwnerPriority            = 255 // VRRP_PRIO_OWNER: the address owner
	DefaultAdvertInt         = time.Second
	DefaultGARPMasterDelay   = 5 * time.Second // VRRP_GARP_DELAY
	DefaultGARPMasterRepeat  = 5               // VRRP_GARP_REP
	DefaultGARPRefreshRepeat = 1               // VRRP_GARP_REFRESH_REP
	// GARPDelayOff in Config.GARPMasterDelay is keepalived's
	// "garp_master_delay 0": no second burst. (The zero value means the
	// 5 s default, so "off" needs its own value.)
	GARPDelayOff time.Duration = -1
	// downTimerAdverts is keepalived's down_timer_adverts default: the 3 in
	// Master_Down_Interval = 3 * Advertisement_Interval + Skew_Time.
	downTimerAdverts = 3
	maxPreemptDelay  = 1000 * time.Second // keepalived preempt_delay range 0..1000 s
	maxTrackWeight   = 253                // keepalived track weight range -253..253
	v3IntervalUnit   = 10 * time.Millisecond
	v3MaxInterval    = 4095 * v3IntervalUnit // 12-bit field, RFC 5798 section 5.2.7
	v2MaxInterval    = 255 * time.Second     // 8-bit field, RFC 3768 section 5.3.7
)

// Track is a tracked interface or script. keepalived: without a weight its
// failure puts the instance in FAULT; with a weight W > 0 the priority is
// raised by W while it is up, with W < 0 lowered by |W| while it is down
// (vrrp_track.c, keepalived_netlink.c process_if_status_change).
type Track struct {
	Name      string
	Weight    int
	HasWeight bool // "weight 0" is the same as no weight in keepalived
}

func (t Track) weighted() bool { return t.HasWeight && t.Weight != 0 }

// Config is one vrrp_instance. Zero values mean keepalived's defaults
// (see WithDefaults).
type Config struct {
	Name      string // instance name, e.g. "VI_1"
	Interface string
	VRID      uint8 // 1..255
	Version   int   // 2 (default) or 3
	// InitialState is keepalived's "state": StateBackup or StateMaster.
	// StateInit (unset) derives it from the priority: MASTER if 255.
	InitialState State
	// Priority 1..255; 0 means unset: 255 with state MASTER, else 100
	// (keepalived vrrp_complete_instance).
	Priority     int
	AdvertInt    time.Duration // default 1 s; v2 whole seconds; v3 multiples of 10 ms
	NoPreempt    bool
	PreemptDelay time.Duration
	VIPs         []netip.Addr // virtual_ipaddress, at least one
	PrimaryIP    netip.Addr   // the interface address, or unicast_src_ip
	UnicastPeers []netip.Addr // empty = multicast to 224.0.0.18
	AuthPass     string       // v2 auth_type PASS, at most 8 characters; "" = none
	UseVMAC      bool

	// GARPMasterDelay: second burst this long after becoming master;
	// default 5 s, GARPDelayOff for none.
	GARPMasterDelay         time.Duration
	GARPMasterRepeat        int           // GARPs per VIP per burst, default 5
	GARPMasterRefresh       time.Duration // periodic refresh burst, 0 = off
	GARPMasterRefreshRepeat int           // default 1
	GARPInterval            time.Duration // minimum gap between two GARPs, 0 = none

	TrackInterfaces []Track
	TrackScripts    []Track

	Notify Notify // notify_* commands: traced, never run (notify.go)
}

// WithDefaults returns c with every unset field given keepalived's default.
func (c Config) WithDefaults() Config {
	if c.Version == 0 {
		c.Version = DefaultVersion
	}
	if c.Priority == 0 {
		if c.InitialState == StateMaster {
			c.Priority = OwnerPriority
		} else {
			c.Priority = DefaultPriority
		}
	}
	if c.InitialState == StateInit {
		if c.Priority == OwnerPriority {
			c.InitialState = StateMaster
		} else {
			c.InitialState = StateBackup
		}
	}
	if c.AdvertInt == 0 {
		c.AdvertInt = DefaultAdvertInt
	}
	if c.GARPMasterDelay == 0 {
		c.GARPMasterDelay = DefaultGARPMasterDelay
	}
	if c.GARPMasterRepeat == 0 {
		c.GARPMasterRepeat = DefaultGARPMasterRepeat
	}
	if c.GARPMasterRefreshRepeat == 0 {
		c.GARPMasterRefreshRepeat = DefaultGARPRefreshRepeat
	}
	return c
}

// Effective returns the configuration a speaker runs with: defaults
// applied, validated, then keepalived's fix-ups (vrrp.c
// vrrp_complete_instance): initial state MASTER or the address owner
// clears nopreempt ("nopreempt will not work with initial state MASTER"),
// and MASTER or nopreempt clears preempt_delay.
func (c Config) Effective() (Config, error) {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return c, err
	}
	if c.InitialState == StateMaster || c.Priority == OwnerPriority {
		c.NoPreempt = false
	}
	if c.InitialState == StateMaster || c.NoPreempt {
		c.PreemptDelay = 0
	}
	return c, nil
}

// Validate reports every invalid field of c (call it on c.WithDefaults()).
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Name == "" {
		bad("vrrp: instance name is empty")
	}
	name := c.Name
	if c.Interface == "" {
		bad("vrrp %s: interface is empty", name)
	}
	if c.VRID == 0 {
		bad("vrrp %s: virtual_router_id 0 is invalid, want 1..255", name)
	}
	if c.Version != 2 && c.Version != 3 {
		bad("vrrp %s: version %d is invalid, want 2 or 3", name, c.Version)
	}
	if c.InitialState != StateBackup && c.InitialState != StateMaster {
		bad("vrrp %s: state %s is invalid, want BACKUP or MASTER", name, c.InitialState)
	}
	if c.Priority < 1 || c.Priority > OwnerPriority {
		bad("vrrp %s: priority %d is invalid, want 1..255", name, c.Priority)
	}
	switch c.Version {
	case 2:
		if c.AdvertInt < time.Second || c.AdvertInt > v2MaxInterval || c.AdvertInt%time.Second != 0 {
			bad("vrrp %s: advert_int %v is invalid for version 2, want whole seconds 1..255", name, c.AdvertInt)
		}
	case 3:
		if c.AdvertInt < v3IntervalUnit || c.AdvertInt > v3MaxInterval || c.AdvertInt%v3IntervalUnit != 0 {
			bad("vrrp %s: advert_int %v is invalid for version 3, want a multiple of 10ms in 10ms..40.95s", name, c.AdvertInt)
		}
	}
	if c.PreemptDelay < 0 || c.PreemptDelay > maxPreemptDelay {
		bad("vrrp %s: preempt_delay %v is invalid, want 0..1000s", name, c.PreemptDelay)
	}
	if len(c.VIPs) == 0 {
		bad("vrrp %s: virtual_ipaddress is empty, want at least one IPv4 address", name)
	}
	for _, a := range c.VIPs {
		if !a.Is4() {
			bad("vrrp %s: virtual_ipaddress %v is not an IPv4 address", name, a)
		}
	}
	if !c.PrimaryIP.Is4() {
		bad("vrrp %s: primary IP %v is not an IPv4 address", name, c.PrimaryIP)
	}
	for _, a := range c.UnicastPeers {
		if !a.Is4() || a.IsMulticast() {
			bad("vrrp %s: unicast_peer %v is not a unicast IPv4 address", name, a)
		}
	}
	if len(c.AuthPass) > 8 {
		bad("vrrp %s: auth_pass %q is %d characters, want at most 8", name, c.AuthPass, len(c.AuthPass))
	}
	if c.AuthPass != "" && c.Version == 3 {
		// keepalived ignores authentication with version 3 (RFC 5798
		// section 9 removed it); we refuse it so the scenario says what runs.
		bad("vrrp %s: authentication is not supported with version 3", name)
	}
	if c.GARPMasterDelay < 0 && c.GARPMasterDelay != GARPDelayOff {
		bad("vrrp %s: garp_master_delay %v is negative", name, c.GARPMasterDelay)
	}
	if c.GARPMasterRepeat < 1 {
		bad("vrrp %s: garp_master_repeat %d is invalid, want >= 1", name, c.GARPMasterRepeat)
	}
	if c.GARPMasterRefresh < 0 {
		bad("vrrp %s: garp_master_refresh %v is negative", name, c.GARPMasterRefresh)
	}
	if c.GARPMasterRefreshRepeat < 1 {
		bad("vrrp %s: garp_master_refresh_repeat %d is invalid, want >= 1", name, c.GARPMasterRefreshRepeat)
	}
	if c.GARPInterval < 0 {
		bad("vrrp %s: garp_interval %v is negative", name, c.GARPInterval)
	}
	for _, g := range []struct {
		kind   string
		tracks []Track
	}{{"track_interface", c.TrackInterfaces}, {"track_script", c.TrackScripts}} {
		kind := g.kind
		for _, t := range g.tracks {
			if t.Name == "" {
				bad("vrrp %s: %s entry has an empty name", name, kind)
			}
			if t.HasWeight && (t.Weight < -maxTrackWeight || t.Weight > maxTrackWeight) {
				bad("vrrp %s: %s %s weight %d is invalid, want -253..253", name, kind, t.Name, t.Weight)
			}
		}
	}
	return errors.Join(errs...)
}
