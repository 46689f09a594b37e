package scenarios

import (
	"cmp"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
)

// Explain says what keepalived will actually run with: per node, every
// option of every vrrp_instance after keepalived's fix-ups, and the
// timings that follow from them; per VRID, who is master, how long a
// takeover takes after a crash or a graceful stop, and what each tracked
// failure does. Every figure comes from the code the simulator runs:
// vrrp.Config.Effective (defaults and vrrp_complete_instance's fix-ups),
// vrrp.SkewTime, vrrp.MasterDownInterval, vrrp.PriorityAfter;
// explain_test.go runs scenarios and checks each one against the run.

// Secs is a duration shown as seconds with microsecond precision (the
// resolution of keepalived's timers), a number in JSON.
type Secs time.Duration

func (s Secs) String() string {
	return strconv.FormatFloat(time.Duration(s).Seconds(), 'f', 6, 64) + " s"
}

// MarshalJSON writes seconds as a number.
func (s Secs) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, time.Duration(s).Seconds(), 'f', 6, 64), nil
}

// UnmarshalJSON reads seconds, to the microsecond.
func (s *Secs) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*s = Secs(time.Duration(math.Round(f*1e6)) * time.Microsecond)
	return nil
}

// Explanation is the result of Explain.
type Explanation struct {
	Scenario string `json:"scenario"`
	// Fixups are the loader's (or the keepalived.conf reader's)
	// warnings and notes: keepalived's silent fix-ups, keywords not
	// modelled, commands never run.
	Fixups []string       `json:"fixups"`
	Nodes  []ExplainNode  `json:"nodes"`
	VRIDs  []ExplainVRID  `json:"vrids"`
	Checks []ExplainCheck `json:"health_checks,omitempty"`
	// Timeline predicts the first action against each VRID's master
	// (explain_timeline.go).
	Timeline []ExplainEvent `json:"timeline,omitempty"`
}

// ExplainNode is one router's instances.
type ExplainNode struct {
	Node       string            `json:"node"`
	Instances  []ExplainInstance `json:"instances"`
	SyncGroups []ExplainGroup    `json:"sync_groups,omitempty"`
}

// ExplainGroup is a vrrp_sync_group: its members change state together
// (vrrp_sync.c), and its notify commands fire after theirs.
type ExplainGroup struct {
	Name    string          `json:"name"`
	Source  string          `json:"source"`
	Members []string        `json:"members"`
	Notify  []ExplainNotify `json:"notify,omitempty"`
}

// ExplainInstance is one vrrp_instance as it runs.
type ExplainInstance struct {
	Name      string `json:"name"`
	Source    string `json:"source"`
	Interface string `json:"interface"`
	Segment   string `json:"segment"`
	VRID      int    `json:"virtual_router_id"`
	Version   int    `json:"version"`
	State     string `json:"state"`
	Priority  int    `json:"priority"`
	// Effective is the priority advertised with every track up.
	Effective    int      `json:"effective_priority"`
	AdvertInt    Secs     `json:"advert_int"`
	NoPreempt    bool     `json:"nopreempt"`
	PreemptDelay Secs     `json:"preempt_delay"`
	VIPs         []string `json:"virtual_ipaddress"`
	PrimaryIP    string   `json:"primary_ip"`
	UnicastPeers []string `json:"unicast_peer,omitempty"`
	Auth         string   `json:"authentication"`
	UseVMAC      bool     `json:"use_vmac"`
	// GARPMasterDelay 0 means off (no second burst).
	GARPMasterDelay         Secs `json:"garp_master_delay"`
	GARPMasterRepeat        int  `json:"garp_master_repeat"`
	GARPMasterRefresh       Secs `json:"garp_master_refresh"`
	GARPMasterRefreshRepeat int  `json:"garp_master_refresh_repeat"`
	GARPInterval            Secs `json:"garp_interval"`

	Tracks []ExplainTrack  `json:"tracks,omitempty"`
	Notify []ExplainNotify `json:"notify,omitempty"`

	// Skew and MasterDown are Skew_Time and Master_Down_Interval with
	// the instance's own interval (v3 learns the master's: see the VRID).
	Skew       Secs `json:"skew_time"`
	MasterDown Secs `json:"master_down_interval"`
	// GARPs are the gratuitous ARP bursts after it becomes master.
	GARPs []ExplainGARP `json:"garp_bursts"`
	// PreemptAfter: with preempt_delay, a backup of higher priority
	// than the master preempts this long after the first lower-priority
	// advert it hears (0: no preempt_delay in effect).
	PreemptAfter Secs `json:"preempt_after,omitempty"`
}

// ExplainTrack is a tracked interface or script and what its failure
// does to the instance.
type ExplainTrack struct {
	Kind   string `json:"kind"` // track_interface or track_script
	Name   string `json:"name"`
	Weight int    `json:"weight"`
	// PriorityAfter is the effective priority once it failed; Fault:
	// the instance goes to FAULT instead (no weight).
	PriorityAfter int  `json:"priority_after"`
	Fault         bool `json:"fault"`
}

// ExplainNotify is a notify command and its argv for one state.
type ExplainNotify struct {
	Kind  string   `json:"kind"`
	State string   `json:"state"`
	Argv  []string `json:"argv"`
}

// ExplainGARP is one gratuitous ARP burst: After becoming master, Count
// frames.
type ExplainGARP struct {
	After Secs   `json:"after"`
	Count int    `json:"count"`
	Why   string `json:"why"`             // master, master_delay, refresh
	Every Secs   `json:"every,omitempty"` // refresh: period
}

// ExplainVRID is one virtual router: the instances with one VRID on one
// segment.
type ExplainVRID struct {
	Segment   string   `json:"segment"`
	VRID      int      `json:"virtual_router_id"`
	Instances []string `json:"instances"` // NODE/INSTANCE, best first
	// Master is who is master once all have started at once, and when.
	Master   string `json:"master"`
	MasterAt Secs   `json:"master_at"`
	// Next is who takes over when Master fails.
	Next string `json:"next,omitempty"`
	// AfterCrash: Next becomes master this long after the last advert
	// it heard from Master (Master_Down_Interval), so between
	// AfterCrash - advert_int and AfterCrash after the crash itself.
	AfterCrash    Secs `json:"takeover_after_last_advert,omitempty"`
	AfterCrashMin Secs `json:"takeover_after_crash_min,omitempty"`
	// AfterStop: Next becomes master Skew_Time after Master's priority 0
	// advert (graceful stop).
	AfterStop Secs `json:"takeover_after_stop,omitempty"`
	// Failures: what each tracked failure does.
	Failures []ExplainFailure `json:"track_failures,omitempty"`
	Notes    []string         `json:"notes,omitempty"`
}

// ExplainFailure is one tracked object failing on one node.
type ExplainFailure struct {
	Node     string `json:"node"`
	Instance string `json:"instance"`
	Track    string `json:"track"`
	Before   int    `json:"priority_before"`
	After    int    `json:"priority_after"`
	Fault    bool   `json:"fault"`
	Master   string `json:"master"` // master once the failure played out
	Why      string `json:"why"`
}

// explained is an instance with what the VRID analysis needs.
type explained struct {
	node string
	cfg  vrrp.Config
	out  *ExplainInstance
}

func (x explained) id() string { return x.node + "/" + x.cfg.Name }

// Explain explains every router of sc. fixups are shown first (the
// scenario's warnings are added).
func Explain(sc *Scenario, fixups []string) (*Explanation, error) {
	e := &Explanation{Scenario: sc.Name, Fixups: append([]string{}, fixups...)}
	for _, w := range sc.Warnings {
		e.Fixups = append(e.Fixups, w.String())
	}
	var all []explained
	for _, n := range sc.Nodes {
		if len(n.VRRP) == 0 {
			continue
		}
		en := ExplainNode{Node: n.Name}
		for _, in := range n.VRRP {
			x, err := explainInstance(n, in)
			if err != nil {
				return nil, err
			}
			en.Instances = append(en.Instances, *x.out)
			all = append(all, x)
		}
		for _, g := range n.SyncGroups {
			eg := ExplainGroup{Name: g.Name, Source: g.Pos.String(), Members: append([]string{}, g.Instances...)}
			eg.Notify = explainNotify(g.Notify.vrrp(), vrrp.NotifyGroup, g.Name, 0)
			en.SyncGroups = append(en.SyncGroups, eg)
		}
		e.Nodes = append(e.Nodes, en)
	}
	// Point at the stored copies (the appends copied them).
	k := 0
	for ni := range e.Nodes {
		for ii := range e.Nodes[ni].Instances {
			all[k].out = &e.Nodes[ni].Instances[ii]
			k++
		}
	}
	e.VRIDs = explainVRIDs(all)
	e.Timeline = explainTimeline(sc, e.VRIDs, all)
	checks, err := explainChecks(sc)
	if err != nil {
		return nil, err
	}
	e.Checks = checks
	return e, nil
}

func explainInstance(n *Node, in *Instance) (explained, error) {
	c := vrrpConfig(in)
	seg := ""
	for _, i := range n.Interfaces {
		if i.Name != in.Interface {
			continue
		}
		seg = i.Segment
		if !c.PrimaryIP.IsValid() && len(i.Addresses) > 0 {
			c.PrimaryIP = i.Addresses[0].Addr() // as node.AddVRRP does
		}
	}
	if !c.PrimaryIP.IsValid() {
		c.PrimaryIP = netip.IPv4Unspecified() // no address known: ties unresolved
	}
	eff, err := c.Effective()
	if err != nil {
		return explained{}, err
	}
	effPrio, _ := vrrp.PriorityAfter(eff, nil, nil)
	x := &ExplainInstance{
		Name: eff.Name, Source: in.Pos.String(), Interface: eff.Interface, Segment: seg,
		VRID: int(eff.VRID), Version: eff.Version, State: eff.InitialState.String(),
		Priority: eff.Priority, Effective: effPrio, AdvertInt: Secs(eff.AdvertInt),
		NoPreempt: eff.NoPreempt, PreemptDelay: Secs(eff.PreemptDelay),
		PrimaryIP: primaryText(eff.PrimaryIP), UseVMAC: eff.UseVMAC, Auth: "none",
		GARPMasterRepeat: eff.GARPMasterRepeat, GARPMasterRefresh: Secs(eff.GARPMasterRefresh),
		GARPMasterRefreshRepeat: eff.GARPMasterRefreshRepeat, GARPInterval: Secs(eff.GARPInterval),
		Skew:       Secs(vrrp.SkewTime(eff.Version, effPrio, eff.AdvertInt)),
		MasterDown: Secs(vrrp.MasterDownInterval(eff.Version, effPrio, eff.AdvertInt)),
	}
	if eff.GARPMasterDelay > 0 {
		x.GARPMasterDelay = Secs(eff.GARPMasterDelay)
	}
	for _, a := range eff.VIPs {
		x.VIPs = append(x.VIPs, a.String())
	}
	for _, a := range eff.UnicastPeers {
		x.UnicastPeers = append(x.UnicastPeers, a.String())
	}
	if eff.AuthPass != "" {
		x.Auth = "PASS " + strconv.Quote(eff.AuthPass)
	}
	for _, t := range eff.TrackInterfaces {
		p, fault := vrrp.PriorityAfter(eff, []string{t.Name}, nil)
		x.Tracks = append(x.Tracks, ExplainTrack{Kind: "track_interface", Name: t.Name, Weight: t.Weight, PriorityAfter: p, Fault: fault})
	}
	for _, t := range eff.TrackScripts {
		p, fault := vrrp.PriorityAfter(eff, nil, []string{t.Name})
		x.Tracks = append(x.Tracks, ExplainTrack{Kind: "track_script", Name: t.Name, Weight: t.Weight, PriorityAfter: p, Fault: fault})
	}
	x.Notify = explainNotify(eff.Notify, vrrp.NotifyInstance, eff.Name, effPrio)
	x.GARPs = garpBursts(eff)
	if eff.PreemptDelay > 0 && !eff.NoPreempt {
		x.PreemptAfter = Secs(vrrp.PreemptAfter(eff.PreemptDelay, eff.AdvertInt, time.Duration(x.MasterDown)))
	}
	return explained{node: n.Name, cfg: eff, out: x}, nil
}

// explainNotify lists the commands fired on entering each state, as the
// speaker builds them (vrrp.Notify.NotifyCalls).
func explainNotify(n vrrp.Notify, typ, name string, prio int) []ExplainNotify {
	var out []ExplainNotify
	for _, st := range []string{"MASTER", "BACKUP", "FAULT", vrrp.NotifyStateStop, vrrp.NotifyEventRxLowerPri} {
		for _, call := range n.NotifyCalls(typ, name, st, prio) {
			out = append(out, ExplainNotify{Kind: call.Kind, State: call.State, Argv: call.Argv})
		}
	}
	return out
}

// garpBursts lists the GARP bursts after becoming master, as the speaker
// sends them (vrrp_state_become_master, the garp_master_delay thread,
// garp_master_refresh checked at each advert: the first advert strictly
// after the deadline).
func garpBursts(c vrrp.Config) []ExplainGARP {
	n := len(c.VIPs)
	out := []ExplainGARP{{After: 0, Count: c.GARPMasterRepeat * n, Why: "master"}}
	if c.GARPMasterDelay > 0 {
		out = append(out, ExplainGARP{After: Secs(c.GARPMasterDelay), Count: c.GARPMasterRepeat * n, Why: "master_delay"})
	}
	if c.GARPMasterRefresh > 0 {
		first := (c.GARPMasterRefresh/c.AdvertInt + 1) * c.AdvertInt
		out = append(out, ExplainGARP{After: Secs(first), Count: c.GARPMasterRefreshRepeat * n, Why: "refresh", Every: Secs(first)})
	}
	slices.SortStableFunc(out, func(a, b ExplainGARP) int { return cmp.Compare(a.After, b.After) })
	return out
}

// better orders instances as an election does: higher priority, then
// higher primary IP (RFC 3768 section 6.4.3).
func better(pa int, a netip.Addr, pb int, b netip.Addr) bool {
	if pa != pb {
		return pa > pb
	}
	return a.Compare(b) > 0
}

func explainVRIDs(all []explained) []ExplainVRID {
	type key struct {
		seg  string
		vrid int
	}
	var keys []key
	groups := map[key][]explained{}
	for _, x := range all {
		k := key{x.out.Segment, x.out.VRID}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], x)
	}
	var out []ExplainVRID
	for _, k := range keys {
		g := slices.Clone(groups[k])
		slices.SortStableFunc(g, func(a, b explained) int { // best first
			return cmp.Or(cmp.Compare(b.out.Effective, a.out.Effective), b.cfg.PrimaryIP.Compare(a.cfg.PrimaryIP))
		})
		v := ExplainVRID{Segment: k.seg, VRID: k.vrid}
		for _, x := range g {
			v.Instances = append(v.Instances, x.id())
		}
		m := g[0]
		v.Master = m.id()
		v.MasterAt = m.out.MasterDown
		if m.cfg.InitialState == vrrp.StateMaster && m.cfg.Priority == vrrp.OwnerPriority {
			v.MasterAt = Secs(time.Microsecond) // the address owner: vrrp_init_state
		}
		if len(g) > 1 {
			nx := g[1]
			v.Next = nx.id()
			// A v3 backup times out with the master's interval it learned.
			mai := nx.cfg.AdvertInt
			if nx.cfg.Version == 3 {
				mai = m.cfg.AdvertInt
			}
			mdi := vrrp.MasterDownInterval(nx.cfg.Version, nx.out.Effective, mai)
			v.AfterCrash = Secs(mdi)
			v.AfterCrashMin = Secs(mdi - m.cfg.AdvertInt)
			v.AfterStop = Secs(vrrp.SkewTime(nx.cfg.Version, nx.out.Effective, mai))
			if g[0].out.Effective == g[1].out.Effective {
				v.Notes = append(v.Notes, "equal priorities: both time out together and the higher primary IP wins ("+m.cfg.PrimaryIP.String()+")")
			}
		}
		for i, x := range g {
			for _, t := range x.out.Tracks {
				v.Failures = append(v.Failures, explainFailure(g, i, t))
			}
		}
		checkSameVRID(&v, g)
		out = append(out, v)
	}
	return out
}

// explainFailure: instance i of g (ranked, g[0] master) loses track t.
// A backup preempts only with a strictly higher priority and without
// nopreempt; a master whose priority drops keeps the role unless someone
// now beats it (an equal priority backup accepts its adverts); a FAULT
// master hands over to the best of the rest.
func explainFailure(g []explained, i int, t ExplainTrack) ExplainFailure {
	x := g[i]
	f := ExplainFailure{Node: x.node, Instance: x.cfg.Name, Track: t.Kind + " " + t.Name,
		Before: x.out.Effective, After: t.PriorityAfter, Fault: t.Fault}
	prio := func(j int) int {
		if j == i {
			return t.PriorityAfter
		}
		return g[j].out.Effective
	}
	master := 0
	if i == 0 && t.Fault {
		master = -1
		for j := 1; j < len(g); j++ {
			if master < 0 || better(prio(j), g[j].cfg.PrimaryIP, prio(master), g[master].cfg.PrimaryIP) {
				master = j
			}
		}
	}
	if master >= 0 {
		for j := range g {
			if j == master || (j == i && t.Fault) || g[j].cfg.NoPreempt {
				continue
			}
			if prio(j) > prio(master) {
				master = j
			}
		}
	}
	switch {
	case master < 0:
		f.Master, f.Why = "none", "the only instance goes to FAULT"
	case master == 0 && i == 0 && !t.Fault:
		f.Master = g[0].id()
		f.Why = "still the highest priority: the weight is too small to move the master"
		if len(g) > 1 {
			f.Why += " (a weight of " + strconv.Itoa(-(x.out.Effective - g[1].out.Effective + 1)) + " would)"
		}
	case master == 0:
		f.Master, f.Why = g[0].id(), "the master is not affected"
	default:
		f.Master = g[master].id()
		switch {
		case i == 0 && t.Fault:
			f.Why = "the master goes to FAULT (priority 0 advert): takeover after Skew_Time"
		default:
			f.Why = "higher priority: it preempts when its Master_Down_Interval runs out"
		}
	}
	return f
}

// checkSameVRID notes what makes the nodes of one VRID discard each
// other's adverts (vrrp.c vrrp_check_packet): then each becomes master.
func checkSameVRID(v *ExplainVRID, g []explained) {
	for _, x := range g[1:] {
		a, b := g[0].cfg, x.cfg
		what, discarded := "", "adverts discarded"
		switch {
		case a.Version != b.Version:
			what = "version"
		case a.Version == 2 && a.AdvertInt != b.AdvertInt:
			what, discarded = "advert_int", "VRRPv2 adverts discarded"
		case a.AuthPass != b.AuthPass:
			what = "authentication"
		case !sameSet(a.VIPs, b.VIPs):
			what = "virtual_ipaddress"
		default:
			continue
		}
		v.Notes = append(v.Notes, what+" differs between "+g[0].id()+" and "+x.id()+": "+discarded+", both become master")
	}
}

func primaryText(a netip.Addr) string {
	if a.IsUnspecified() {
		return "unknown (no address for the interface)"
	}
	return a.String()
}

func sameSet(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
