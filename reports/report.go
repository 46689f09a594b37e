package reports

import (
	"cmp"
	"slices"
	"sort"
	"strconv"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Meta describes the run a report is about. The integrator fills it from
// the scenario.
type Meta struct {
	Scenario    string
	Description string
	Summary     string // one line: the description's first sentence
	File        string
	Seed        uint64
	Duration    sim.Time
	// Disruptive holds the canonical texts of the timeline actions that
	// count as disruptive ("crash r1"); convergence is measured after each.
	Disruptive []string
}

// Seconds is a virtual time or span written to JSON as seconds with up to
// nine decimals and never an exponent (3.609375, 10, 0.00005).
type Seconds sim.Time

// MarshalJSON writes s as a plain decimal number of seconds.
func (s Seconds) MarshalJSON() ([]byte, error) { return []byte(formatSeconds(sim.Time(s))), nil }

// formatSeconds prints t in seconds with up to nine decimals, trailing
// zeros trimmed, using integer arithmetic so the text never depends on
// float rounding.
func formatSeconds(t sim.Time) string {
	neg := t < 0
	u := uint64(t)
	if neg {
		u = uint64(-t)
	}
	whole, frac := u/uint64(sim.Second), u%uint64(sim.Second)
	b := make([]byte, 0, 24)
	if neg {
		b = append(b, '-')
	}
	b = strconv.AppendUint(b, whole, 10)
	if frac != 0 {
		f := strconv.AppendUint(nil, frac+uint64(sim.Second), 10)[1:] // zero-padded to 9 digits
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		b = append(b, '.')
		b = append(b, f...)
	}
	return string(b)
}

func secPtr(t sim.Time) *Seconds { s := Seconds(t); return &s }

// Report is the metrics of one run. Field order is the JSON key order.
type Report struct {
	Scenario        string            `json:"scenario"`
	Summary         string            `json:"summary,omitempty"`
	Description     string            `json:"description,omitempty"`
	File            string            `json:"file,omitempty"`
	Seed            uint64            `json:"seed"`
	Duration        Seconds           `json:"duration_s"`
	Interfaces      []Interface       `json:"interfaces"`
	Actions         []Action          `json:"actions"`
	Transitions     []Transition      `json:"transitions"`
	Priorities      []PriorityChange  `json:"priority_changes,omitempty"`
	Notifies        []Notify          `json:"notify,omitempty"`
	Adverts         []AdvertStats     `json:"adverts"`
	FinalMasters    []InstanceMasters `json:"final_masters"`
	Convergence     []Convergence     `json:"convergence"`
	Flows           []Flow            `json:"flows"`
	SplitBrain      []SplitBrain      `json:"split_brain"`
	SplitBrainTotal Seconds           `json:"split_brain_total_s"`
	ARP             []ARPEntry        `json:"arp"`
	FDB             []FDBSegment      `json:"fdb"`
	Drops           []Drop            `json:"drops"`
	Frames          []FrameStats      `json:"frames"`
	LB              *LBReport         `json:"load_balancing,omitempty"`
	Expectations    []ExpectResult    `json:"expectations"`

	a *analysis // what Evaluate needs beyond the exported metrics
}

// Interface is a node interface as announced at t=0.
type Interface struct {
	Node  string `json:"node"`
	Iface string `json:"iface"`
	MAC   string `json:"mac"`
	Addr  string `json:"addr,omitempty"`
}

// Action is a timeline action as applied.
type Action struct {
	At         Seconds `json:"t_s"`
	Text       string  `json:"action"`
	Verb       string  `json:"verb"`
	Node       string  `json:"node,omitempty"`
	Disruptive bool    `json:"disruptive"`
}

// Transition is one VRRP state change.
type Transition struct {
	At       Seconds `json:"t_s"`
	Node     string  `json:"node"`
	Instance string  `json:"instance"`
	VRID     int64   `json:"vrid"`
	From     string  `json:"from"`
	To       string  `json:"to"`
	Reason   string  `json:"reason"`
	Priority int64   `json:"priority"`
}

// AdvertStats counts the advertisements one instance sent.
type AdvertStats struct {
	Node         string  `json:"node"`
	Instance     string  `json:"instance"`
	VRID         int64   `json:"vrid"`
	Count        int     `json:"count"`
	First        Seconds `json:"first_s"`
	Last         Seconds `json:"last_s"`
	LastPriority int64   `json:"last_priority"`
}

// InstanceMasters lists the masters of an instance at the end of the run.
type InstanceMasters struct {
	Instance string   `json:"instance"`
	Masters  []string `json:"masters"`
}

// Convergence measures one VRRP instance after one disruptive action. The
// window runs from the action to the next disruptive action (or the end of
// the run).
type Convergence struct {
	Action    string   `json:"action"`
	At        Seconds  `json:"at_s"`
	Instance  string   `json:"instance"`
	OldMaster []string `json:"old_master"`
	NewMaster []string `json:"new_master"`
	// DetectNode is the node whose transition to MASTER Detect measures.
	DetectNode string `json:"detect_node,omitempty"`
	// Detect: action -> first transition of the instance to MASTER.
	Detect *Seconds `json:"detect_s"`
	// LastAdvert: when the old master last advertised before that
	// transition; SinceLastAdvert: from then to the transition.
	// LastHeard: when the new master last accepted an advert before
	// taking over; SinceLastAdvert is measured from it when known.
	LastAdvert *Seconds `json:"last_advert_s"`
	LastHeard  *Seconds `json:"last_heard_s"`
	// LastHeardFrom is the sender of that advert when no old master is
	// named (a forged advert); empty otherwise.
	LastHeardFrom   string   `json:"last_heard_from,omitempty"`
	SinceLastAdvert *Seconds `json:"since_last_advert_s"`
	// Converged: action -> last transition of the instance in the window.
	Converged   *Seconds `json:"converged_s"`
	Transitions int      `json:"transitions"`
	WindowEnd   Seconds  `json:"window_end_s"`
}

// Flow is the loss and outage account of one traffic source.
type Flow struct {
	Name     string   `json:"name"`
	Node     string   `json:"node"`
	Sent     int      `json:"sent"`
	Received int      `json:"received"`
	Lost     int      `json:"lost"`
	InFlight int      `json:"in_flight"`
	Outage   Seconds  `json:"outage_s"`
	Outages  []Outage `json:"outages"`
}

// Outage is a maximal run of consecutive lost packets of a flow. Start is
// the send time of its first lost packet; End the send time of the first
// packet after it that got through, or of its last lost packet if none did
// (Recovered false).
type Outage struct {
	Start     Seconds `json:"start_s"`
	End       Seconds `json:"end_s"`
	Lost      int     `json:"lost"`
	FirstSeq  int64   `json:"first_seq"`
	LastSeq   int64   `json:"last_seq"`
	Recovered bool    `json:"recovered"`
}

// SplitBrain is an interval during which two or more nodes were MASTER of
// the same instance.
type SplitBrain struct {
	Instance string   `json:"instance"`
	Start    Seconds  `json:"start_s"`
	End      Seconds  `json:"end_s"`
	Duration Seconds  `json:"duration_s"`
	Masters  []string `json:"masters"`
	UntilEnd bool     `json:"until_end"`
}

// ARPEntry is the history of one host's neighbour entry whose link address
// moved from one owner to another (typically a virtual IP).
type ARPEntry struct {
	Host    string      `json:"host"`
	IP      string      `json:"ip"`
	Owners  []string    `json:"owners"`
	Moves   []ARPMove   `json:"moves"`
	Changes []ARPChange `json:"changes"`
}

// ARPChange is one neighbour cache record.
type ARPChange struct {
	At     Seconds `json:"t_s"`
	Iface  string  `json:"iface"`
	MAC    string  `json:"mac"`
	Owner  string  `json:"owner"`
	From   string  `json:"from"`
	State  string  `json:"state"`
	Reason string  `json:"reason,omitempty"`
}

// ARPMove is a change of the owner of the entry's link address, with the
// latest disruptive action before it.
type ARPMove struct {
	At          Seconds  `json:"t_s"`
	From        string   `json:"from"`
	To          string   `json:"to"`
	MAC         string   `json:"mac"`
	Action      string   `json:"action,omitempty"`
	AfterAction *Seconds `json:"after_action_s"`
}

// FDBSegment lists the FDB changes of one segment for virtual MACs and
// router MACs.
type FDBSegment struct {
	Segment string      `json:"segment"`
	Changes []FDBChange `json:"changes"`
}

// FDBChange is one learn, move or ageing of a MAC.
type FDBChange struct {
	At     Seconds `json:"t_s"`
	MAC    string  `json:"mac"`
	Owner  string  `json:"owner"`
	Port   string  `json:"port"`
	From   string  `json:"from_port"`
	Reason string  `json:"reason"`
}

// Drop counts one drop reason at one component.
type Drop struct {
	Node   string `json:"node"`
	Comp   string `json:"comp"`
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// FrameStats counts the frames that entered a segment.
type FrameStats struct {
	Segment string `json:"segment"`
	Frames  int    `json:"frames"`
	Bytes   int    `json:"bytes"`
}

// analysis keeps the collected history Evaluate queries.
type analysis struct {
	c      *Collector
	end    sim.Time
	byInst map[string][]int  // eventsOf, built on first use
	parts  map[partInst]bool // inPart, built on first use
}

// Report computes the metrics of the records collected so far. Trace
// nothing more into c once its report is in use.
func (c *Collector) Report(m Meta) *Report {
	c.Flush() // the last window's held records (window.go)
	end := m.Duration
	if end <= 0 {
		end = c.last
	}
	a := &analysis{c: c, end: end}
	r := &Report{
		Scenario:     m.Scenario,
		Summary:      m.Summary,
		Description:  m.Description,
		File:         m.File,
		Seed:         m.Seed,
		Duration:     Seconds(end),
		Expectations: []ExpectResult{},
		LB:           c.lb.report(),
		a:            a,
	}
	disruptive := make(map[string]bool, len(m.Disruptive))
	for _, d := range m.Disruptive {
		disruptive[d] = true
	}

	r.Interfaces = []Interface{}
	for _, i := range c.ifaces {
		in := Interface{Node: i.node, Iface: i.iface, MAC: macString(i.mac)}
		if i.addr.IsValid() {
			in.Addr = i.addr.String()
		}
		r.Interfaces = append(r.Interfaces, in)
	}
	slices.SortStableFunc(r.Interfaces, func(x, y Interface) int {
		return cmp.Or(cmp.Compare(x.Node, y.Node), cmp.Compare(x.Iface, y.Iface))
	})

	r.Actions = []Action{}
	for _, ac := range c.actions {
		r.Actions = append(r.Actions, Action{At: Seconds(ac.at), Text: ac.text, Verb: ac.verb, Node: ac.node, Disruptive: disruptive[ac.text]})
	}

	r.Priorities = c.prio
	r.Notifies = c.notify
	r.Transitions = []Transition{}
	for _, t := range c.trans {
		r.Transitions = append(r.Transitions, Transition{
			At: Seconds(t.at), Node: t.node, Instance: t.inst, VRID: t.vrid,
			From: t.from, To: t.to, Reason: t.reason, Priority: t.prio,
		})
	}

	r.Adverts = []AdvertStats{}
	for _, k := range sortedNodeInsts(c.adverts) {
		l := c.adverts[k]
		r.Adverts = append(r.Adverts, AdvertStats{
			Node: k.node, Instance: k.inst, VRID: l.vrid, Count: l.count,
			First: Seconds(l.at[0]), Last: Seconds(l.at[len(l.at)-1]), LastPriority: l.lastPr,
		})
	}

	r.FinalMasters = []InstanceMasters{}
	for _, inst := range a.instances() {
		r.FinalMasters = append(r.FinalMasters, InstanceMasters{Instance: inst, Masters: a.masters(inst, anyPart, func(*masterEvent) bool { return true })})
	}

	r.Convergence = a.convergence(disruptive)
	r.Flows = a.flows()
	r.SplitBrain, r.SplitBrainTotal = a.splitBrain()
	r.ARP = a.arp(disruptive)
	r.FDB = a.fdb()

	r.Drops = []Drop{}
	for node, ds := range c.drops {
		for _, d := range ds {
			r.Drops = append(r.Drops, Drop{Node: node, Comp: d.comp, Reason: d.reason, Count: d.n})
		}
	}
	slices.SortFunc(r.Drops, func(x, y Drop) int {
		return cmp.Or(cmp.Compare(x.Node, y.Node), cmp.Compare(x.Comp, y.Comp), cmp.Compare(x.Reason, y.Reason))
	})

	r.Frames = []FrameStats{}
	for _, seg := range sortedKeys(c.frames) {
		fc := c.frames[seg]
		r.Frames = append(r.Frames, FrameStats{Segment: seg, Frames: fc.frames, Bytes: fc.bytes})
	}
	return r
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedNodeInsts[V any](m map[nodeInst]V) []nodeInst {
	keys := make([]nodeInst, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y nodeInst) int {
		return cmp.Or(cmp.Compare(x.node, y.node), cmp.Compare(x.inst, y.inst))
	})
	return keys
}
