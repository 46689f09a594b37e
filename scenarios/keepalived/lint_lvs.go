package keepalived

import (
	"fmt"
	"strings"

	"github.com/vrrpsim/vrrpsim/model/lb/check"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

// virtualServers compares the virtual_server blocks two directors give
// one service (a director pair runs the same ones: on a takeover the
// backup's IPVS table and checkers take over the traffic). keepalived has
// no such check; a real server, a weight, a scheduler or a checker
// missing on one side only shows after the takeover.
func (l *linter) virtualServers() {
	type seen struct {
		node string
		vs   *VirtualServer
	}
	first := map[string]seen{}
	for _, n := range l.nodes {
		for _, vs := range n.Config.VirtualServers {
			prev, ok := first[vs.Name]
			if !ok {
				first[vs.Name] = seen{n.Name, vs}
				continue
			}
			if prev.node == n.Name {
				continue
			}
			if diff := poolDiff(prev.vs, vs); diff != "" {
				l.out = append(l.out, Finding{Pos: vs.Pos, Severity: SevWarning, Node: n.Name,
					Also: []Place{{Pos: prev.vs.Pos, Node: prev.node}},
					Msg: fmt.Sprintf("virtual_server %s differs between %s and %s: %s; after a takeover the new master balances and checks otherwise",
						vs.Name, n.Name, prev.node, diff)})
			}
		}
	}
}

// poolDiff says how b differs from a ("" when alike): scheduling,
// forwarding, persistence, real servers and their weights, and the
// health checking, as each would run.
func poolDiff(a, b *VirtualServer) string {
	var d []string
	for _, f := range []struct{ what, x, y string }{
		{"lb_algo", a.LBAlgo, b.LBAlgo},
		{"lb_kind", a.LBKind, b.LBKind},
		{"protocol", a.Protocol, b.Protocol},
		{"persistence_timeout", a.PersistenceTimeout.String(), b.PersistenceTimeout.String()},
		{"health", healthText(a.Health), healthText(b.Health)},
		{"sorry_server", sorryText(a.VirtualServer), sorryText(b.VirtualServer)},
	} {
		if f.x != f.y {
			d = append(d, fmt.Sprintf("%s %s here, %s there", f.what, f.y, f.x))
		}
	}
	reals := map[string]*scenarios.RealServer{}
	for _, rs := range a.Reals {
		reals[rs.Addr.String()] = rs
	}
	for _, rs := range b.Reals {
		o, ok := reals[rs.Addr.String()]
		delete(reals, rs.Addr.String())
		switch {
		case !ok:
			d = append(d, "real_server "+rs.Name+" only here")
		case o.Weight != rs.Weight:
			d = append(d, fmt.Sprintf("real_server %s weight %d here, %d there", rs.Name, rs.Weight, o.Weight))
		case checksText(o) != checksText(rs):
			d = append(d, "real_server "+rs.Name+" checked otherwise ("+checksText(rs)+" here, "+checksText(o)+" there)")
		}
	}
	for _, rs := range a.Reals {
		if _, only := reals[rs.Addr.String()]; only {
			d = append(d, "real_server "+rs.Name+" only there")
		}
	}
	return strings.Join(d, "; ")
}

func healthText(h scenarios.VSHealth) string {
	return fmt.Sprintf("%s inhibit=%t omega=%t quorum=%d hysteresis=%d", timingText(h.Timing), h.Inhibit, h.Omega, h.Quorum, h.Hysteresis)
}

func sorryText(vs *scenarios.VirtualServer) string {
	if vs.Sorry == nil {
		return "none"
	}
	return vs.Sorry.Name
}

// timingText shows the set timing keys.
func timingText(t check.Timing) string {
	f := timingKeys(t)
	if len(f) == 0 {
		return "defaults"
	}
	return strings.Join(f, " ")
}

// checksText is a real server's checkers as they would run.
func checksText(rs *scenarios.RealServer) string {
	var f []string
	for _, c := range rs.Health.Checkers {
		f = append(f, c.Cfg.Kind.String()+"{"+strings.Join(checkerKeys(c.Cfg, nil), " ")+"}")
	}
	if len(f) == 0 {
		return "no checker"
	}
	return strings.Join(f, " ") + " " + timingText(rs.Health.Timing)
}
