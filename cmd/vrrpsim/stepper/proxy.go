package stepper

import (
	"fmt"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
)

// showNginx prints each worker's upstream state (one with zone): per
// server nginx's ngx_http_upstream_rr_peer_t fields, the smooth round
// robin's current and effective weights, open requests and failures,
// and whether max_fails has it out now.
func (s *Stepper) showNginx(b *strings.Builder, n *node.Node, all bool) {
	p := n.Proxy()
	if p == nil {
		if !all {
			fmt.Fprintf(b, "no nginx on %s\n", n.Name())
		}
		return
	}
	c := p.Config()
	state := "running"
	if !p.Running() {
		state = "stopped"
	}
	fmt.Fprintf(b, "%s nginx (%s): listen %s, upstream %s %s, proxy_next_upstream %s\n", n.Name(), state, c.Listen, c.Name, c.Method, c.NextUpstream)
	now := time.Duration(s.Now())
	for w, u := range p.Upstreams() {
		switch {
		case c.Zone:
			fmt.Fprintf(b, "  all workers (zone)\n")
		default:
			fmt.Fprintf(b, "  worker %d\n", w)
		}
		fmt.Fprintf(b, "    %-21s %6s %7s %9s %5s %5s  %s\n", "server", "weight", "current", "effective", "conns", "fails", "state")
		for _, list := range [][]upstream.Peer{u.Peers(), u.Backups()} {
			for i := range list {
				pe := &list[i]
				st := "up"
				switch {
				case pe.Down:
					st = "down"
				case pe.Unavailable(now):
					st = fmt.Sprintf("out (max_fails, checked at %ds)", pe.Checked)
				}
				if pe.Backup {
					st += ", backup"
				}
				fmt.Fprintf(b, "    %-21s %6d %7d %9d %5d %5d  %s\n", pe.Server, pe.Weight, pe.CurrentWeight, pe.EffectiveWeight, pe.Conns, pe.Fails, st)
			}
		}
	}
}
