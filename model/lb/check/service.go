package check

import (
	"net/netip"
	"strconv"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Service is the health checking of one virtual server: its real
// servers, their checkers, the quorum and the sorry server.
type Service struct {
	env   Env
	cfg   ServiceConfig
	reals []*Real
	sorry *Real // nil without sorry_server
	// quorumUp is quorum_state_up, true at the start (alloc_vs).
	quorumUp bool
	started  bool
}

// Real is a real server as keepalived tracks it (real_server_t).
type Real struct {
	Name     string
	Addr     netip.AddrPort
	Weight   int
	Inhibit  bool
	alive    bool // ISALIVE: in the pool as far as keepalived knows
	set      bool // in the IPVS table (possibly at weight 0, inhibited)
	failed   int  // num_failed_checkers
	checkers []*Checker
}

// Alive reports whether keepalived holds the real server alive.
func (r *Real) Alive() bool { return r.alive }

// InTable reports whether the real server is in the IPVS table.
func (r *Real) InTable() bool { return r.set }

// FailedCheckers is num_failed_checkers.
func (r *Real) FailedCheckers() int { return r.failed }

// Checkers returns the real server's checkers in configuration order.
func (r *Real) Checkers() []*Checker { return r.checkers }

// New builds the service's checkers from cfg, with the inherited
// settings resolved (validate_check_config in check_data.c).
func New(cfg ServiceConfig, env Env) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Quorum == 0 {
		cfg.Quorum = 1
	}
	s := &Service{env: env, cfg: cfg, quorumUp: true}
	vs := cfg.serviceTiming()
	for _, rc := range cfg.Reals {
		r := &Real{Name: rc.name(), Addr: rc.Addr, Weight: rc.Weight, Inhibit: rc.Inhibit.Or(cfg.Inhibit)}
		rt := rc.Timing.under(vs) // "Take default values from virtual server"
		for i, cc := range rc.Checkers {
			r.checkers = append(r.checkers, newChecker(s, r, i, cc, rt))
		}
		s.reals = append(s.reals, r)
	}
	if sc := cfg.Sorry; sc != nil {
		s.sorry = &Real{Name: "sorry " + sc.Addr.String(), Addr: sc.Addr, Weight: sc.Weight, Inhibit: sc.Inhibit}
	}
	return s, nil
}

// serviceTiming is the virtual server's settings with keepalived's
// defaults for those not set (alloc_vs).
func (cfg ServiceConfig) serviceTiming() Timing {
	vs := cfg.Timing
	vs.DelayLoop = vs.DelayLoop.orOpt(Some(DefaultDelayLoop))
	vs.ConnectTimeout = vs.ConnectTimeout.orOpt(Some(DefaultConnectTimeout))
	vs.Alpha = vs.Alpha.orOpt(Some(false))
	return vs
}

// Reals returns the real servers in configuration order.
func (s *Service) Reals() []*Real { return s.reals }

// QuorumUp is quorum_state_up.
func (s *Service) QuorumUp() bool { return s.quorumUp }

// SorryActive reports whether the sorry server is taking the traffic.
func (s *Service) SorryActive() bool { return s.sorry != nil && s.sorry.alive }

// Start sets up the IPVS table (init_service_vs, init_service_rs) and
// arms every checker's first run (register_checkers_thread). The table
// is taken to start empty: every destination keepalived wants is added
// through Env.
func (s *Service) Start() {
	if s.started {
		return
	}
	s.started = true
	// check_data.c: in alpha mode a checker starts failed and its real
	// server not alive; every checker's first failure counts at once
	// (retry_it = retry).
	for _, r := range s.reals {
		for _, c := range r.checkers {
			c.reset()
		}
	}
	for _, r := range s.reals {
		// init_service_rs: alpha servers stay out unless inhibited.
		if r.failed == 0 && !r.alive || r.Inhibit && !r.set {
			s.ipvs(CmdAdd, r)
			if r.failed == 0 {
				r.alive = true
			}
		}
	}
	s.updateQuorum(true)
	if so := s.sorry; so != nil && so.Inhibit && !so.set {
		// init_service_vs: an inhibited sorry server waits at weight 0.
		so.failed = 1
		s.ipvs(CmdAdd, so)
		so.failed = 0
	}
	for _, r := range s.reals {
		for _, c := range r.checkers {
			c.start()
		}
	}
}

// Stop stops every checker (a crashed director or a stopped keepalived);
// with omega the real servers' and the quorum's down notifications are
// traced (clear_service_vs, do_vs_notifies when stopping).
func (s *Service) Stop() {
	if !s.started {
		return
	}
	s.started = false
	for _, r := range s.reals {
		for _, c := range r.checkers {
			c.stop()
		}
		if s.cfg.Omega && r.alive {
			s.trace(r, "notify_down", "shutdown")
		}
		r.alive, r.set = false, false
	}
	if s.cfg.Omega && s.cfg.QuorumDown != "" {
		s.note("quorum_down", s.cfg.QuorumDown)
	}
	if s.sorry != nil {
		s.sorry.alive, s.sorry.set = false, false
	}
	s.quorumUp = true
}

// SetMisc sets the result a real server's MISC_CHECK script returns
// from now on (ok: exit 0, else exit 1); it takes effect at the
// checker's next run.
func (s *Service) SetMisc(rs netip.AddrPort, ok bool) bool {
	if ok {
		return s.SetMiscStatus(rs, 0)
	}
	return s.SetMiscStatus(rs, 1)
}

// SetMiscStatus sets the exit status a real server's MISC_CHECK script
// returns from now on (misc_check_child_thread: 0 up, 1 down, 2..255
// up with weight status-2 under misc_dynamic, down without). It
// reports whether rs has a MISC_CHECK.
func (s *Service) SetMiscStatus(rs netip.AddrPort, status int) bool {
	found := false
	for _, r := range s.reals {
		if r.Addr != rs {
			continue
		}
		for _, c := range r.checkers {
			if c.cfg.Kind == KindMisc {
				c.miscStatus = status
				found = true
			}
		}
	}
	return found
}

// setWeight is update_svr_wgt: a new weight for r, sent to IPVS while r
// is alive, and the quorum weighed again.
func (s *Service) setWeight(r *Real, w int) {
	if r.Weight == w {
		return
	}
	r.Weight = w
	if r.alive && r.set {
		s.ipvs(CmdEdit, r)
	}
	s.updateQuorum(false)
}

// ipvs is ipvs_cmd for a destination: inhibit turns a removal into
// weight 0 and a re-add into an edit; rs.set follows the table.
func (s *Service) ipvs(cmd Cmd, r *Real) {
	w := r.Weight
	switch {
	case cmd == CmdDel && r.Inhibit:
		cmd, w = CmdEdit, 0
	case cmd == CmdAdd && r.Inhibit && r.set:
		cmd = CmdEdit
	case cmd == CmdAdd && !r.set:
		r.set = true
		if r.Inhibit && r.failed > 0 {
			w = 0
		}
	case cmd == CmdDel && r.set:
		r.set = false
	case cmd == CmdDel:
		return // not in the table: the kernel would say ENOENT
	}
	s.env.IPVS(cmd, r.Addr, w)
	s.traceReal(r, "ipvs_"+cmd.String(), "weight="+strconv.Itoa(w), w)
}

// liveWeight is weigh_live_realservers.
func (s *Service) liveWeight() int {
	n := 0
	for _, r := range s.reals {
		if r.alive {
			n += r.Weight
		}
	}
	return n
}

// performSvrState adds or removes a real server whose verdict changed
// (perform_svr_state): the table is left alone while the sorry server
// stands in for a lost quorum.
func (s *Service) performSvrState(alive bool, r *Real) {
	if r.alive == alive {
		return
	}
	if s.quorumUp || s.sorry == nil || !s.sorry.alive {
		if alive {
			s.ipvs(CmdAdd, r)
		} else {
			s.ipvs(CmdDel, r)
		}
	}
	r.alive = alive
	if alive {
		s.trace(r, "notify_up", "")
	} else {
		s.trace(r, "notify_down", "")
	}
	s.updateQuorum(false)
}

// updateQuorum is update_quorum_state: the threshold is quorum minus
// hysteresis while up, plus it while down.
func (s *Service) updateQuorum(init bool) {
	sum := s.liveWeight()
	q, h := s.cfg.Quorum, s.cfg.Hysteresis
	threshold := q + h
	if s.quorumUp {
		threshold = q - h
	}
	switch {
	case !s.quorumUp && sum >= threshold:
		s.quorumUp = true
		if so := s.sorry; so != nil && so.alive {
			s.ipvs(CmdDel, so)
			so.alive = false
			s.performQuorumState(true) // the live servers come back
		}
		s.quorumNote(init, threshold, sum)
	case s.quorumUp && (sum == 0 || sum < threshold) || init && !s.quorumUp && s.sorry != nil && !s.sorry.alive:
		s.quorumUp = false
		if so := s.sorry; so != nil && !so.alive {
			s.performQuorumState(false) // the live servers leave
			s.ipvs(CmdAdd, so)
			so.alive = true
		}
		s.quorumNote(init, threshold, sum)
	}
}

// performQuorumState adds or removes every live real server
// (perform_quorum_state).
func (s *Service) performQuorumState(add bool) {
	for _, r := range s.reals {
		if !r.alive {
			continue
		}
		if add {
			s.ipvs(CmdAdd, r)
		} else {
			s.ipvs(CmdDel, r)
		}
	}
}

// quorumNote traces the quorum change and its notify command
// (do_vs_notifies): the command is never run.
func (s *Service) quorumNote(init bool, threshold, sum int) {
	ev, cmd := "quorum_down", s.cfg.QuorumDown
	if s.quorumUp {
		ev, cmd = "quorum_up", s.cfg.QuorumUp
	}
	why := "weight=" + strconv.Itoa(sum) + " threshold=" + strconv.Itoa(threshold)
	if init {
		why += " init"
	}
	if cmd != "" {
		why += " notify=" + cmd
	}
	s.note(ev, why)
}

// note emits a record about the whole service (Comp "check/VS").
func (s *Service) note(ev, why string) {
	s.env.Trace(sim.Record{Kind: sim.KindNote, Comp: "check/" + s.cfg.Name, Event: ev, Reason: why, From: s.cfg.Name})
}

func (s *Service) trace(r *Real, ev, why string) { s.traceReal(r, ev, why, 0) }

// traceReal emits a health record about real server r: a KindNote with
// Comp "check/VS/RS" as before, and the fields reports read: From = the
// virtual service, To = the real server, Value = the weight of an ipvs_*
// event, Value2 = 1 for the sorry server.
func (s *Service) traceReal(r *Real, ev, why string, weight int) {
	rec := sim.Record{Kind: sim.KindNote, Comp: "check/" + s.cfg.Name + "/" + r.Name, Event: ev, Reason: why, From: s.cfg.Name, To: r.Name, Value: int64(weight)}
	if r == s.sorry {
		rec.Value2 = 1
	}
	s.env.Trace(rec)
}
