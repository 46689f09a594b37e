package scenarios

// keepalived's health-checking keys inside virtual_server and
// real_server (check_parser.c, check_api.c, check_tcp.c, check_http.c,
// check_misc.c), and building them onto a director node
// (model/lb/check, model/node/check.go):
//
//	virtual_server:
//	  10.0.0.100 80:
//	    delay_loop: 6            # default 60 s
//	    quorum: 1
//	    real_server:
//	      10.0.0.11 80:
//	        inhibit_on_failure: false
//	        TCP_CHECK: {connect_timeout: 3, retry: 3, delay_before_retry: 1}
//	      10.0.0.12 80:
//	        HTTP_GET: {url: [{path: /, status_code: 200}], connect_timeout: 3}

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/vrrpsim/vrrpsim/model/lb/check"
	"github.com/vrrpsim/vrrpsim/model/node"
)

// VSHealth is a virtual_server's health-checking part.
type VSHealth struct {
	Timing               check.Timing // delay_loop, connect_timeout, retry, delay_before_retry, warmup, alpha
	Inhibit              bool         // inhibit_on_failure
	Omega                bool
	Quorum, Hysteresis   int
	QuorumUp, QuorumDown string
	SorryInhibit         bool // sorry_server_inhibit
}

// RSHealth is a real_server's health-checking part.
type RSHealth struct {
	Timing   check.Timing
	Inhibit  check.Opt[bool]
	Checkers []Checker
}

// Checker is a TCP_CHECK, HTTP_GET, SSL_GET or MISC_CHECK block.
type Checker struct {
	Pos Pos
	Cfg check.CheckerConfig
}

var timingKeys = []string{"delay_loop", "connect_timeout", "retry", "delay_before_retry", "warmup", "alpha"}

var vsHealthKeys = append([]string{"inhibit_on_failure", "omega", "quorum", "hysteresis", "quorum_up", "quorum_down", "sorry_server_inhibit"}, timingKeys...)

var checkerKinds = []string{"TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK"}

var rsHealthKeys = append(append([]string{"inhibit_on_failure"}, timingKeys...), checkerKinds...)

// httpCheckerKeys are HTTP_GET's and SSL_GET's keys (both are
// check_http.c's).
var httpCheckerKeys = append([]string{"connect_ip", "connect_port", "bindto", "url", "nb_get_retry", "virtualhost", "fast_recovery"}, timingKeys...)

// checkerKeys are each checker's keys (check_api.c install_checker_common_keywords,
// the checkers' own).
var checkerKeys = map[string][]string{
	"TCP_CHECK": append([]string{"connect_ip", "connect_port", "bindto"}, timingKeys...),
	"HTTP_GET":  httpCheckerKeys,
	"SSL_GET":   httpCheckerKeys,
	// install_checker_common_keywords(false): no connection keywords,
	// so no connect_timeout (misc_timeout bounds the script).
	"MISC_CHECK": {"misc_path", "misc_timeout", "misc_dynamic", "user", "delay_loop", "retry", "delay_before_retry", "warmup", "alpha"},
}

// timing reads the keys every level shares.
func (d *decoder) timing(o *object) check.Timing {
	var t check.Timing
	for _, k := range []struct {
		key string
		dst *check.Opt[time.Duration]
	}{
		{"delay_loop", &t.DelayLoop}, {"connect_timeout", &t.ConnectTimeout},
		{"delay_before_retry", &t.DelayBeforeRetry}, {"warmup", &t.Warmup},
	} {
		if v, ok := o.duration(k.key); ok {
			if v == 0 && (k.key == "delay_loop" || k.key == "connect_timeout") {
				o.bad(k.key, "%s must be more than 0; valid: seconds like 6, or 500ms", k.key)
				continue
			}
			*k.dst = check.Some(v)
		}
	}
	for _, key := range []string{"retry", "nb_get_retry"} {
		if v, ok := o.intIn(key, 0, 1<<31-1); ok {
			t.Retry = check.Some(int(v))
		}
	}
	if o.has("retry") && o.has("nb_get_retry") {
		d.add(o.keyAt("nb_get_retry"), "retry and nb_get_retry are one keyword in %s (nb_get_retry is keepalived's old name); valid: write retry", o.what)
	}
	if v, ok := o.boolean("alpha"); ok {
		t.Alpha = check.Some(v)
	}
	return t
}

// vsHealth reads a virtual_server's health keys from o.
func (d *decoder) vsHealth(o *object, vs *VirtualServer) {
	h := &vs.Health
	h.Timing = d.timing(o)
	if v, ok := o.boolean("inhibit_on_failure"); ok {
		h.Inhibit = v
	}
	if v, ok := o.boolean("omega"); ok {
		h.Omega = v
	}
	if v, ok := o.intIn("quorum", 1, 1<<31-1); ok {
		h.Quorum = int(v)
	}
	if v, ok := o.intIn("hysteresis", 0, 1<<31-1); ok {
		h.Hysteresis = int(v)
	}
	h.QuorumUp, _ = o.str("quorum_up")
	h.QuorumDown, _ = o.str("quorum_down")
	if v, ok := o.boolean("sorry_server_inhibit"); ok {
		h.SorryInhibit = v
		if vs.Sorry == nil {
			d.add(o.keyAt("sorry_server_inhibit"), "sorry_server_inhibit without a sorry_server in %s; valid: sorry_server: \"ADDRESS PORT\" first", o.what)
		}
	}
}

// rsHealth reads a real_server's health keys and checkers from o.
func (d *decoder) rsHealth(o *object, rs *RealServer) {
	h := &rs.Health
	h.Timing = d.timing(o)
	if v, ok := o.boolean("inhibit_on_failure"); ok {
		h.Inhibit = check.Some(v)
	}
	for i, kind := range checkerKinds {
		n, ok := o.lookup(kind)
		if !ok {
			continue
		}
		what := kind + " of " + o.what
		co := d.object(n, join(o.path, kind), what, checkerKeys[kind])
		c := Checker{Pos: o.keyAt(kind), Cfg: check.CheckerConfig{Kind: check.Kind(i), MiscOK: true}}
		c.Cfg.Timing = d.timing(co)
		if a, ok := co.addr("connect_ip"); ok {
			c.Cfg.ConnectIP = a
		}
		if v, ok := co.intIn("connect_port", 1, 65535); ok {
			c.Cfg.ConnectPort = uint16(v)
		}
		if a, ok := co.addr("bindto"); ok {
			c.Cfg.BindTo = a
		}
		c.Cfg.Virtualhost, _ = co.str("virtualhost")
		if v, ok := co.boolean("fast_recovery"); ok {
			c.Cfg.FastRecovery = v
		}
		if v, ok := co.boolean("misc_dynamic"); ok {
			c.Cfg.MiscDynamic = v
		}
		if kind == "HTTP_GET" || kind == "SSL_GET" {
			for j, un := range d.list(co.node("url"), "url of "+what) {
				c.Cfg.URLs = append(c.Cfg.URLs, d.url(un, join(co.path, "url."+strconv.Itoa(j)), "url of "+what))
			}
			if len(c.Cfg.URLs) == 0 {
				co.missing(c.Pos, "%s has no url; valid: url: [{path: /, status_code: 200}]", what)
			}
		}
		h.Checkers = append(h.Checkers, c)
	}
}

var urlKeys = []string{"path", "status_code", "digest"}

// url reads {path, status_code, digest} (check_http.c url_handler,
// status_code_handler, digest_handler).
func (d *decoder) url(n ast.Node, path, what string) check.URL {
	o := d.object(n, path, what, urlKeys)
	var u check.URL
	if p, ok := o.str("path"); ok {
		u.Path = p
	} else {
		o.missing(o.pos, "%s has no path; valid: {path: /, status_code: 200}", what)
	}
	if sn, ok := o.lookup("status_code"); ok {
		var items []ast.Node
		if _, isSeq := base(sn).(*ast.SequenceNode); isSeq {
			items = d.list(sn, "status_code of "+what)
		} else {
			items = []ast.Node{sn}
		}
		for _, it := range items {
			s, _ := scalarText(it)
			r, ok := statusRange(s)
			if !ok {
				d.add(d.pos(it), "bad status_code %q in %s; valid: a code or range in 100..599 like 200 or \"200-299\"", s, what)
				continue
			}
			u.StatusCode = append(u.StatusCode, r)
		}
	}
	if s, ok := o.str("digest"); ok {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 16 {
			o.bad("digest", "bad digest %q; valid: an MD5 sum as 32 hex digits (genhash prints it)", s)
		} else {
			copy(u.Digest[:], b)
			u.HasDigest = true
		}
	}
	return u
}

// statusRange reads "200" or "200-299" within HTTP_STATUS_CODE_MIN..MAX.
func statusRange(s string) (check.StatusRange, bool) {
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
	a, err1 := strconv.Atoi(lo)
	b := a
	var err2 error
	if isRange {
		b, err2 = strconv.Atoi(hi)
	}
	if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
		return check.StatusRange{}, false
	}
	return check.StatusRange{Min: a, Max: b}, true
}

// hasChecks reports whether any real server of vs has a checker.
func (vs *VirtualServer) hasChecks() bool {
	for _, rs := range vs.Reals {
		if len(rs.Health.Checkers) > 0 {
			return true
		}
	}
	return false
}

// buildChecks attaches the health checkers of sn's virtual servers to
// the node's director.
func (w *World) buildChecks(n *node.Node, sn *Node) error {
	var cfgs []check.ServiceConfig
	for _, vs := range sn.VirtualServers {
		if vs.hasChecks() {
			cfgs = append(cfgs, w.sc.checkConfig(w.serviceName(vs), vs))
		}
	}
	if len(cfgs) == 0 {
		return nil
	}
	if _, err := n.AddChecks(cfgs); err != nil {
		return fmt.Errorf("%s: %v", sn.VirtualServers[0].Pos, err)
	}
	return nil
}

// checkConfig is vs's health checking as model/lb/check takes it.
func (s *Scenario) checkConfig(name string, vs *VirtualServer) check.ServiceConfig {
	h := vs.Health
	c := check.ServiceConfig{Name: name, Timing: h.Timing, Inhibit: h.Inhibit, Quorum: h.Quorum,
		Hysteresis: h.Hysteresis, QuorumUp: h.QuorumUp, QuorumDown: h.QuorumDown, Omega: h.Omega}
	if vs.Sorry != nil {
		c.Sorry = &check.SorryConfig{Addr: vs.Sorry.Addr, Weight: vs.Sorry.Weight, Inhibit: h.SorryInhibit}
	}
	for _, rs := range vs.Reals {
		rc := check.RealConfig{Name: s.RealServerName(rs), Addr: rs.Addr, Weight: rs.Weight, Inhibit: rs.Health.Inhibit, Timing: rs.Health.Timing}
		for _, ck := range rs.Health.Checkers {
			rc.Checkers = append(rc.Checkers, ck.Cfg)
		}
		c.Reals = append(c.Reals, rc)
	}
	return c
}

// HealthBound is the detection calculator's prediction (check.Predict)
// for one failure on the timeline and one real server it hits on one
// director: from the failure to the removal, from the recovery to the
// re-add. With several checkers the first to fail removes the server and
// the last to recover re-adds it.
type HealthBound struct {
	Director, Service, Real string
	Action                  string // the failure's canonical text
	Checkers                string // "TCP_CHECK", "TCP_CHECK+HTTP_GET"
	Detected                bool
	RemoveBest, RemoveWorst time.Duration
	ReAddBest, ReAddWorst   time.Duration
}

// HealthBounds predicts, for every failure on the timeline
// (fail_service, slow_service, misc_check that fails), how long each
// director checking the server takes. Answered probes are taken as
// instant (rtt 0): a run's LAN adds its round trips.
func (s *Scenario) HealthBounds() []HealthBound {
	var out []HealthBound
	for _, ev := range s.Timeline {
		a := ev.Action
		for _, n := range s.Nodes {
			for _, vs := range n.VirtualServers {
				if !vs.hasChecks() {
					continue
				}
				name := (&World{}).serviceName(vs)
				cfg := s.checkConfig(name, vs)
				for ri, rs := range vs.Reals {
					f, hit := s.failureOf(a, n, vs, rs)
					if !hit || len(rs.Health.Checkers) == 0 {
						continue
					}
					b := HealthBound{Director: n.Name, Service: name, Real: s.RealServerName(rs), Action: a.String(), RemoveBest: -1}
					for ci, ck := range rs.Health.Checkers {
						if ci > 0 {
							b.Checkers += "+"
						}
						b.Checkers += ck.Cfg.Kind.String()
						p, err := check.Predict(cfg, ri, ci, f, 0)
						if err != nil || !p.Detected || f == check.FailSlow && a.ResponseTime <= p.ConnectTimeout {
							continue
						}
						if !b.Detected || p.RemoveBest < b.RemoveBest {
							b.RemoveBest = p.RemoveBest
						}
						if !b.Detected || p.RemoveWorst < b.RemoveWorst {
							b.RemoveWorst = p.RemoveWorst
						}
						b.ReAddBest, b.ReAddWorst = max(b.ReAddBest, p.ReAddBest), max(b.ReAddWorst, p.ReAddWorst)
						b.Detected = true
					}
					out = append(out, b)
				}
			}
		}
	}
	return out
}

// failureOf says whether action a makes real server rs of director n's
// vs fail, and how its checkers see it.
func (s *Scenario) failureOf(a Action, n *Node, vs *VirtualServer, rs *RealServer) (check.Failure, bool) {
	switch a.Kind {
	case ActFailService, ActSlowService:
		if s.RealServerName(rs) != a.Node || int(rs.Addr.Port()) != a.Port {
			return 0, false
		}
		switch {
		case a.Kind == ActSlowService:
			return check.FailSlow, true
		case a.How == FailBlackhole:
			return check.FailBlackhole, true
		case a.How == FailStatus:
			return check.FailStatus, true
		}
		return check.FailRefuse, true
	case ActMiscCheck:
		if a.Node != n.Name || a.Exit != 1 || !slices.Contains(s.miscTargets(n, a.VirtualServer, a.RealServer), vs) || s.realServer(vs, a.RealServer) != rs {
			return 0, false
		}
		return check.FailScript, true
	}
	return 0, false
}

// failStatus reads fail_service's status: (how: status; default 503).
func (d *decoder) failStatus(o *object, a *Action) {
	if a.How != FailStatus {
		if o.has("status") {
			o.bad("status", "status goes with how: %s; valid: {how: %s, status: 503}", FailStatus, FailStatus)
		}
		return
	}
	a.Status = 503
	if v, ok := o.intIn("status", 100, 599); ok {
		a.Status = int(v)
	}
}

// The misc_check action: what a MISC_CHECK script exits with from now
// on (no script ever runs):
//
//	misc_check: {node: lb1, real_server: 10.0.0.12 80, result: fail}
//	misc_check: {node: lb1, virtual_server: 10.0.0.100 80, real_server: rs2, result: 4}
//
// result: ok (exit 0), fail (exit 1) or an exit status 0..255; with
// misc_dynamic 2..255 is up with weight status-2 (check_misc.c
// misc_check_child_thread). Without virtual_server it applies to every
// virtual server of the node that checks that real server with
// MISC_CHECK.
var miscCheckKeys = []string{"node", "virtual_server", "real_server", "result"}

func (d *decoder) miscCheckAction(a *Action, n ast.Node, path, what string, name func(*object, string, refKind, string) string) {
	o := d.object(n, path, what, miscCheckKeys)
	for _, k := range []string{"node", "real_server", "result"} {
		if !o.has(k) {
			o.missing(o.pos, "missing key %q in %s; valid: {node: lb1, real_server: 10.0.0.12 80, result: fail}", k, what)
		}
	}
	a.Node = name(o, "node", refNode, "")
	a.VirtualServer, _ = o.str("virtual_server")
	a.RealServer, _ = o.str("real_server")
	if v, ok := o.str("result"); ok {
		switch v {
		case "ok":
			a.Exit = 0
		case "fail":
			a.Exit = 1
		default:
			x, err := strconv.Atoi(v)
			if err != nil || x < 0 || x > 255 {
				o.bad("result", "bad result %q; valid: ok, fail, or an exit status 0..255 (with misc_dynamic, 2..255 sets weight status-2)", v)
			}
			a.Exit = x
		}
	}
	d.lbRefs = append(d.lbRefs, lbRef{pos: a.Pos, kind: ActMiscCheck, node: a.Node, vs: a.VirtualServer, rs: a.RealServer, what: what})
}

// miscCheckString is the action's text: "misc_check lb1/10.0.0.12
// 80=fail", with the virtual server "misc_check lb1/10.0.0.100
// 80/rs2=4".
func miscCheckString(a Action) string {
	res := strconv.Itoa(a.Exit)
	switch a.Exit {
	case 0:
		res = "ok"
	case 1:
		res = "fail"
	}
	if a.VirtualServer != "" {
		return fmt.Sprintf("%s %s/%s/%s=%s", a.Kind, a.Node, a.VirtualServer, a.RealServer, res)
	}
	return fmt.Sprintf("%s %s/%s=%s", a.Kind, a.Node, a.RealServer, res)
}

// miscTargets are the virtual servers of n (the one named, or all) whose
// real server rs has a MISC_CHECK.
func (s *Scenario) miscTargets(n *Node, vsName, rsName string) []*VirtualServer {
	var out []*VirtualServer
	for _, vs := range n.VirtualServers {
		if vsName != "" && n.virtualServer(vsName) != vs {
			continue
		}
		if rs := s.realServer(vs, rsName); rs != nil && rs.hasMisc() {
			out = append(out, vs)
		}
	}
	return out
}

// hasMisc reports whether rs has a MISC_CHECK.
func (rs *RealServer) hasMisc() bool {
	for _, c := range rs.Health.Checkers {
		if c.Cfg.Kind == check.KindMisc {
			return true
		}
	}
	return false
}

// checkMiscRef: a misc_check action names a real server with a
// MISC_CHECK on the node.
func (d *decoder) checkMiscRef(s *Scenario, n *Node, r lbRef) {
	if len(s.miscTargets(n, r.vs, r.rs)) > 0 {
		return
	}
	var valid []string
	for _, vs := range n.VirtualServers {
		for _, rs := range vs.Reals {
			if rs.hasMisc() {
				valid = append(valid, vs.Name+" / "+rs.Name)
			}
		}
	}
	d.add(r.pos, "node %s has no MISC_CHECK on real_server %q in %s; valid: %s", r.node, r.rs, r.what, quoteList(valid))
}

// miscCheckDo sets the script's exit status on each targeted service.
func (w *World) miscCheckDo(n *node.Node, a Action) error {
	sn := w.nodeSpec(a.Node)
	if sn == nil {
		return fmt.Errorf("%s: no node %q", a.Pos, a.Node)
	}
	vss := w.sc.miscTargets(sn, a.VirtualServer, a.RealServer)
	if len(vss) == 0 {
		return fmt.Errorf("%s: node %s has no MISC_CHECK on real_server %q", a.Pos, a.Node, a.RealServer)
	}
	for _, vs := range vss {
		if err := n.SetMiscCheck(w.serviceName(vs), w.sc.realServer(vs, a.RealServer).Addr, a.Exit); err != nil {
			return fmt.Errorf("%s: %v", a.Pos, err)
		}
	}
	return nil
}

// Health expectations: a real server out of the table (removed, or at
// weight 0 with inhibit_on_failure) or back in it, within a span after a
// timeline action, on every director that checks it:
//
//   - {removed: rs2, after: "fail_service rs2:80 refuse", within: 7s}
//   - {restored: rs2, after: "recover_service rs2:80", within: 10s}
//
// Read "rs2 removed within 7s after fail_service rs2:80 refuse"; the
// after text is the action's canonical text, as for master expectations.
const (
	ExpectRemoved  ExpectKind = "removed"
	ExpectRestored ExpectKind = "restored"
)

// healthWant reads a removed/restored expectation: the real server (a
// node name, as reports name it, or "ADDRESS PORT"), after and within.
func (d *decoder) healthWant(o *object, e *Expectation) {
	key := string(e.Kind)
	if v, ok := o.str(key); ok {
		e.Real = v
	}
	if !o.has("after") || !o.has("within") {
		d.add(o.pos, "%s expectation needs after and within; valid: {%s: rs2, after: \"fail_service rs2:80 refuse\", within: 7s}", key, key)
	}
}

// checkHealthWants: the real server of a removed/restored expectation is
// health-checked somewhere; an address is turned into the name reports
// use.
func (d *decoder) checkHealthWants(s *Scenario) {
	for _, e := range s.Expect {
		if e.Kind != ExpectRemoved && e.Kind != ExpectRestored {
			continue
		}
		var valid []string
		found := false
		for _, n := range s.Nodes {
			for _, vs := range n.VirtualServers {
				for _, rs := range vs.Reals {
					if len(rs.Health.Checkers) == 0 {
						continue
					}
					name := s.RealServerName(rs)
					if ap, ok := parseAddrPort(e.Real); (ok && ap == rs.Addr) || name == e.Real {
						e.Real, found = name, true
					}
					if !slices.Contains(valid, name) {
						valid = append(valid, name)
					}
				}
			}
		}
		if !found {
			d.add(e.Pos, "no health-checked real_server %q in %s expectation; valid: %s", e.Real, e.Kind, quoteList(valid))
		}
	}
}
