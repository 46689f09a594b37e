package vrrp

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Reload: keepalived's SIGHUP (vrrp_daemon.c reload_vrrp_thread). The
// daemon destroys its thread master (no timer runs, no advert is read),
// re-reads the config, then keeps each instance found by name in its old
// state (vrrp.c vrrp_complete_init "set the status on matching new
// instances", clear_diff_vrrp, restore_vrrp_state) and starts again
// (vrrp_scheduler.c vrrp_init_state, vrrp_init_instance_sands).

// Suspend stops every timer of a running instance for a reload; the state
// and the VIPs stay as they are.
func (s *Speaker) Suspend() {
	if s.state == StateInit {
		return
	}
	s.stopAll()
	s.env.Trace(sim.Record{Kind: sim.KindNote, Comp: s.cfg.Name, Event: "reload", Reason: "suspended"})
}

// Reload applies cfg (same instance name) to a suspended instance and
// resumes it:
//   - MASTER stays MASTER (reload_master): it keeps its VIPs, adds the new
//     ones (GARPs if any was added, restore_vrrp_state) and sends an advert
//     at once (vrrp_init_instance_sands: sands = now);
//   - BACKUP waits a fresh Master_Down_Interval, computed with the new
//     priority and interval (vrrp_init_state: VRRP_MS_DOWN_TIMER);
//   - FAULT stays FAULT.
//
// The caller (the node) releases the old VIPs before, since the Env's
// SetMaster works on the node's copy of the config. Results of tracked
// interfaces and scripts are kept by name; new tracks start healthy.
func (s *Speaker) Reload(cfg Config) error {
	cfg, err := cfg.Effective()
	if err != nil {
		return err
	}
	if cfg.Name != s.cfg.Name {
		return fmt.Errorf("vrrp %s: reload with instance %s", s.cfg.Name, cfg.Name)
	}
	old := s.cfg
	cfg.VIPs = slices.Clone(cfg.VIPs)
	cfg.UnicastPeers = slices.Clone(cfg.UnicastPeers)
	cfg.TrackInterfaces = slices.Clone(cfg.TrackInterfaces)
	cfg.TrackScripts = slices.Clone(cfg.TrackScripts)
	cfg.Notify = cfg.Notify.clone()
	s.trackIfUp = carryTracks(old.TrackInterfaces, s.trackIfUp, cfg.TrackInterfaces)
	s.trackSrcOK = carryTracks(old.TrackScripts, s.trackSrcOK, cfg.TrackScripts)
	s.cfg = cfg
	s.base = cfg.Priority
	s.faults = downUnweighted(cfg.TrackInterfaces, s.trackIfUp) + downUnweighted(cfg.TrackScripts, s.trackSrcOK)
	if !s.ifaceUp {
		s.faults++
	}
	s.authData = [8]byte{}
	copy(s.authData[:], cfg.AuthPass)
	s.garpPending = make([]bool, len(cfg.VIPs))
	s.garpNextSet = false
	s.masterAdverInt = cfg.AdvertInt
	s.effective = s.computePriority()
	s.env.Trace(sim.Record{Kind: sim.KindNote, Comp: s.cfg.Name, Event: "reload", Reason: "resumed",
		Value: int64(s.effective), Value2: int64(cfg.VRID)})
	switch s.state {
	case StateMaster:
		if s.vipSet {
			s.env.SetMaster(true)
			if addedAddrs(old.VIPs, cfg.VIPs) {
				s.sendLinkUpdate(cfg.GARPMasterRepeat, "reload")
				if cfg.GARPMasterRefresh > 0 {
					s.garpRefreshAt = s.now().Add(cfg.GARPMasterRefresh)
				}
			}
		}
		s.advert.Reset(0)
	case StateBackup:
		s.msDownTimer = s.MasterDownInterval()
		s.downReason = ReasonMasterDownExpired
		s.preemptSet = false
		s.armStateTimer()
	}
	return nil
}

// carryTracks keeps each track's result by name across a reload.
func carryTracks(old []Track, up []bool, next []Track) []bool {
	out := make([]bool, len(next))
	for i, t := range next {
		out[i] = true
		for j, o := range old {
			if o.Name == t.Name && j < len(up) {
				out[i] = up[j]
			}
		}
	}
	return out
}

// downUnweighted counts the failed tracks without a weight: each holds
// the instance in FAULT (vrrp_track.c).
func downUnweighted(tracks []Track, up []bool) int {
	n := 0
	for i, t := range tracks {
		if !t.weighted() && !up[i] {
			n++
		}
	}
	return n
}

// addedAddrs reports whether next holds an address old does not.
func addedAddrs(old, next []netip.Addr) bool {
	for _, a := range next {
		if !slices.Contains(old, a) {
			return true
		}
	}
	return false
}
