package reports

// The health timeline of each real server as keepalived's checkers saw
// it (model/lb/check): every probe, the verdicts, the IPVS table
// changes, and for each failure the timeline caused (fail_service,
// slow_service, misc_check) the time until the server left the table,
// the connections the director kept sending it meanwhile and how many
// of them failed. The checkers' records are KindNote records whose Comp
// starts with "check/" and which name the real server in To (From = the
// virtual service, Value = a weight, Value2 = 1 for the sorry server).

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// healthLog is the health part of the load-balancing log.
type healthLog struct {
	reals   map[healthKey]*realHealth
	order   []healthKey
	c       *Collector              // for the actions (set by the first record)
	actions int                     // Collector.actions already looked at
	pending map[connID]*healthFault // connections sent to a failing server, until they end
}

type healthKey struct{ director, service, real string }

// connID names a client connection in both the director's and the
// client's records: the virtual address and the client's port.
type connID struct {
	vip  netip.Addr
	port int64
}

type realHealth struct {
	sorry    bool
	probes   []HealthProbe
	events   []HealthEvent
	ok, fail int
	faults   []*healthFault
}

// healthFault is one failure of a real server and what followed.
type healthFault struct {
	f HealthFailure
	// open: the server has not left the table since the failure.
	open bool
	// recovering: recovered, not yet back.
	recovering bool
}

func newHealthLog() *healthLog {
	return &healthLog{reals: map[healthKey]*realHealth{}, pending: map[connID]*healthFault{}}
}

func (h *healthLog) real(k healthKey) *realHealth {
	rh := h.reals[k]
	if rh == nil {
		rh = &realHealth{}
		h.reals[k] = rh
		h.order = append(h.order, k)
	}
	return rh
}

// maxHealthProbes bounds the probes kept per real server (a long run
// with a short delay_loop); the counts go on.
const maxHealthProbes = 4096

// onNote takes a checker's record.
func (h *healthLog) onNote(c *Collector, r *sim.Record) {
	if !strings.HasPrefix(r.Comp, "check/") || r.From == "" {
		return
	}
	h.syncActions(c)
	if r.To == "" {
		h.serviceNote(r)
		return
	}
	k := healthKey{r.Node, r.From, r.To}
	rh := h.real(k)
	rh.sorry = rh.sorry || r.Value2 == 1
	switch r.Event {
	case "probe_ok", "probe_fail":
		ok := r.Event == "probe_ok"
		if ok {
			rh.ok++
		} else {
			rh.fail++
		}
		if len(rh.probes) < maxHealthProbes {
			rh.probes = append(rh.probes, HealthProbe{At: Seconds(r.At), OK: ok, Detail: r.Reason})
		}
		return
	case "misc_result":
		h.miscResult(c, k, rh, r)
		return
	}
	e := HealthEvent{At: Seconds(r.At), Event: r.Event, Detail: r.Reason}
	if strings.HasPrefix(r.Event, "ipvs_") {
		e.Detail = ""
		if r.Event != "ipvs_remove" {
			w := int(r.Value)
			e.Weight = &w
		}
	}
	rh.events = append(rh.events, e)
	out, back := tableChange(r.Event, r.Value)
	for _, f := range rh.faults {
		switch {
		case out && f.open:
			f.open = false
			f.f.Removed, f.f.Detection = secPtr(r.At), secPtr(r.At-sim.Time(f.f.At))
		case back && f.recovering:
			f.recovering = false
			f.f.Restored, f.f.Restore = secPtr(r.At), secPtr(r.At-sim.Time(*f.f.RecoveredAt))
		}
	}
}

// tableChange: an IPVS table event takes the real server out (removed,
// or weight 0: ip_vs_edit_dest keeps it but schedules nothing to it)
// or puts it back (added or reweighted above 0).
func tableChange(event string, weight int64) (out, back bool) {
	out = event == "ipvs_remove" || event == "ipvs_weight" && weight == 0
	back = (event == "ipvs_add" || event == "ipvs_weight") && weight > 0
	return out, back
}

// serviceNote: a virtual service's quorum went down or up
// (update_quorum_state): an event on each of its timelines.
func (h *healthLog) serviceNote(r *sim.Record) {
	if r.Event != "quorum_up" && r.Event != "quorum_down" {
		return
	}
	for _, k := range h.order {
		if k.director == r.Node && k.service == r.From {
			rh := h.reals[k]
			rh.events = append(rh.events, HealthEvent{At: Seconds(r.At), Event: r.Event, Detail: r.Reason})
		}
	}
}

// syncActions looks at the timeline actions recorded since the last
// call: a failure of a server's service opens a fault on every
// timeline of that server, a recovery marks them recovering.
func (h *healthLog) syncActions(c *Collector) {
	h.c = c
	for ; h.actions < len(c.actions); h.actions++ {
		a := c.actions[h.actions]
		switch a.verb {
		case "fail_service", "slow_service":
			for _, k := range h.order {
				if k.real == a.node {
					h.fault(h.reals[k], a.text, a.at)
				}
			}
		case "recover_service":
			for _, k := range h.order {
				if k.real == a.node {
					h.recover(h.reals[k], a.text, a.at)
				}
			}
		case "crash":
			// The director's table and checkers are gone; a restart
			// adds the servers again (ipvs_add).
			for _, k := range h.order {
				if k.director == a.node {
					rh := h.reals[k]
					rh.events = append(rh.events, HealthEvent{At: Seconds(a.at), Event: "director_crash", Detail: a.text})
				}
			}
		}
	}
}

// miscResult: the timeline set a MISC_CHECK's exit status (Value); 1 is
// a failure, 0 a recovery. The action that did it is the last one.
func (h *healthLog) miscResult(c *Collector, k healthKey, rh *realHealth, r *sim.Record) {
	text := "misc_check"
	if n := len(c.actions); n > 0 && c.actions[n-1].at == r.At {
		text = c.actions[n-1].text
	}
	switch r.Value {
	case 1:
		h.fault(rh, text, r.At)
	case 0:
		h.recover(rh, text, r.At)
	}
}

func (h *healthLog) fault(rh *realHealth, text string, at sim.Time) {
	for _, f := range rh.faults {
		if f.open {
			return // already failing: the first failure counts
		}
	}
	rh.faults = append(rh.faults, &healthFault{f: HealthFailure{Action: text, At: Seconds(at)}, open: true})
}

func (h *healthLog) recover(rh *realHealth, text string, at sim.Time) {
	for _, f := range rh.faults {
		if f.f.Recovery == "" {
			t := Seconds(at)
			f.f.Recovery, f.f.RecoveredAt = text, &t
			// Out of the table already: wait for the re-add. Still in
			// it: the failure is over before keepalived noticed.
			f.recovering = !f.open
			f.open = false
		}
	}
}

// onNew: the director scheduled a connection; one sent to a server in
// its failure window is followed to its end.
func (h *healthLog) onNew(c *Collector, r *sim.Record) {
	if len(h.reals) == 0 {
		return
	}
	h.syncActions(c)
	rh := h.reals[healthKey{r.Node, r.Comp, r.To}]
	if rh == nil {
		return
	}
	for _, f := range rh.faults {
		if f.open {
			f.f.Connections++
			if vip, ok := serviceAddr(r.Comp); ok {
				h.pending[connID{vip, r.Value}] = f
			}
			return
		}
	}
}

// onConn: a client connection ended; one followed from a failure window
// counts as failed unless it ended well.
func (h *healthLog) onConn(r *sim.Record) {
	if len(h.pending) == 0 {
		return
	}
	id := connID{r.Addr, r.Value2}
	f, ok := h.pending[id]
	if !ok {
		return
	}
	delete(h.pending, id)
	if r.Event != "ok" {
		f.f.Failed++
	}
}

// HealthTimeline is one real server of one director's virtual service
// as its checkers saw it.
type HealthTimeline struct {
	Director string `json:"director"`
	Service  string `json:"service"`
	Real     string `json:"real_server"`
	// Sorry: this is the sorry server (in the table while no real
	// server is left).
	Sorry        bool            `json:"sorry_server,omitempty"`
	ProbesOK     int             `json:"probes_ok"`
	ProbesFailed int             `json:"probes_failed"`
	Probes       []HealthProbe   `json:"probes"`
	Events       []HealthEvent   `json:"events"`
	Failures     []HealthFailure `json:"failures"`
}

// HealthProbe is one probe's end.
type HealthProbe struct {
	At     Seconds `json:"t_s"`
	OK     bool    `json:"ok"`
	Detail string  `json:"detail"` // "TCP_CHECK timeout", "HTTP_GET status=503"
}

// HealthEvent is a verdict or an IPVS table change: checker_down,
// checker_up (Detail: the checker), notify_down, notify_up (the real
// server leaves or joins the pool), ipvs_add, ipvs_remove, ipvs_weight
// (Weight: the new weight); quorum_down, quorum_up (the service's live
// weight crossed the quorum; Detail: the weights and the notify
// command, never run); director_crash (Detail: the action): the
// director and its table are gone until a restart adds the servers.
type HealthEvent struct {
	At     Seconds `json:"t_s"`
	Event  string  `json:"event"`
	Detail string  `json:"detail,omitempty"`
	Weight *int    `json:"weight,omitempty"`
}

// HealthFailure is one failure the timeline caused and how keepalived
// answered: Detection is from the failure to the removal (or weight 0);
// Connections were sent to the server meanwhile, Failed of them failed.
// Restore is from the recovery to the re-add.
type HealthFailure struct {
	Action      string   `json:"action"`
	At          Seconds  `json:"t_s"`
	Removed     *Seconds `json:"removed_t_s"`
	Detection   *Seconds `json:"detection_s"`
	Connections int      `json:"connections_in_window"`
	Failed      int      `json:"failed_connections_in_window"`
	Recovery    string   `json:"recovery,omitempty"`
	RecoveredAt *Seconds `json:"recovered_t_s,omitempty"`
	Restored    *Seconds `json:"restored_t_s,omitempty"`
	Restore     *Seconds `json:"restore_s,omitempty"`
	// Predicted bounds (HealthBound), when the run was given them.
	Predicted *HealthBound `json:"predicted,omitempty"`
}

// HealthBound is the detection calculator's prediction for one failure
// of one real server (model/lb/check Predict, converted by the caller:
// reports never import the models). Detected false: no checker notices
// this failure.
type HealthBound struct {
	Director    string   `json:"-"`
	Service     string   `json:"-"`
	Real        string   `json:"-"`
	Action      string   `json:"-"`
	Checkers    string   `json:"checkers"`
	Detected    bool     `json:"detected"`
	RemoveBest  *Seconds `json:"remove_best_s,omitempty"`
	RemoveWorst *Seconds `json:"remove_worst_s,omitempty"`
	ReAddBest   *Seconds `json:"readd_best_s,omitempty"`
	ReAddWorst  *Seconds `json:"readd_worst_s,omitempty"`
}

// report builds the timelines in first-seen order (the checkers start in
// configuration order, so the order is stable for a seed).
func (h *healthLog) report() []HealthTimeline {
	if h.c != nil {
		h.syncActions(h.c) // actions after the last checker record
	}
	out := []HealthTimeline{}
	for _, k := range h.order {
		rh := h.reals[k]
		t := HealthTimeline{Director: k.director, Service: k.service, Real: k.real, Sorry: rh.sorry,
			ProbesOK: rh.ok, ProbesFailed: rh.fail, Probes: rh.probes, Events: rh.events, Failures: []HealthFailure{}}
		if t.Probes == nil {
			t.Probes = []HealthProbe{}
		}
		if t.Events == nil {
			t.Events = []HealthEvent{}
		}
		for _, f := range rh.faults {
			t.Failures = append(t.Failures, f.f)
		}
		out = append(out, t)
	}
	return out
}

// SetHealthBounds attaches the calculator's predictions to the failures
// they are about (same director, service, real server and action text),
// so the text report can set predicted against measured.
func (r *Report) SetHealthBounds(bs []HealthBound) {
	if r.LB == nil {
		return
	}
	for i := range r.LB.Health {
		t := &r.LB.Health[i]
		for j := range t.Failures {
			f := &t.Failures[j]
			for _, b := range bs {
				if b.Director == t.Director && sameService(t.Service, b.Service) && b.Real == t.Real && b.Action == f.Action {
					f.Predicted = &b
					break
				}
			}
		}
	}
}

// writeHealthText prints the health timelines: per real server with a
// failure or a table change, its verdicts and table changes, the probes
// of its failure windows, and the detection against the prediction.
func writeHealthText(b *strings.Builder, ts []HealthTimeline) {
	if len(ts) == 0 {
		return
	}
	b.WriteString("\nHealth checks\n")
	for _, t := range ts {
		fmt.Fprintf(b, "  %s %s %s: %d probes ok, %d failed\n", t.Director, t.Service, t.Real, t.ProbesOK, t.ProbesFailed)
		// Events and the failures' accounts in time order (a failure
		// before the events it caused).
		type entry struct {
			at   Seconds
			text string
		}
		var es []entry
		for _, e := range t.Events {
			if e.At == 0 && e.Event == "ipvs_add" {
				continue // the start
			}
			line := fmt.Sprintf("    %12s  %s", e.At.text(), e.Event)
			if e.Weight != nil {
				line += fmt.Sprintf(" weight %d", *e.Weight)
			}
			if e.Detail != "" {
				line += " " + e.Detail
			}
			es = append(es, entry{e.At, line + "\n"})
		}
		for _, f := range t.Failures {
			es = append(es, entry{f.At, failureText(t, f)})
			if f.Recovery != "" && f.Removed != nil {
				line := fmt.Sprintf("    %12s  %s: ", f.RecoveredAt.text(), f.Recovery)
				if f.Restored != nil {
					line += fmt.Sprintf("back in the table at %s, %s s later\n", f.Restored.text(), f.Restore.text())
				} else {
					line += "not back by the end of the run\n"
				}
				es = append(es, entry{*f.RecoveredAt, line})
			}
		}
		slices.SortStableFunc(es, func(x, y entry) int { return cmp.Compare(x.at, y.at) })
		for _, e := range es {
			b.WriteString(e.text)
		}
	}
}

// failureText is a failure's account: how long until the server left
// the table, the connections sent to it meanwhile, and the probes.
func failureText(t HealthTimeline, f HealthFailure) string {
	var b strings.Builder
	fmt.Fprintf(&b, "    %12s  %s: ", f.At.text(), f.Action)
	end := f.Removed
	switch {
	case f.Removed != nil:
		fmt.Fprintf(&b, "out of the table at %s, %s s later; %d connections sent to it meanwhile, %d failed\n", f.Removed.text(), f.Detection.text(), f.Connections, f.Failed)
	case f.RecoveredAt != nil:
		end = f.RecoveredAt
		fmt.Fprintf(&b, "recovered at %s (%s) before keepalived took it out; %d connections sent to it meanwhile, %d failed\n", f.RecoveredAt.text(), f.Recovery, f.Connections, f.Failed)
	default:
		fmt.Fprintf(&b, "never out of the table; %d connections sent to it after the failure, %d failed\n", f.Connections, f.Failed)
	}
	var probes []string
	for _, p := range t.Probes {
		if p.At >= f.At && (end == nil || p.At <= *end) {
			probes = append(probes, p.At.text()+" "+p.Detail)
		}
	}
	if len(probes) > 0 {
		fmt.Fprintf(&b, "      probes until then: %s\n", strings.Join(probes, ", "))
	}
	return b.String()
}

// writeDetectionText prints "Health detection": for each failed server,
// the predicted best and worst against the measured time.
func writeDetectionText(b *strings.Builder, ts []HealthTimeline) {
	head := false
	for _, t := range ts {
		for _, f := range t.Failures {
			p := f.Predicted
			if p == nil {
				continue
			}
			if !head {
				b.WriteString("\nHealth detection (predicted from the checkers' settings, best..worst, against this run)\n")
				head = true
			}
			fmt.Fprintf(b, "  %s %s after %s (%s):\n", t.Director, t.Real, f.Action, p.Checkers)
			if f.Removed == nil && f.RecoveredAt != nil {
				fmt.Fprintf(b, "    recovered after %s s, before it was taken out (removal takes %s..%s s)\n", (*f.RecoveredAt - f.At).text(), p.RemoveBest.text(), p.RemoveWorst.text())
				continue
			}
			if !p.Detected {
				fmt.Fprintf(b, "    never detected by these checkers; measured: %s\n", measured(f.Detection))
				continue
			}
			fmt.Fprintf(b, "    removal  %s..%s s, measured %s%s\n", p.RemoveBest.text(), p.RemoveWorst.text(), measured(f.Detection), within(f.Detection, p.RemoveBest, p.RemoveWorst))
			if f.Recovery != "" {
				fmt.Fprintf(b, "    re-add   %s..%s s, measured %s%s\n", p.ReAddBest.text(), p.ReAddWorst.text(), measured(f.Restore), within(f.Restore, p.ReAddBest, p.ReAddWorst))
			}
		}
	}
}

func measured(s *Seconds) string {
	if s == nil {
		return "never"
	}
	return s.text() + " s"
}

// within notes a measurement outside the prediction: the calculator
// takes answered probes to be instant (rtt 0), so a measurement may
// exceed the bounds by the probes' round trips.
func within(m, lo, hi *Seconds) string {
	if m == nil || lo == nil || hi == nil {
		return ""
	}
	const slack = Seconds(50 * time.Millisecond)
	if *m+slack < *lo || *m > *hi+slack {
		return "  OUTSIDE the prediction"
	}
	return ""
}

// checkHealth judges "removed within" and "restored within": every
// timeline of the real server that was probed after the action must show
// the change no later than Within after it.
func (r *Report) checkHealth(e *Expectation, restored bool) (bool, string) {
	ac, ok := r.actionAtTime(e.After)
	if !ok {
		return false, fmt.Sprintf("action %q never happened", e.After)
	}
	if r.LB == nil {
		return false, "no health checks in this run"
	}
	verb := "removed"
	if restored {
		verb = "restored"
	}
	var details []string
	allOK, seen := true, false
	for _, t := range r.LB.Health {
		if t.Real != e.Real || t.Sorry {
			continue
		}
		from := Seconds(ac.at)
		probed := false
		for _, p := range t.Probes {
			probed = probed || p.At >= from
		}
		if !probed {
			continue // a checker that was not running (a crashed director)
		}
		seen = true
		at, found := healthChange(t.Events, from, restored)
		switch {
		case !found:
			allOK = false
			details = append(details, fmt.Sprintf("%s %s: not %s after %s by the end of the run", t.Director, t.Real, verb, e.After))
		case sim.Time(at-from) <= sim.D(e.Within):
			details = append(details, fmt.Sprintf("%s %s: %s at %s, %s s after %s, within %s", t.Director, t.Real, verb, at.text(), (at-from).text(), e.After, e.Within))
		default:
			allOK = false
			details = append(details, fmt.Sprintf("%s %s: %s at %s, %s s after %s, later than %s", t.Director, t.Real, verb, at.text(), (at-from).text(), e.After, e.Within))
		}
	}
	if !seen {
		var names []string
		for _, t := range r.LB.Health {
			if !t.Sorry && !slices.Contains(names, t.Real) {
				names = append(names, t.Real)
			}
		}
		return false, fmt.Sprintf("no health-checked real server %q probed after %s (checked: %s)", e.Real, e.After, joinOr(names, "none"))
	}
	return allOK, strings.Join(details, "; ")
}

// actionAtTime finds an action by its text, or by "TEXT @TIME" when
// several share the text (the scenario loader's spelling).
func (r *Report) actionAtTime(after string) (action, bool) {
	text, at, hasAt := strings.Cut(after, " @")
	if !hasAt {
		return r.a.actionAt(after)
	}
	d, err := time.ParseDuration(strings.TrimSpace(at))
	if err != nil {
		return action{}, false
	}
	for _, ac := range r.a.c.actions {
		if ac.text == strings.TrimSpace(text) && ac.at == sim.Time(d) {
			return ac, true
		}
	}
	return action{}, false
}

// healthChange is the first table change at or after from that takes
// the server out (or, restored, puts it back).
func healthChange(es []HealthEvent, from Seconds, restored bool) (Seconds, bool) {
	for _, e := range es {
		if e.At < from {
			continue
		}
		w := 0
		if e.Weight != nil {
			w = *e.Weight
		}
		out, back := tableChange(e.Event, int64(w))
		if restored && back || !restored && out {
			return e.At, true
		}
	}
	return 0, false
}
