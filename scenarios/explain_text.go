package scenarios

import (
	"fmt"
	"io"
	"strings"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
)

// WriteText writes the explanation for a terminal: fix-ups first, then
// each node's instances, then each VRID's election and failovers.
func (e *Explanation) WriteText(w io.Writer) error {
	var b strings.Builder
	p := func(indent int, format string, a ...any) {
		b.WriteString(strings.Repeat("  ", indent))
		fmt.Fprintf(&b, format, a...)
		b.WriteByte('\n')
	}
	p(0, "explain %s", e.Scenario)
	if len(e.Fixups) > 0 {
		p(0, "")
		p(0, "What keepalived changes or ignores silently")
		for _, f := range e.Fixups {
			p(1, "%s", f)
		}
	}
	for _, n := range e.Nodes {
		p(0, "")
		p(0, "node %s", n.Node)
		for _, in := range n.Instances {
			p(1, "vrrp_instance %s (%s)", in.Name, in.Source)
			p(2, "interface %s on %s, primary IP %s, virtual_router_id %d, version %d", in.Interface, orNone(in.Segment), in.PrimaryIP, in.VRID, in.Version)
			p(2, "state %s, priority %d (effective %d), advert_int %v", in.State, in.Priority, in.Effective, in.AdvertInt)
			p(2, "nopreempt %v, preempt_delay %v", in.NoPreempt, in.PreemptDelay)
			p(2, "virtual_ipaddress %s", strings.Join(in.VIPs, " "))
			if len(in.UnicastPeers) > 0 {
				p(2, "unicast_peer %s", strings.Join(in.UnicastPeers, " "))
			}
			p(2, "authentication %s, use_vmac %v", in.Auth, in.UseVMAC)
			delay := "off"
			if in.GARPMasterDelay > 0 {
				delay = in.GARPMasterDelay.String()
			}
			refresh := "off"
			if in.GARPMasterRefresh > 0 {
				refresh = in.GARPMasterRefresh.String()
			}
			p(2, "garp_master_delay %s, garp_master_repeat %d, garp_master_refresh %s, garp_master_refresh_repeat %d, garp_interval %v",
				delay, in.GARPMasterRepeat, refresh, in.GARPMasterRefreshRepeat, in.GARPInterval)
			p(2, "Skew_Time %v, Master_Down_Interval %v", in.Skew, in.MasterDown)
			var bursts []string
			for _, g := range in.GARPs {
				s := fmt.Sprintf("+%v: %d (%s)", g.After, g.Count, g.Why)
				if g.Every > 0 {
					s += fmt.Sprintf(", then every %v", g.Every)
				}
				bursts = append(bursts, s)
			}
			p(2, "gratuitous ARPs after becoming master: %s", strings.Join(bursts, "; "))
			if in.GARPInterval > 0 {
				p(3, "garp_interval %v spaces them: GARPs for one VIP asked for within the gap collapse into one", in.GARPInterval)
			}
			if in.PreemptAfter > 0 {
				p(2, "preempt_delay holds: as a backup of higher priority it preempts %v after the first lower-priority advert it hears", in.PreemptAfter)
			}
			for _, t := range in.Tracks {
				if t.Fault {
					p(2, "%s %s (no weight): its failure puts the instance in FAULT", t.Kind, t.Name)
				} else {
					p(2, "%s %s weight %d: its failure makes the priority %d -> %d", t.Kind, t.Name, t.Weight, in.Effective, t.PriorityAfter)
				}
			}
			for _, c := range in.Notify {
				p(2, "on %s: %s %s (never run)", c.State, c.Kind, vrrp.QuoteArgv(c.Argv))
			}
		}
		for _, g := range n.SyncGroups {
			p(1, "vrrp_sync_group %s (%s): %s change state together", g.Name, g.Source, strings.Join(g.Members, ", "))
			for _, c := range g.Notify {
				p(2, "on %s: %s %s (never run)", c.State, c.Kind, vrrp.QuoteArgv(c.Argv))
			}
		}
	}
	for _, v := range e.VRIDs {
		p(0, "")
		p(0, "VRID %d on %s: %s", v.VRID, orNone(v.Segment), strings.Join(v.Instances, ", "))
		p(1, "master once all start together: %s, at %v", v.Master, v.MasterAt)
		if v.Next != "" {
			p(1, "%s crashes: %s takes over %v after the last advert it heard (%v to %v after the crash)",
				v.Master, v.Next, v.AfterCrash, v.AfterCrashMin, v.AfterCrash)
			p(1, "%s stops (priority 0 advert): %s takes over %v later (Skew_Time)", v.Master, v.Next, v.AfterStop)
		}
		for _, f := range v.Failures {
			after := fmt.Sprintf("priority %d -> %d", f.Before, f.After)
			if f.Fault {
				after = "FAULT"
			}
			p(1, "%s %s fails: %s; master %s (%s)", f.Node, f.Track, after, f.Master, f.Why)
		}
		for _, n := range v.Notes {
			p(1, "note: %s", n)
		}
	}
	if len(e.Timeline) > 0 {
		p(0, "")
		p(0, "The timeline's first action against each master")
		for _, t := range e.Timeline {
			switch {
			case t.Master == "":
				p(1, "VRID %d: %s at %v: %s", t.VRID, t.Action, t.At, t.Why)
			case t.BackAt > 0:
				p(1, "VRID %d: %s at %v: %s master at %v (%s), back to the old master at %v", t.VRID, t.Action, t.At, t.Master, t.TakeoverAt, t.Why, t.BackAt)
			default:
				p(1, "VRID %d: %s at %v: %s master at %v (%s)", t.VRID, t.Action, t.At, t.Master, t.TakeoverAt, t.Why)
			}
		}
	}
	if len(e.Checks) > 0 {
		p(0, "")
		p(0, "Health checks: failure -> removal, recovery -> re-add, best to worst (answered probes taken as instant)")
		for _, c := range e.Checks {
			p(1, "%s %s %s: %s removes after %v to %v (%d failed probes), re-adds after %v to %v (%d good)",
				c.Node, c.Service, c.Failure, c.Checker, c.RemoveBest, c.RemoveWorst, c.FailedProbes, c.ReAddBest, c.ReAddWorst, c.GoodProbes)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(no segment)"
	}
	return s
}
