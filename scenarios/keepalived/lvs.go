package keepalived

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

const vsNotModelled = "ip_family retry delay_before_retry warmup connect_timeout delay_loop inhibit_on_failure hashed flag-1 flag-2 flag-3 persistence_engine ha_suspend smtp_alert virtualhost snmp_name alpha omega quorum_up quorum_down quorum hysteresis sorry_server_inhibit sorry_server_lvs_method"

const rsNotModelled = "lvs_method inhibit_on_failure notify_up notify_down alpha retry delay_before_retry warmup connect_timeout delay_loop smtp_alert virtualhost snmp_name TCP_CHECK HTTP_GET SSL_GET MISC_CHECK SMTP_CHECK DNS_CHECK BFD_CHECK UDP_CHECK PING_CHECK FILE_CHECK"

// virtualServer reads virtual_server (check_parser.c vs_handler and its
// sub-keywords) onto scenarios.VirtualServer, with keepalived's defaults
// (lb_algo wlc, lb_kind NAT, TCP, weight 1).
func (p *parser) virtualServer(b *Stmt) {
	vs := &VirtualServer{VirtualServer: &scenarios.VirtualServer{Pos: b.Key.Pos, Protocol: "TCP",
		LBAlgo: scenarios.DefaultLBAlgo, LBKind: scenarios.DefaultLBKind, PersistenceGranularity: 32},
		Src: map[string]scenarios.Pos{}}
	args := words(b.Args)
	vs.Name = strings.Join(args, " ")
	switch {
	case len(args) == 2 && args[0] == "fwmark":
		v, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil || v == 0 {
			p.addAt(b, SevError, "bad fwmark %q; valid: 1..4294967295", args[1])
		}
		vs.FWMark = uint32(v)
	case len(args) == 2 && args[0] == "group":
		p.addAt(b, SevNote, "virtual_server group %s is not modelled yet; block skipped", args[1])
		return
	case len(args) == 2:
		ap, ok := addrPort(args[0], args[1])
		if !ok {
			p.addAt(b, SevError, "virtual_server %q: valid: IPV4-ADDRESS PORT or fwmark N", vs.Name)
			return
		}
		vs.VIP = ap
	default:
		p.addAt(b, SevError, "virtual_server %q: valid: IPV4-ADDRESS PORT, fwmark N or group NAME", vs.Name)
		return
	}
	for _, s := range b.Block {
		k := s.Key.Text
		switch k {
		case "lb_algo", "lvs_sched":
			if w, ok := p.arg(s, 0); ok {
				if !slices.Contains(scenarios.LBAlgos(), w.Text) {
					p.add(w.Pos, SevError, "unknown scheduler %q; valid: %s", w.Text, strings.Join(scenarios.LBAlgos(), " "))
				} else {
					vs.LBAlgo = w.Text
				}
			}
			k = "lb_algo"
		case "lb_kind", "lvs_method":
			if w, ok := p.arg(s, 0); ok {
				if up := strings.ToUpper(w.Text); slices.Contains(scenarios.LBKinds(), up) {
					vs.LBKind = up
				} else {
					p.add(w.Pos, SevError, "unknown lb_kind %q; valid: %s", w.Text, strings.Join(scenarios.LBKinds(), " "))
				}
			}
			k = "lb_kind"
		case "protocol":
			if w, ok := p.arg(s, 0); ok {
				if up := strings.ToUpper(w.Text); up == "TCP" || up == "UDP" {
					vs.Protocol = up
				} else {
					p.add(w.Pos, SevError, "protocol %q is not modelled; valid: TCP UDP", w.Text)
				}
			}
		case "persistence_timeout":
			vs.PersistenceTimeout = 6 * time.Minute // check_parser.c: no value means 360 s
			if len(s.Args) > 0 {
				if v, ok := p.intArg(s, 0, 1, 1<<31-1); ok {
					vs.PersistenceTimeout = time.Duration(v) * time.Second
				}
			}
		case "persistence_granularity":
			if w, ok := p.arg(s, 0); ok {
				a, err := netip.ParseAddr(w.Text)
				bits, okm := scenarios.MaskBits(a)
				if err != nil || !okm {
					p.add(w.Pos, SevError, "persistence_granularity %q is not a netmask", w.Text)
				} else {
					vs.PersistenceGranularity = bits
				}
			}
		case "ops":
			vs.OPS = true
		case "sh-port", "sh-fallback", "mh-port", "mh-fallback":
			vs.Flags = append(vs.Flags, k)
		case "sorry_server":
			if len(s.Args) >= 2 {
				if ap, ok := addrPort(s.Args[0].Text, s.Args[1].Text); ok {
					vs.Sorry = &scenarios.RealServer{Pos: s.Key.Pos, Name: s.Args[0].Text + " " + s.Args[1].Text, Addr: ap}
					break
				}
			}
			p.addAt(s, SevError, "sorry_server: valid: IPV4-ADDRESS PORT")
		case "real_server":
			p.realServer(vs, s)
			continue
		default:
			p.other(s, vsNotModelled)
			continue
		}
		vs.Src[k] = s.Key.Pos
	}
	if len(vs.Reals) == 0 {
		p.addAt(b, SevWarning, "virtual_server %s has no real_server", vs.Name)
	}
	p.cfg.VirtualServers = append(p.cfg.VirtualServers, vs)
}

func (p *parser) realServer(vs *VirtualServer, b *Stmt) {
	if len(b.Args) < 2 {
		p.addAt(b, SevError, "real_server: valid: IPV4-ADDRESS PORT { ... }")
		return
	}
	ap, ok := addrPort(b.Args[0].Text, b.Args[1].Text)
	if !ok {
		p.addAt(b, SevError, "real_server %s %s: valid: IPV4-ADDRESS PORT", b.Args[0].Text, b.Args[1].Text)
		return
	}
	rs := &scenarios.RealServer{Pos: b.Key.Pos, Name: b.Args[0].Text + " " + b.Args[1].Text, Addr: ap, Weight: 1}
	for _, s := range b.Block {
		switch s.Key.Text {
		case "weight":
			// check_parser.c weight_handler: 0..65535 (IPVS_WEIGHT_MAX).
			if v, ok := p.intArg(s, 0, 0, 65535); ok {
				rs.Weight = v
			}
		case "uthreshold":
			if v, ok := p.intArg(s, 0, 0, 1<<31-1); ok {
				rs.UThreshold = v
			}
		case "lthreshold":
			if v, ok := p.intArg(s, 0, 0, 1<<31-1); ok {
				rs.LThreshold = v
			}
		default:
			if hasWord(rsNotModelled, s.Key.Text) {
				p.addAt(s, SevNote, "%s is not modelled by the import yet (checkers: see docs/keepalived.md); ignored", s.Key.Text)
			} else {
				p.other(s, "")
			}
		}
	}
	vs.Reals = append(vs.Reals, rs)
}

func words(ws []Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

func addrPort(a, port string) (netip.AddrPort, bool) {
	return scenarios.ParseAddrPort(a + " " + port)
}
