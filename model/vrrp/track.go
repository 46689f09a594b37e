package vrrp

import (
	"slices"
	"strconv"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Tracking: keepalived vrrp_track.c and keepalived_netlink.c
// process_if_status_change. A failed unweighted track (and the instance's
// own interface) counts in faults; the instance goes to FAULT when the count
// leaves zero (down_instance) and comes back when it returns to zero
// (try_up_instance). Weighted tracks move the effective priority.

// SetInterfaceUp reports a link change. The instance's own interface going
// down is a fault; tracked interfaces act per their Track.
func (s *Speaker) SetInterfaceUp(name string, up bool) {
	if name == s.cfg.Interface && s.ifaceUp != up {
		s.ifaceUp = up
		s.faultChanged(!up, ReasonInterfaceDown)
	}
	for i, t := range s.cfg.TrackInterfaces {
		if t.Name != name || s.trackIfUp[i] == up {
			continue
		}
		s.trackIfUp[i] = up
		s.trackChanged(t, up)
	}
}

// SetScriptOK reports the result of a tracked script (vrrp_script).
func (s *Speaker) SetScriptOK(name string, ok bool) {
	for i, t := range s.cfg.TrackScripts {
		if t.Name != name || s.trackSrcOK[i] == ok {
			continue
		}
		s.trackSrcOK[i] = ok
		s.trackChanged(t, ok)
	}
}

// SetBasePriority changes the configured priority at run time (a keepalived
// reload with a new priority, simplified: the instance keeps its state and
// the new priority takes effect like a tracking change). p is clamped to
// 1..255.
func (s *Speaker) SetBasePriority(p int) {
	p = min(max(p, 1), OwnerPriority)
	if p == s.base {
		return
	}
	s.base = p
	s.updateEffectivePriority("set_priority")
}

func (s *Speaker) trackChanged(t Track, ok bool) {
	if t.weighted() {
		why := t.Name + " down"
		if ok {
			why = t.Name + " up"
		}
		s.updateEffectivePriority(why)
		return
	}
	s.faultChanged(!ok, ReasonFault)
}

func (s *Speaker) faultChanged(failed bool, why Reason) {
	if failed {
		s.faults++
		if s.faults == 1 && s.running() {
			s.downInstance(why)
		}
		return
	}
	s.faults--
	if s.faults == 0 && s.running() {
		s.tryUpInstance()
	} else if s.faults == 0 && s.sync != nil {
		// Cleared while stopped: counted by the group's start (initState)
		// for a member that has not started yet.
		s.sync.releaseFault(s)
	}
}

func (s *Speaker) running() bool { return s.state != StateInit }

// computePriority is base + weights of up tracks with W > 0 + weights of
// down tracks with W < 0, clamped to 1..254; the address owner (base 255)
// keeps 255 (vrrp_track.c vrrp_set_effective_priority).
func (s *Speaker) computePriority() int {
	return effectivePriority(s.base, s.cfg, s.trackIfUp, s.trackSrcOK)
}

func effectivePriority(base int, c Config, ifUp, srcOK []bool) int {
	if base == OwnerPriority {
		return OwnerPriority
	}
	total := base
	for i, t := range c.TrackInterfaces {
		total += weightFor(t, ifUp[i])
	}
	for i, t := range c.TrackScripts {
		total += weightFor(t, srcOK[i])
	}
	return min(max(total, 1), OwnerPriority-1)
}

// PriorityAfter is the effective priority of an instance running c once
// the named tracked interfaces and scripts have failed (the others up),
// computed as the speaker does; fault reports that a failed track has no
// weight, which puts the instance in FAULT instead (vrrp_track.c).
func PriorityAfter(c Config, downIfs, failedScripts []string) (prio int, fault bool) {
	ifUp := make([]bool, len(c.TrackInterfaces))
	for i, t := range c.TrackInterfaces {
		ifUp[i] = !slices.Contains(downIfs, t.Name)
		fault = fault || (!ifUp[i] && !t.weighted())
	}
	srcOK := make([]bool, len(c.TrackScripts))
	for i, t := range c.TrackScripts {
		srcOK[i] = !slices.Contains(failedScripts, t.Name)
		fault = fault || (!srcOK[i] && !t.weighted())
	}
	return effectivePriority(c.Priority, c, ifUp, srcOK), fault
}

func weightFor(t Track, ok bool) int {
	switch {
	case !t.weighted():
		return 0
	case t.Weight > 0 && ok:
		return t.Weight
	case t.Weight < 0 && !ok:
		return t.Weight
	}
	return 0
}

// updateEffectivePriority applies a new effective priority. In BACKUP the
// master-down deadline moves by the change in Master_Down_Interval, so it
// stays counted from the last advert accepted (vrrp_set_effective_priority:
// sands += new ms_down_timer - old). A MASTER simply advertises the new
// priority from its next advert. The change is traced (a KindNote
// "priority": From/To the old and new priority, Reason why) so reports can
// plot the effective priority over time.
func (s *Speaker) updateEffectivePriority(why string) {
	p := s.computePriority()
	if p == s.effective {
		return
	}
	s.env.Trace(sim.Record{
		Kind: sim.KindNote, Comp: s.cfg.Name, Event: "priority", Reason: why,
		From: strconv.Itoa(s.effective), To: strconv.Itoa(p), Value: int64(p), Value2: int64(s.cfg.VRID),
	})
	s.effective = p
	old := s.msDownTimer
	s.msDownTimer = s.MasterDownInterval()
	if s.state == StateBackup {
		s.setMasterDownAt(s.masterDownAt.Add(s.msDownTimer - old))
	}
}

// downInstance is keepalived down_instance.
func (s *Speaker) downInstance(why Reason) {
	s.wantState = StateFault
	if s.state == StateMaster {
		s.leaveMaster(StateFault, true, why)
	} else {
		s.leaveFault(why)
	}
	if s.sync != nil {
		s.sync.countFault(s, true)
		if s.sync.numMemberFault == 1 {
			s.sync.fault(s)
		}
	}
}

// tryUpInstance is keepalived try_up_instance: the last fault cleared.
func (s *Speaker) tryUpInstance() {
	if !(s.wantState == StateMaster && s.base == OwnerPriority) {
		s.wantState = StateBackup
	}
	s.masterAdverInt = s.cfg.AdvertInt
	if s.wantState == StateMaster {
		s.msDownTimer = s.masterAdverInt + s.skew()
	} else {
		s.msDownTimer = s.MasterDownInterval()
	}
	if s.sync != nil {
		s.sync.countFault(s, false)
		if s.sync.numMemberFault > 0 {
			return
		}
	}
	want := s.wantState
	if s.sync != nil && s.wantState == StateMaster && !s.sync.canGotoMaster(s) {
		s.wantState = StateBackup
	}
	s.leaveFault(ReasonFaultCleared)
	s.wantState = want
	if s.sync != nil {
		if s.state == StateMaster {
			s.sync.master(s)
		} else {
			s.sync.backup(s)
		}
	}
}
