package reports

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// ExpectKind says what an expectation asserts.
type ExpectKind int

// Expectation kinds (the `expect:` entries of a scenario file).
const (
	// ExpectMasterAt: at At, each instance in Master has exactly that master.
	ExpectMasterAt ExpectKind = iota + 1
	// ExpectMasterAfter: Within after action After, each instance in Master
	// has exactly that master, and the node has been master since at or
	// before that time.
	ExpectMasterAfter
	// ExpectNoSplitBrain: no interval with two masters (of Instance, or of
	// any instance when Instance is "").
	ExpectNoSplitBrain
	// ExpectSplitBrainAtMost: no split-brain interval longer than D.
	ExpectSplitBrainAtMost
	// ExpectLostAtMost: Flow (every flow if "") lost at most N packets.
	ExpectLostAtMost
	// ExpectOutageAtMost: Flow (every flow if "") was out at most D in total.
	ExpectOutageAtMost
	// ExpectTransitionsAtMost: Instance (all if "") made at most N
	// transitions; with After, only those from the action until Within
	// after it (or the end of the run when Within is 0).
	ExpectTransitionsAtMost
	// ExpectARPPointsTo: by At (or Within after After), Host's neighbour
	// entry for IP holds a MAC of node PointsTo, or a virtual MAC of an
	// instance PointsTo is master of at that time.
	ExpectARPPointsTo
	// ExpectShare: every real server of Director's virtual service Service
	// got a share of its connections within Tolerance of its weight's share.
	ExpectShare
	// ExpectFailedAtMost: Flow (every client flow if "") had at most N
	// failed connections.
	ExpectFailedAtMost
	// ExpectNoBypass: no packet for a VIP reached a real server without a
	// director.
	ExpectNoBypass
	// ExpectRemovedWithin: Within after action After, real server Real
	// was out of the table (removed, or weight 0) on every director
	// that kept checking it (health.go).
	ExpectRemovedWithin
	// ExpectRestoredWithin: likewise back in the table.
	ExpectRestoredWithin
	// ExpectSurvive: of the client connections open at the director
	// takeovers, a fraction in AtLeast..AtMost completed (lbsync.go).
	ExpectSurvive
)

var expectKindNames = [...]string{"?", "master_at", "master_after", "no_split_brain", "split_brain_at_most", "lost_at_most", "outage_at_most", "transitions_at_most", "arp_points_to", "share", "failed_connections_at_most", "no_bypass", "removed_within", "restored_within", "connections_survive_takeover"}

func (k ExpectKind) String() string {
	if k > 0 && int(k) < len(expectKindNames) {
		return expectKindNames[k]
	}
	return fmt.Sprintf("ExpectKind(%d)", int(k))
}

// Expectation is one parsed `expect:` entry. Which fields matter depends on
// Kind; Text, File, Line and Col point back at the scenario file.
type Expectation struct {
	Text      string
	File      string
	Line, Col int
	Kind      ExpectKind
	At        sim.Time
	After     string
	Within    time.Duration
	// AfterAt is when the scenario schedules the After action, to tell an
	// action the run ended before (not reached) from one that never came.
	AfterAt    sim.Time
	HasAfterAt bool
	Master     map[string]string // instance -> node
	Flow       string
	N          int
	D          time.Duration
	Instance   string
	Host       string
	IP         netip.Addr
	PointsTo   string
	// share
	Director, Service string
	Tolerance         float64
	// removed/restored within: the real server (as reports name it)
	Real string
	// connections_survive_takeover: the surviving fraction's bounds
	AtLeast, AtMost float64
}

// ExpectResult is the verdict on one expectation.
type ExpectResult struct {
	Text   string `json:"text"`
	Kind   string `json:"kind"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	File   string `json:"file,omitempty"`
	Line   int    `json:"line"`
	Col    int    `json:"col,omitempty"`
	// NotReached: the expectation is about a time after the end of the
	// run (a run shortened by --until): neither passed nor failed.
	NotReached bool `json:"not_reached,omitempty"`
}

// Evaluate judges exps against the run and stores the verdicts in
// r.Expectations (replacing earlier ones), in the order given.
func (r *Report) Evaluate(exps []Expectation) {
	r.Expectations = []ExpectResult{}
	for i := range exps {
		e := &exps[i]
		if t, ok := r.judgedAt(e); ok && t > sim.Time(r.Duration) {
			r.Expectations = append(r.Expectations, ExpectResult{
				Text: e.Text, Kind: e.Kind.String(), NotReached: true,
				Detail: fmt.Sprintf("not reached: it is about %s, the run ended at %s", t, sim.Time(r.Duration)),
				File:   e.File, Line: e.Line, Col: e.Col,
			})
			continue
		}
		ok, detail := r.evaluate(e)
		r.Expectations = append(r.Expectations, ExpectResult{
			Text: e.Text, Kind: e.Kind.String(), OK: ok, Detail: detail,
			File: e.File, Line: e.Line, Col: e.Col,
		})
	}
}

// Failed returns how many evaluated expectations failed.
func (r *Report) Failed() int {
	n := 0
	for _, x := range r.Expectations {
		if !x.OK && !x.NotReached {
			n++
		}
	}
	return n
}

// NotReached returns how many expectations lie after the end of the run.
func (r *Report) NotReached() int {
	n := 0
	for _, x := range r.Expectations {
		if x.NotReached {
			n++
		}
	}
	return n
}

// judgedAt is the virtual time an expectation is about, if it is about
// one: "at T", or an action's time plus "within".
func (r *Report) judgedAt(e *Expectation) (sim.Time, bool) {
	switch e.Kind {
	case ExpectMasterAt:
		return e.At, true
	case ExpectMasterAfter, ExpectARPPointsTo, ExpectRemovedWithin, ExpectRestoredWithin:
		if e.After == "" {
			return e.At, e.Kind == ExpectARPPointsTo
		}
		if ac, ok := r.a.actionAt(e.After); ok {
			return ac.at.Add(e.Within), true
		}
		if e.HasAfterAt {
			return e.AfterAt.Add(e.Within), true
		}
	}
	return 0, false
}

func (r *Report) evaluate(e *Expectation) (bool, string) {
	switch e.Kind {
	case ExpectMasterAt:
		return r.checkMasters(e, e.At, "")
	case ExpectMasterAfter:
		ac, ok := r.a.actionAt(e.After)
		if !ok {
			return false, fmt.Sprintf("action %q never happened", e.After)
		}
		return r.checkMastersAfter(e, ac)
	case ExpectNoSplitBrain, ExpectSplitBrainAtMost:
		return r.checkSplitBrain(e)
	case ExpectLostAtMost, ExpectOutageAtMost:
		return r.checkFlows(e)
	case ExpectTransitionsAtMost:
		return r.checkTransitions(e)
	case ExpectShare:
		return r.checkShare(e.Director, e.Service, e.Tolerance)
	case ExpectFailedAtMost:
		return r.checkFailed(e.Flow, e.N)
	case ExpectNoBypass:
		return r.checkNoBypass()
	case ExpectSurvive:
		return r.checkSurvive(e.AtLeast, e.AtMost)
	case ExpectRemovedWithin, ExpectRestoredWithin:
		return r.checkHealth(e, e.Kind == ExpectRestoredWithin)
	case ExpectARPPointsTo:
		t := e.At
		when := ""
		if e.After != "" {
			ac, ok := r.a.actionAt(e.After)
			if !ok {
				return false, fmt.Sprintf("action %q never happened", e.After)
			}
			t = ac.at.Add(e.Within)
			when = fmt.Sprintf(" (%s after %s)", e.Within, e.After)
		}
		return r.checkARP(e, t, when)
	}
	return false, fmt.Sprintf("unknown expectation kind %d", int(e.Kind))
}

func sortedInstances(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// NoMaster is the node name in a master expectation that means "no router
// is master" (the scenario loader's spelling).
const NoMaster = "none"

// checkMasters: the set of masters of each instance at t is exactly {node}.
func (r *Report) checkMasters(e *Expectation, t sim.Time, when string) (bool, string) {
	if len(e.Master) == 0 {
		return false, "no instance named"
	}
	allOK := true
	var details []string
	for _, inst := range sortedInstances(e.Master) {
		want := e.Master[inst]
		got := r.a.mastersAt(inst, t)
		ok := len(got) == 1 && got[0] == want
		if want == NoMaster {
			ok = len(got) == 0
		}
		d := fmt.Sprintf("%s master at %s%s was %s", inst, t, when, joinOr(got, "none"))
		if !ok {
			allOK = false
			d += ", want " + want
		}
		details = append(details, d)
	}
	return allOK, strings.Join(details, "; ")
}

// checkMastersAfter: at action+Within each instance has exactly the wanted
// master, which became master at or before then and stayed.
func (r *Report) checkMastersAfter(e *Expectation, ac action) (bool, string) {
	if len(e.Master) == 0 {
		return false, "no instance named"
	}
	deadline := ac.at.Add(e.Within)
	allOK := true
	var details []string
	for _, inst := range sortedInstances(e.Master) {
		want := e.Master[inst]
		got := r.a.mastersAt(inst, deadline)
		since, isMaster := r.a.becameMaster(inst, want, deadline)
		var d string
		switch {
		case want == NoMaster:
			if len(got) == 0 {
				d = fmt.Sprintf("%s had no master at %s (%s after %s)", inst, deadline, e.Within, e.After)
			} else {
				allOK = false
				d = fmt.Sprintf("%s master at %s (%s after %s) was %s, want none", inst, deadline, e.Within, e.After, joinOr(got, "none"))
			}
		case len(got) == 1 && isMaster && since >= ac.at:
			d = fmt.Sprintf("%s became master of %s %s s after %s (at %s), within %s",
				want, inst, Seconds(since-ac.at).text(), e.After, since, e.Within)
		case len(got) == 1 && isMaster:
			d = fmt.Sprintf("%s was master of %s since %s, before %s at %s, and still at %s",
				want, inst, since, e.After, ac.at, deadline)
		default:
			allOK = false
			if isMaster {
				d = fmt.Sprintf("split brain: %s masters at %s (%s after %s) were %s, want only %s",
					inst, deadline, e.Within, e.After, joinOr(got, "none"), want)
			} else {
				d = fmt.Sprintf("%s master at %s (%s after %s) was %s, want %s",
					inst, deadline, e.Within, e.After, joinOr(got, "none"), want)
				if t, ok := r.a.nextMaster(inst, want, deadline); ok {
					d += fmt.Sprintf("; %s became master only at %s (%s s after %s)", want, t, Seconds(t-ac.at).text(), e.After)
				} else {
					d += fmt.Sprintf("; %s did not become master of %s by the end of the run", want, inst)
				}
			}
		}
		details = append(details, d)
	}
	return allOK, strings.Join(details, "; ")
}

func (r *Report) checkSplitBrain(e *Expectation) (bool, string) {
	var total, longest Seconds
	var worst *SplitBrain
	n := 0
	// With after: only split brain after that action counts, clipped to it.
	var from Seconds
	if e.After != "" {
		ac, ok := r.a.actionAt(e.After)
		if !ok {
			return false, fmt.Sprintf("action %q never happened", e.After)
		}
		from = Seconds(ac.at)
	}
	for i := range r.SplitBrain {
		sb := r.SplitBrain[i]
		if e.Instance != "" && sb.Instance != e.Instance {
			continue
		}
		if sb.End <= from {
			continue
		}
		if sb.Start < from {
			sb.Start, sb.Duration = from, sb.End-from
		}
		n++
		total += sb.Duration
		if worst == nil || sb.Duration > longest {
			worst, longest = &sb, sb.Duration
		}
	}
	scope := "any instance"
	if e.Instance != "" {
		scope = e.Instance
	}
	if e.After != "" {
		scope += " after " + e.After
	}
	if worst == nil {
		return true, "no split brain of " + scope
	}
	desc := fmt.Sprintf("%d split-brain interval(s) of %s, %s s in total; longest %s s from %s to %s between %s",
		n, scope, total.text(), longest.text(), sim.Time(worst.Start), sim.Time(worst.End), strings.Join(worst.Masters, ", "))
	if e.Kind == ExpectNoSplitBrain {
		return false, desc
	}
	if sim.Time(longest) <= sim.D(e.D) {
		return true, desc + ", at most " + e.D.String()
	}
	return false, desc + ", longer than " + e.D.String()
}

// matchFlows returns the flows an expectation names: by flow name, by
// "node/name" or "node name", or all flows for "".
func (r *Report) matchFlows(name string) []Flow {
	var out []Flow
	for _, f := range r.Flows {
		if name == "" || f.Name == name || f.Node+"/"+f.Name == name || f.Node+" "+f.Name == name {
			out = append(out, f)
		}
	}
	return out
}

func (r *Report) checkFlows(e *Expectation) (bool, string) {
	flows := r.matchFlows(e.Flow)
	if len(flows) == 0 {
		var names []string
		for _, f := range r.Flows {
			names = append(names, f.Node+"/"+f.Name)
		}
		return false, fmt.Sprintf("no flow named %q (flows: %s)", e.Flow, joinOr(names, "none"))
	}
	allOK := true
	var details []string
	for _, f := range flows {
		var ok bool
		var d string
		if e.Kind == ExpectLostAtMost {
			ok = f.Lost <= e.N
			d = fmt.Sprintf("%s %s lost %d of %d, ", f.Node, f.Name, f.Lost, f.Sent)
			if ok {
				d += fmt.Sprintf("at most %d", e.N)
			} else {
				d += fmt.Sprintf("more than %d", e.N)
			}
		} else {
			ok = sim.Time(f.Outage) <= sim.D(e.D)
			d = fmt.Sprintf("%s %s outage %s s in %d window(s), ", f.Node, f.Name, f.Outage.text(), len(f.Outages))
			if ok {
				d += "at most " + e.D.String()
			} else {
				d += "longer than " + e.D.String()
			}
		}
		allOK = allOK && ok
		details = append(details, d)
	}
	return allOK, strings.Join(details, "; ")
}

func (r *Report) checkTransitions(e *Expectation) (bool, string) {
	from, to := sim.Time(math.MinInt64), sim.Forever
	window := ""
	if e.After != "" {
		ac, ok := r.a.actionAt(e.After)
		if !ok {
			return false, fmt.Sprintf("action %q never happened", e.After)
		}
		from = ac.at
		window = " after " + e.After
		if e.Within > 0 {
			to = ac.at.Add(e.Within)
			window = fmt.Sprintf(" within %s after %s", e.Within, e.After)
		}
	}
	n := 0
	for _, t := range r.Transitions {
		at := sim.Time(t.At)
		if (e.Instance == "" || t.Instance == e.Instance) && at >= from && at <= to {
			n++
		}
	}
	scope := "all instances"
	if e.Instance != "" {
		scope = e.Instance
	}
	if n <= e.N {
		return true, fmt.Sprintf("%d transition(s) of %s%s, at most %d", n, scope, window, e.N)
	}
	return false, fmt.Sprintf("%d transition(s) of %s%s, more than %d", n, scope, window, e.N)
}

// checkARP: the host's entry for the IP at t holds a MAC of the wanted
// node, or the virtual MAC of a VRID that node is master of at t.
func (r *Report) checkARP(e *Expectation, t sim.Time, when string) (bool, string) {
	c := r.a.c
	var last *neighChange
	for ch := range c.neighChanges(hostIP{e.Host, e.IP}) {
		if ch.at > t {
			break
		}
		last = &ch
	}
	if last == nil || last.to == "" || last.mac == ([6]byte{}) {
		state := "no entry"
		if last != nil && last.to != "" {
			state = "an entry in state " + last.to + " without a link address"
		}
		return false, fmt.Sprintf("%s had %s for %s at %s%s, want %s", e.Host, state, e.IP, t, when, e.PointsTo)
	}
	own := c.owner(last.mac)
	who := own
	ok := own == e.PointsTo
	if vrid, virtual := vmacVRID(last.mac); virtual {
		owners := r.a.vmacOwners(vrid, t)
		ok = owners[e.PointsTo]
		who = fmt.Sprintf("%s, master: %s", own, joinOr(sortedKeys(owners), "none"))
	}
	if last.to == "FAILED" {
		ok = false
	}
	d := fmt.Sprintf("%s neighbour %s at %s%s was %s (%s), state %s", e.Host, e.IP, t, when, macString(last.mac), who, last.to)
	if !ok {
		d += ", want " + e.PointsTo
	}
	return ok, d
}

// text prints a span in seconds with six decimals, the precision of the
// human-readable outputs.
func (s Seconds) text() string { return sim.Time(s).String() }
