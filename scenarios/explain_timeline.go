package scenarios

import (
	"fmt"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// ExplainEvent predicts what the scenario's first action against a VRID's
// master does to it: when the next router becomes master. Only the first
// such action is predicted, from the steady state after the start, and
// only on an ideal LAN (no loss or jitter on the segment, no clock drift
// or timer jitter on the routers); later actions depend on more history.
type ExplainEvent struct {
	VRID   int    `json:"virtual_router_id"`
	Action string `json:"action"`
	At     Secs   `json:"at"`
	// LastAdvert is when the master's last advert before the action left.
	LastAdvert Secs `json:"last_advert,omitempty"`
	// Master is who is master after the action, from TakeoverAt ("" if
	// the master keeps the role: a reload or freeze shorter than the
	// backup's wait).
	Master     string `json:"master,omitempty"`
	TakeoverAt Secs   `json:"takeover_at,omitempty"`
	// Back: a reload or freeze of the master that outlasts the wait ends
	// with the old master advertising at once and taking the role back.
	BackAt Secs   `json:"back_at,omitempty"`
	Why    string `json:"why"`
}

// explainTimeline predicts the first crash, kill, stop, freeze or reload
// of each VRID's initial master.
func explainTimeline(sc *Scenario, vrids []ExplainVRID, all []explained) []ExplainEvent {
	var out []ExplainEvent
	for _, v := range vrids {
		if v.Next == "" {
			continue
		}
		m, nx := findExplained(all, v.Master), findExplained(all, v.Next)
		for _, ev := range sc.Timeline {
			a := ev.Action
			if a.Node != m.node && a.Node != nx.node && !touchesSegment(a, v.Segment) {
				continue
			}
			if a.Node != m.node {
				break // something else happens first: not predicted
			}
			e, ok := predict(sc, v, m, nx, ev)
			if ok {
				out = append(out, e)
			}
			break
		}
	}
	return out
}

// predict follows the speakers' rules for one action on the master m.
func predict(sc *Scenario, v ExplainVRID, m, nx explained, ev *Event) (ExplainEvent, bool) {
	a := ev.Action
	e := ExplainEvent{VRID: v.VRID, Action: a.String(), At: Secs(ev.At)}
	if !idealPath(sc, v.Segment, m.node, nx.node) {
		return e, false
	}
	hop := 2 * segmentLatency(sc, v.Segment) // sender -> switch -> receiver
	ai := m.cfg.AdvertInt
	if ev.At <= sim.Time(v.MasterAt) {
		return e, false // before the first election
	}
	// The master advertises every ai from when it became master; an
	// advert due at the very instant of the action is not counted.
	n := (time.Duration(ev.At-sim.Time(v.MasterAt)) - 1) / ai
	last := time.Duration(v.MasterAt) + n*ai
	e.LastAdvert = Secs(last)
	wait := time.Duration(v.AfterCrash) // the backup's Master_Down_Interval
	switch a.Kind {
	case ActStop:
		e.LastAdvert = 0
		e.Master = v.Next
		e.TakeoverAt = Secs(time.Duration(ev.At) + hop + time.Duration(v.AfterStop))
		e.Why = "priority 0 advert, then Skew_Time"
	case ActCrash, ActKill:
		e.Master = v.Next
		e.TakeoverAt = Secs(last + hop + wait)
		e.Why = "Master_Down_Interval after the last advert heard"
	case ActFreeze, ActReload:
		end := time.Duration(ev.At) + a.Duration
		take := last + hop + wait
		if a.Kind == ActReload && a.Reload != nil {
			return e, false // a new configuration: not predicted
		}
		if end < take {
			e.Why = fmt.Sprintf("over %v before the backup's Master_Down_Interval runs out at %v: the master keeps the role", Secs(end), Secs(take))
			return e, true
		}
		e.Master = v.Next
		e.TakeoverAt = Secs(take)
		if m.out.Effective > nx.out.Effective {
			e.BackAt = Secs(end + hop)
		}
		e.Why = "Master_Down_Interval after the last advert heard; the old master advertises when it resumes"
	default:
		return e, false
	}
	return e, true
}

func findExplained(all []explained, id string) explained {
	for _, x := range all {
		if x.id() == id {
			return x
		}
	}
	return explained{}
}

// touchesSegment: actions on a segment change what the routers hear.
func touchesSegment(a Action, seg string) bool {
	return a.Segment == seg && a.Kind != ActInject
}

// idealPath: no loss or jitter on the segment, no drift or jitter on the
// two routers, so the timings are exact.
func idealPath(sc *Scenario, seg string, nodes ...string) bool {
	for _, s := range sc.Segments {
		if s.Name == seg && (s.Loss > 0 || s.Jitter > 0) {
			return false
		}
	}
	for _, n := range sc.Nodes {
		for _, want := range nodes {
			if n.Name == want && (n.ClockDrift != 0 || n.ClockDriftRandom != 0 || n.TimerJitter != 0) {
				return false
			}
		}
	}
	return true
}

func segmentLatency(sc *Scenario, seg string) time.Duration {
	for _, s := range sc.Segments {
		if s.Name == seg {
			return s.Latency
		}
	}
	return DefaultLatency
}
