package vrrp

import (
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Gratuitous ARP, as keepalived 2.2.7 sends it (vrrp.c
// vrrp_send_link_update, vrrp_arp.c send_gratuitous_arp).

// sendLinkUpdate sends repeat rounds of one GARP per VIP, if the VIPs are
// set (keepalived: "Only send gratuitous ARP if VIP are set").
func (s *Speaker) sendLinkUpdate(repeat int, why string) {
	if !s.vipSet {
		return
	}
	sent := 0
	for range repeat {
		for i := range s.cfg.VIPs {
			if s.sendGARP(i) {
				sent++
			}
		}
	}
	if sent > 0 {
		s.env.Trace(sim.Record{Kind: sim.KindNote, Comp: s.cfg.Name, Event: "garp", Reason: why, Value: int64(sent)})
	}
}

// sendGARP sends a GARP for VIP i now, or queues it when vrrp_garp_interval
// asks for a gap. keepalived queues with one pending flag per address, so
// GARPs for the same VIP asked for during the gap collapse into one: with
// garp_interval set, a burst of 5 for one VIP sends 2 (one now, one a gap
// later). It reports whether the GARP left now.
func (s *Speaker) sendGARP(i int) bool {
	now := s.now()
	if s.cfg.GARPInterval > 0 && s.garpNextSet && now < s.garpNext {
		s.garpPending[i] = true
		next := now.Add(s.cfg.GARPInterval)
		if !s.garpTimerOn || next < s.garpTimerAt {
			s.armGARPTimer(next)
		}
		return false
	}
	s.sendGARPNow(i)
	return true
}

func (s *Speaker) sendGARPNow(i int) {
	s.env.SendGARP(s.cfg.VIPs[i])
	s.counters.GARPsSent++
	if s.cfg.GARPInterval > 0 {
		s.garpNext = s.now().Add(s.cfg.GARPInterval)
		s.garpNextSet = true
	}
}

func (s *Speaker) armGARPTimer(at sim.Time) {
	s.garpTimerOn = true
	s.garpTimerAt = at
	d := at.Sub(s.now())
	if d < 0 {
		d = 0
	}
	s.garpTimer.Reset(d)
}

// onGARPTimer is keepalived vrrp_arp_thread: send the queued GARPs whose
// gap has passed, if still MASTER with the VIPs set.
func (s *Speaker) onGARPTimer() {
	s.garpTimerOn = false
	if s.state != StateMaster || !s.vipSet {
		s.clearPendingGARPs()
		return
	}
	now := s.now()
	sent := 0
	for i, p := range s.garpPending {
		if !p {
			continue
		}
		if now >= s.garpNext {
			s.sendGARPNow(i)
			s.garpPending[i] = false
			sent++
		} else if !s.garpTimerOn || s.garpNext < s.garpTimerAt {
			s.armGARPTimer(s.garpNext)
		}
	}
	if sent > 0 {
		s.env.Trace(sim.Record{Kind: sim.KindNote, Comp: s.cfg.Name, Event: "garp", Reason: "interval", Value: int64(sent)})
	}
}

func (s *Speaker) clearPendingGARPs() {
	for i := range s.garpPending {
		s.garpPending[i] = false
	}
}

// lowerPrioGARPs: a master that hears a lower-priority advert sends
// garp_lower_prio_repeat GARPs per VIP now and again garp_lower_prio_delay
// later. keepalived takes both from the global vrrp_garp_master_repeat and
// vrrp_garp_master_delay (5, 5 s); we use this instance's values.
func (s *Speaker) lowerPrioGARPs() {
	s.sendLinkUpdate(s.cfg.GARPMasterRepeat, "lower_priority")
	if s.cfg.GARPMasterDelay > 0 {
		s.queueDelayedBurst(s.cfg.GARPMasterDelay, s.cfg.GARPMasterRepeat, "lower_priority_delay")
	}
}

// queueDelayedBurst registers a GARP burst d from now. All delays are the
// same span, so the queue stays in deadline order.
func (s *Speaker) queueDelayedBurst(d time.Duration, repeat int, why string) {
	s.delayed = append(s.delayed, delayedBurst{at: s.now().Add(d), repeat: repeat, why: why})
	if len(s.delayed) == 1 {
		s.garpDelay.Reset(d)
	}
}

func (s *Speaker) onGARPDelay() {
	now := s.now()
	for len(s.delayed) > 0 && s.delayed[0].at <= now {
		b := s.delayed[0]
		s.delayed = append(s.delayed[:0], s.delayed[1:]...)
		s.sendLinkUpdate(b.repeat, b.why)
	}
	if len(s.delayed) > 0 {
		s.garpDelay.Reset(s.delayed[0].at.Sub(now))
	}
}
