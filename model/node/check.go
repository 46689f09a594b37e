package node

// keepalived's health checkers on a director node: each check.Service
// probes its real servers with real TCP from the node's stack and maps
// keepalived's IPVS commands onto the node's lb.Director. They start
// with the node (Start, Restart) and stop when it crashes.

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"

	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/lb/check"
	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// AddChecks attaches health checking to virtual services of the node's
// director; cfg.Name names the director's service (its label or display
// name). The director must be added first.
func (n *Node) AddChecks(cfgs []check.ServiceConfig) ([]*check.Service, error) {
	if n.director == nil {
		return nil, fmt.Errorf("node %s: health checks need a director (virtual_server)", n.cfg.Name)
	}
	var out []*check.Service
	for _, cfg := range cfgs {
		svc, ok := n.director.Service(cfg.Name)
		if !ok {
			return nil, fmt.Errorf("node %s: health checks for unknown virtual server %q", n.cfg.Name, cfg.Name)
		}
		env := &checkEnv{n: n, service: svc.Name(), reals: map[netip.AddrPort]lb.RealConfig{}}
		for _, r := range svc.Config().Reals {
			env.reals[r.Addr] = r
		}
		s, err := check.New(cfg, env)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n.cfg.Name, err)
		}
		env.svc = s
		n.checks = append(n.checks, env)
		out = append(out, s)
	}
	return out, nil
}

// startChecks starts the checkers (Start, Restart). keepalived starts
// with an empty IPVS table and adds what it wants; the director starts
// with every configured real server, so the ones keepalived leaves out
// (alpha) are removed here.
func (n *Node) startChecks() {
	for _, e := range n.checks {
		e.svc.Start()
		for _, r := range e.svc.Reals() {
			if !r.InTable() && e.dest(r.Addr) != nil {
				e.apply(check.CmdDel, r.Addr, 0)
			}
		}
	}
}

// stopChecks stops the checkers (Crash).
func (n *Node) stopChecks() {
	for _, e := range n.checks {
		e.svc.Stop()
	}
}

// checkEnv is the node as a check.Env for one virtual service.
type checkEnv struct {
	n       *Node
	service string
	svc     *check.Service
	reals   map[netip.AddrPort]lb.RealConfig // as configured: names and thresholds
}

func (e *checkEnv) Now() sim.Time                     { return e.n.clock.now() }
func (e *checkEnv) NewTimer(fn func()) sim.Resettable { return e.n.newTimer(fn) }
func (e *checkEnv) Trace(r sim.Record)                { e.n.trace(r) }
func (e *checkEnv) Stream(name string) *rand.Rand {
	return e.n.k.Stream("keepalived/" + e.n.cfg.Name + "/" + name)
}

// Probe opens the probe from the node's TCP stack. A probe that fails
// at once (no route) reports on the next event, never inside the call.
func (e *checkEnv) Probe(req check.ProbeRequest, done func(check.ProbeResult)) func() {
	var p *tcp.Probe
	inCall := true
	finish := func(r tcp.ProbeResult) {
		res := check.ProbeResult{Outcome: probeOutcome(r.Outcome), Status: r.Status, Digest: r.Digest}
		if inCall {
			e.n.k.After(0, func() { done(res) })
			return
		}
		done(res)
	}
	p, err := e.n.tcpStack().StartProbe(tcp.ProbeConfig{Name: req.Checker, From: req.From, To: req.To, Timeout: req.Timeout,
		HTTP: req.HTTP, Path: req.Path, Host: req.Host, TLSRoundTrips: req.TLSRoundTrips, Digest: req.Digest}, finish)
	inCall = false
	if err != nil {
		e.n.note("check/"+e.service, "probe_error", err.Error())
		e.n.k.After(0, func() { done(check.ProbeResult{Outcome: check.ProbeNoRoute}) })
		return func() {}
	}
	return p.Cancel
}

func probeOutcome(o tcp.ProbeOutcome) check.Outcome {
	switch o {
	case tcp.ProbeOK:
		return check.ProbeOK
	case tcp.ProbeRefused:
		return check.ProbeRefused
	case tcp.ProbeTimeout:
		return check.ProbeTimeout
	case tcp.ProbeReset:
		return check.ProbeReset
	}
	return check.ProbeNoRoute
}

// IPVS applies keepalived's command to the director. The sorry server is
// left to the director, which adds it while no real server is left.
func (e *checkEnv) IPVS(cmd check.Cmd, rs netip.AddrPort, w int) { e.apply(cmd, rs, w) }

// dest is real server rs as the director holds it, nil when absent.
func (e *checkEnv) dest(rs netip.AddrPort) *sched.Dest {
	s, ok := e.n.director.Service(e.service)
	r, known := e.reals[rs]
	if !ok || !known {
		return nil
	}
	return s.Sched().Find(r.Name)
}

func (e *checkEnv) apply(cmd check.Cmd, rs netip.AddrPort, w int) {
	r, ok := e.reals[rs]
	if !ok {
		return // the sorry server
	}
	d := e.n.director
	var err error
	switch x := e.dest(rs); {
	case cmd == check.CmdDel:
		err = d.RemoveReal(e.service, r.Name)
	case x != nil:
		// Add of a server the director still holds (the start), or an
		// edit: only the weight can differ.
		if x.Weight != w {
			err = d.SetWeight(e.service, r.Name, w)
		}
	default:
		r.Weight = w
		err = d.AddReal(e.service, r)
	}
	if err != nil {
		e.n.note("check/"+e.service, "ipvs_error", err.Error())
	}
}

// SetMiscCheck sets the exit status the MISC_CHECK scripts of real
// server rs of the virtual service return from now on (the timeline's
// misc_check: no script ever runs; 0 is up, 1 down, 2..255 up with
// weight status-2 under misc_dynamic). The note names the real server
// in To, as the checkers' records do, so reports can time its removal
// from here.
func (n *Node) SetMiscCheck(service string, rs netip.AddrPort, status int) error {
	for _, e := range n.checks {
		if e.service != service && !e.hasLabel(service) {
			continue
		}
		if e.svc.SetMiscStatus(rs, status) {
			name := rs.String()
			if r, ok := e.reals[rs]; ok {
				name = r.Name
			}
			n.trace(sim.Record{Kind: sim.KindNote, Comp: "check/" + e.service, Event: "misc_result",
				Reason: rs.String() + " exit=" + strconv.Itoa(status), From: e.service, To: name, Value: int64(status)})
			return nil
		}
	}
	return fmt.Errorf("node %s: no MISC_CHECK for real server %v of virtual server %q", n.cfg.Name, rs, service)
}

// hasLabel reports whether the director knows the service as label.
func (e *checkEnv) hasLabel(label string) bool {
	s, ok := e.n.director.Service(label)
	return ok && s.Name() == e.service
}
