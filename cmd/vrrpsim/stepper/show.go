package stepper

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Show runs a show command: vrrp [NODE], arp NODE, mac SEGMENT,
// ipvs [NODE], interfaces [NODE].
func (s *Stepper) Show(args []string) (string, error) {
	if len(args) == 0 {
		return "", fmt.Errorf("show: want vrrp, arp, mac, ipvs or interfaces")
	}
	what, rest := args[0], args[1:]
	if len(rest) > 1 {
		return "", fmt.Errorf("show %s: one name at most, got %s", what, strings.Join(rest, " "))
	}
	name := ""
	if len(rest) == 1 {
		name = rest[0]
	}
	switch what {
	case "vrrp":
		return s.eachNode(name, s.showVRRP)
	case "arp":
		if name == "" {
			return "", fmt.Errorf("show arp: want a node; nodes: %s", strings.Join(s.nodeNames(), ", "))
		}
		return s.eachNode(name, s.showARP)
	case "mac":
		return s.showMAC(name)
	case "ipvs":
		return s.eachNode(name, s.showIPVS)
	case "nginx":
		return s.eachNode(name, s.showNginx) // proxy.go
	case "interfaces", "interface", "int":
		return s.eachNode(name, s.showInterfaces)
	}
	return "", fmt.Errorf("show: unknown %q; want vrrp, arp, mac, ipvs, nginx or interfaces", what)
}

// eachNode renders one node, or every node (in file order) for name "".
func (s *Stepper) eachNode(name string, f func(b *strings.Builder, n *node.Node, all bool)) (string, error) {
	var b strings.Builder
	if name != "" {
		n, ok := s.w.Node(name)
		if !ok {
			return "", fmt.Errorf("no node %q; nodes: %s", name, strings.Join(s.nodeNames(), ", "))
		}
		f(&b, n, false)
		return b.String(), nil
	}
	for _, n := range s.w.Nodes() {
		f(&b, n, true)
	}
	return b.String(), nil
}

// showVRRP prints each instance as keepalived's data dump does
// (vrrp_print.c vrrp_print_data; stats as vrrp_print_stats), with the
// timers as deadlines and time left.
func (s *Stepper) showVRRP(b *strings.Builder, n *node.Node, all bool) {
	sps := n.Speakers()
	if len(sps) == 0 {
		if !all {
			fmt.Fprintf(b, "no VRRP instance on %s\n", n.Name())
		}
		return
	}
	now := s.Now()
	for _, sp := range sps {
		st := sp.Status()
		fmt.Fprintf(b, "%s VRRP Instance = %s\n", n.Name(), st.Name)
		if !n.Up() {
			fmt.Fprintf(b, "  (node is down)\n")
		} else if !n.DaemonUp() {
			fmt.Fprintf(b, "  (keepalived is stopped)\n")
		}
		fmt.Fprintf(b, "  State = %s, Wantstate = %s\n", st.State, st.WantState)
		fmt.Fprintf(b, "  Interface = %s, Virtual Router ID = %d, VRRP Version = %d\n", st.Interface, st.VRID, st.Version)
		fmt.Fprintf(b, "  Priority = %d, Effective priority = %d\n", st.BasePriority, st.Effective)
		for _, t := range st.Tracks {
			w := "no weight: FAULT while down"
			if t.HasWeight {
				w = fmt.Sprintf("weight %+d, contributes %+d", t.Weight, t.Contribution)
			}
			ok := "up"
			if !t.OK {
				ok = "DOWN"
			}
			fmt.Fprintf(b, "    track_%s %s: %s, %s\n", t.Kind, t.Name, ok, w)
		}
		if st.Faults > 0 {
			fmt.Fprintf(b, "    faults = %d\n", st.Faults)
		}
		master := "none heard"
		if st.State == vrrp.StateMaster {
			master = "this instance"
		} else if st.MasterIP.IsValid() {
			master = fmt.Sprintf("%s, Master priority = %d", st.MasterIP, st.MasterPriority)
		}
		fmt.Fprintf(b, "  Master router = %s\n", master)
		fmt.Fprintf(b, "  Advert interval = %v, Master advert interval = %v, Master_Down_Interval = %v\n", st.AdvertInt, st.MasterAdverInt, st.DownInterval)
		fmt.Fprintf(b, "  Adver_Timer = %s\n", timerText(st.AdvertArmed, st.AdvertAt, now))
		fmt.Fprintf(b, "  Master_Down_Timer = %s\n", timerText(st.DownArmed, st.MasterDownAt, now))
		switch {
		case st.NoPreempt:
			fmt.Fprintf(b, "  Preempt = disabled (nopreempt)\n")
		case st.PreemptDelay == 0:
			fmt.Fprintf(b, "  Preempt = enabled, no delay\n")
		case st.PreemptSet && st.PreemptAt > now:
			fmt.Fprintf(b, "  Preempt delay = %v, running: preempt allowed at %s\n", st.PreemptDelay, left(st.PreemptAt, now))
		case st.PreemptSet:
			fmt.Fprintf(b, "  Preempt delay = %v, elapsed at %s\n", st.PreemptDelay, st.PreemptAt)
		default:
			fmt.Fprintf(b, "  Preempt delay = %v, not running\n", st.PreemptDelay)
		}
		set := "not set"
		if st.VIPSet {
			set = "set"
		}
		fmt.Fprintf(b, "  Virtual IP = %s (%s)\n", addrs(st.VIPs), set)
		c := st.Counters
		fmt.Fprintf(b, "  Advertisements: received %d, sent %d; Became master %d, Released master %d\n", c.AdvertsReceived, c.AdvertsSent, c.BecameMaster, c.ReleasedMaster)
		fmt.Fprintf(b, "  Priority zero: received %d, sent %d; GARPs sent %d\n", c.PriorityZeroReceived, c.PriorityZeroSent, c.GARPsSent)
		var drops []string
		for d, v := range c.Drops {
			if v > 0 {
				drops = append(drops, fmt.Sprintf("%s %d", vrrp.Drop(d), v))
			}
		}
		if len(drops) > 0 {
			fmt.Fprintf(b, "  Dropped: %s\n", strings.Join(drops, ", "))
		}
	}
}

func timerText(armed bool, at, now sim.Time) string {
	if !armed {
		return "not running"
	}
	return "expires at " + left(at, now)
}

// showARP prints each interface's neighbour cache the way `ip -s neigh
// show dev IF` does (address, lladdr, NUD state, used/confirmed/updated
// ages), plus when the entry timer (neigh_timer_handler) runs next.
func (s *Stepper) showARP(b *strings.Builder, n *node.Node, _ bool) {
	now := s.Now()
	for _, i := range n.Interfaces() {
		c := i.Cache()
		if c == nil {
			continue
		}
		es := c.Show()
		fmt.Fprintf(b, "%s %s neighbours (reachable_time %v):\n", n.Name(), i.Name(), dur(c.ReachableTime()))
		if len(es) == 0 {
			fmt.Fprintf(b, "  (none)\n")
		}
		for _, e := range es {
			ll := ""
			if !e.MAC.IsZero() {
				ll = " lladdr " + e.MAC.String()
			}
			fmt.Fprintf(b, "  %s dev %s%s %s\n", e.IP, i.Name(), ll, e.State)
			fmt.Fprintf(b, "    used %s, confirmed %s, updated %s", ago(e.Used, now), ago(e.Confirmed, now), ago(e.Updated, now))
			if e.Probes > 0 && (e.State == arp.StateIncomplete || e.State == arp.StateProbe) {
				fmt.Fprintf(b, ", probes %d", e.Probes)
			}
			if e.Queued > 0 {
				fmt.Fprintf(b, ", %d packet(s) queued", e.Queued)
			}
			if e.TimerOn {
				fmt.Fprintf(b, "; timer %s", left(e.TimerAt, now))
			}
			b.WriteString("\n")
		}
	}
}

// showMAC prints a segment's forwarding database per port in attach
// order (brctl showmacs: port, MAC, ageing timer).
func (s *Stepper) showMAC(name string) (string, error) {
	var names []string
	for _, sg := range s.sc.Segments {
		names = append(names, sg.Name)
	}
	if name == "" {
		return "", fmt.Errorf("show mac: want a segment; segments: %s", strings.Join(names, ", "))
	}
	seg, ok := s.w.Segment(name)
	if !ok {
		return "", fmt.Errorf("show mac: no segment %q; segments: %s", name, strings.Join(names, ", "))
	}
	now := s.Now()
	var b strings.Builder
	aging := "never"
	if seg.Aging() > 0 {
		aging = seg.Aging().String()
	}
	fdb := seg.FDB()
	fmt.Fprintf(&b, "%s forwarding database (ageing %s, %d entries):\n", name, aging, len(fdb))
	for _, p := range seg.PortStatus() {
		link := "up"
		if !p.LinkUp {
			link = "DOWN"
		}
		group := ""
		if p.Island > 0 {
			group = fmt.Sprintf(", partition group %d", p.Island)
		}
		fmt.Fprintf(&b, "  port %s (link %s%s)\n", p.Name, link, group)
		for _, e := range fdb {
			if e.Port != p.Name {
				continue
			}
			exp := ""
			if seg.Aging() > 0 {
				exp = ", expires " + left(e.Updated.Add(seg.Aging()), now)
			}
			fmt.Fprintf(&b, "    %s  age %s%s\n", e.MAC, dur(now.Sub(e.Updated)), exp)
		}
	}
	return b.String(), nil
}

// showInterfaces prints a node's interfaces like `ip addr`: MAC,
// addresses, segment, link, and the VIPs held as VRRP master.
func (s *Stepper) showInterfaces(b *strings.Builder, n *node.Node, _ bool) {
	state := "up"
	if !n.Up() {
		state = "DOWN (crashed)"
	}
	fmt.Fprintf(b, "%s (%s, %s", n.Name(), n.Kind(), state)
	if len(n.Speakers()) > 0 {
		if n.DaemonUp() {
			b.WriteString(", keepalived running")
		} else {
			b.WriteString(", keepalived stopped")
		}
	}
	b.WriteString("):\n")
	for _, i := range n.Interfaces() {
		link := "UP"
		if !i.LinkUp() {
			link = "DOWN"
		}
		fmt.Fprintf(b, "  %s: link %s, lladdr %s, segment %s\n", i.Name(), link, i.MAC(), i.Segment())
		for _, a := range i.Addrs() {
			fmt.Fprintf(b, "    inet %s\n", a)
		}
		for _, v := range i.VIPs() {
			fmt.Fprintf(b, "    inet %s/32 (VRRP virtual address, answered with %s)\n", v.IP, v.MAC)
		}
	}
	for _, d := range []struct {
		name string
		as   []netip.Prefix
	}{{"lo", n.LoopbackAddrs()}, {"tunl0", n.TunnelAddrs()}} {
		if len(d.as) == 0 {
			continue
		}
		fmt.Fprintf(b, "  %s:\n", d.name)
		for _, a := range d.as {
			fmt.Fprintf(b, "    inet %s\n", a)
		}
	}
}

// showIPVS prints the director's table as ipvsadm -Ln and ipvsadm -Lnc
// do: services with scheduler, real servers with weight and
// active/inactive connection counts, then the connection entries.
func (s *Stepper) showIPVS(b *strings.Builder, n *node.Node, all bool) {
	d := n.Director()
	if d == nil {
		if !all {
			fmt.Fprintf(b, "no LVS director on %s\n", n.Name())
		}
		return
	}
	fmt.Fprintf(b, "%s IP Virtual Server\n", n.Name())
	fmt.Fprintf(b, "  Prot LocalAddress:Port Scheduler Flags\n    -> RemoteAddress:Port  Forward Weight ActiveConn InActConn\n")
	for _, sv := range d.Services() {
		flags := ""
		if sv.Persist > 0 {
			flags = fmt.Sprintf(" persistent %d", int(sv.Persist.Seconds()))
		}
		fmt.Fprintf(b, "  %s %s%s\n", sv.Name, sv.Sched, flags)
		for _, x := range sv.Dests {
			note := ""
			if x.Overloaded {
				note += " (overloaded)"
			}
			if x.Sorry {
				note += " (sorry server)"
			}
			fmt.Fprintf(b, "    -> %-21s %-7s %-6d %-10d %d%s\n", x.Addr, forwardName(sv.Kind), x.Weight, x.Active, x.Inactive, note)
		}
	}
	// ipvsadm -L --daemon
	if sd, ok := n.SyncDaemon(); ok && n.Up() {
		st := d.SyncState()
		for _, m := range []struct {
			bit  lb.SyncState
			name string
		}{{lb.SyncMaster, "master"}, {lb.SyncBackup, "backup"}} {
			if st&m.bit != 0 {
				fmt.Fprintf(b, "  %s sync daemon (mcast=%s, syncid=%d)\n", m.name, sd.Interface, sd.SyncID)
			}
		}
	}
	conns := d.Conns()
	if len(conns) == 0 {
		return
	}
	fmt.Fprintf(b, "  IPVS connection entries\n  pro expire state       source                virtual               destination\n")
	for _, c := range conns {
		pro := "TCP"
		if c.Template {
			pro = "TMPL"
		}
		fmt.Fprintf(b, "  %-4s %-6s %-11s %-21s %-21s %s (%s)\n", pro, mmss(c.Left), c.State, c.Client, c.Virtual, c.Real, c.Dest)
	}
}

// forwardName is ipvsadm -L's Forward column (fwd_name in ipvsadm.c);
// FULLNAT, not in mainline ipvsadm, keeps its lb_kind name.
func forwardName(k lb.Kind) string {
	switch k {
	case lb.KindNAT:
		return "Masq"
	case lb.KindDR:
		return "Route"
	case lb.KindTUN:
		return "Tunnel"
	}
	return k.String()
}

// mmss is ipvsadm -c's expire column.
func mmss(d time.Duration) string {
	sec := int(d / time.Second)
	return fmt.Sprintf("%02d:%02d", sec/60, sec%60)
}
