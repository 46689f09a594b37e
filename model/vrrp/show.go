package vrrp

import (
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Status is a read-only snapshot of an instance for the stepper's
// `show vrrp`: what keepalived's data dump (vrrp_print.c
// vrrp_print_data, and the SIGJSON dump of vrrp_json.c) prints for a
// vrrp_t, with the timers as deadlines in virtual time.
type Status struct {
	Name, Interface string
	VRID            uint8
	Version         int
	State           State
	WantState       State // wantstate
	BasePriority    int   // base_priority
	Effective       int   // effective_priority
	Tracks          []TrackStatus
	Faults          int // num_script_if_fault (own interface + failed unweighted tracks)

	MasterIP       netip.Addr // source of the last accepted or discarded advert
	MasterPriority int
	AdvertInt      time.Duration // adver_int
	MasterAdverInt time.Duration // master_adver_int
	DownInterval   time.Duration // 3 * master_adver_int + skew

	AdvertAt     sim.Time // MASTER: next advert
	AdvertArmed  bool
	MasterDownAt sim.Time // BACKUP: Master_Down_Timer deadline (sands)
	DownArmed    bool

	NoPreempt    bool
	PreemptDelay time.Duration
	PreemptAt    sim.Time // preempt_time, when PreemptSet
	PreemptSet   bool

	VIPs     []netip.Addr
	VIPSet   bool // vipset
	Counters Counters
}

// TrackStatus is one tracked interface or script and what it adds to the
// effective priority now (vrrp_track.c vrrp_set_effective_priority).
type TrackStatus struct {
	Kind      string // "interface" or "script"
	Name      string
	Weight    int
	HasWeight bool
	OK        bool // interface up / script succeeding
	// Contribution is the weight counted now: +W while OK for W > 0, W
	// while failed for W < 0, else 0. An unweighted track adds nothing
	// and faults the instance while failed.
	Contribution int
}

// Status returns the instance's current state for a show view.
func (s *Speaker) Status() Status {
	st := Status{
		Name: s.cfg.Name, Interface: s.cfg.Interface, VRID: s.cfg.VRID, Version: s.cfg.Version,
		State: s.state, WantState: s.wantState, BasePriority: s.base, Effective: s.effective,
		Faults: s.faults, MasterIP: s.masterIP, MasterPriority: s.masterPriority,
		AdvertInt: s.cfg.AdvertInt, MasterAdverInt: s.masterAdverInt, DownInterval: s.MasterDownInterval(),
		NoPreempt: s.cfg.NoPreempt, PreemptDelay: s.cfg.PreemptDelay, PreemptAt: s.preemptTime, PreemptSet: s.preemptSet,
		VIPs: append([]netip.Addr(nil), s.cfg.VIPs...), VIPSet: s.vipSet, Counters: s.counters,
	}
	st.AdvertAt, st.AdvertArmed = sim.Deadline(s.advert)
	st.MasterDownAt, st.DownArmed = sim.Deadline(s.masterDown)
	for i, t := range s.cfg.TrackInterfaces {
		st.Tracks = append(st.Tracks, trackStatus("interface", t, s.trackIfUp[i]))
	}
	for i, t := range s.cfg.TrackScripts {
		st.Tracks = append(st.Tracks, trackStatus("script", t, s.trackSrcOK[i]))
	}
	return st
}

func trackStatus(kind string, t Track, ok bool) TrackStatus {
	return TrackStatus{Kind: kind, Name: t.Name, Weight: t.Weight, HasWeight: t.weighted(), OK: ok, Contribution: weightFor(t, ok)}
}
