package keepalived

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/check"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

// The health-checking and sync-daemon part of the import: the inline keys
// scenarios/checks.go and scenarios/lbsync.go decode, so the imported
// YAML loads into the same values the config gave.

func (w *writer) lvsSync(ls *scenarios.LVSSync) {
	f := []string{"interface: " + ls.Interface, "instance: " + ls.Instance, fmt.Sprintf("id: %d", ls.ID)}
	for _, o := range []struct {
		key string
		v   int
	}{{"maxlen", ls.MaxLen}, {"port", ls.Port}, {"ttl", ls.TTL}} {
		if o.v != 0 {
			f = append(f, fmt.Sprintf("%s: %d", o.key, o.v))
		}
	}
	if ls.Group.IsValid() {
		f = append(f, "group: "+ls.Group.String())
	}
	w.line(2, "lvs_sync_daemon: {%s}%s", strings.Join(f, ", "), w.src(ls.Pos))
}

// timingKeys are a Timing's set values as inline keys, in a fixed order.
func timingKeys(t check.Timing) []string {
	var f []string
	for _, d := range []struct {
		key string
		v   check.Opt[time.Duration]
	}{{"delay_loop", t.DelayLoop}, {"connect_timeout", t.ConnectTimeout}, {"delay_before_retry", t.DelayBeforeRetry}, {"warmup", t.Warmup}} {
		if d.v.Set {
			f = append(f, d.key+": "+dur(d.v.V))
		}
	}
	if t.Retry.Set {
		f = append(f, fmt.Sprintf("retry: %d", t.Retry.V))
	}
	if t.Alpha.Set {
		f = append(f, fmt.Sprintf("alpha: %t", t.Alpha.V))
	}
	return f
}

// vsHealth writes a virtual_server's health keys, one a line.
func (w *writer) vsHealth(vs *VirtualServer) {
	h := vs.Health
	f := timingKeys(h.Timing)
	if h.Inhibit {
		f = append(f, "inhibit_on_failure: true")
	}
	if h.Omega {
		f = append(f, "omega: true")
	}
	if h.Quorum != 0 {
		f = append(f, fmt.Sprintf("quorum: %d", h.Quorum))
	}
	if h.Hysteresis != 0 {
		f = append(f, fmt.Sprintf("hysteresis: %d", h.Hysteresis))
	}
	if h.QuorumUp != "" {
		f = append(f, fmt.Sprintf("quorum_up: %q", h.QuorumUp))
	}
	if h.QuorumDown != "" {
		f = append(f, fmt.Sprintf("quorum_down: %q", h.QuorumDown))
	}
	if h.SorryInhibit {
		f = append(f, "sorry_server_inhibit: true")
	}
	for _, kv := range f {
		key, _, _ := strings.Cut(kv, ":")
		w.line(4, "%s%s", kv, w.srcOf(vs.Src, key))
	}
}

// realServer writes one real_server: one line when it has no health
// keys, else a block with a line per checker.
func (w *writer) realServer(vs *VirtualServer, rs *scenarios.RealServer) {
	f := []string{fmt.Sprintf("weight: %d", rs.Weight), fmt.Sprintf("uthreshold: %d", rs.UThreshold), fmt.Sprintf("lthreshold: %d", rs.LThreshold)}
	if rs.Health.Inhibit.Set {
		f = append(f, fmt.Sprintf("inhibit_on_failure: %t", rs.Health.Inhibit.V))
	}
	f = append(f, timingKeys(rs.Health.Timing)...)
	if len(rs.Health.Checkers) == 0 {
		w.line(5, "%q: {%s}%s", rs.Name, strings.Join(f, ", "), w.src(rs.Pos))
		return
	}
	w.line(5, "%q:%s", rs.Name, w.src(rs.Pos))
	for _, kv := range f {
		w.line(6, "%s", kv)
	}
	mi := 0
	for _, c := range rs.Health.Checkers {
		var m *MiscScript
		if c.Cfg.Kind == check.KindMisc {
			for ; mi < len(vs.Misc); mi++ {
				if vs.Misc[mi].Real == rs.Name && vs.Misc[mi].Pos == c.Pos {
					m = &vs.Misc[mi]
					break
				}
			}
		}
		w.line(6, "%s: {%s}%s", c.Cfg.Kind, strings.Join(checkerKeys(c.Cfg, m), ", "), w.src(c.Pos))
		if m != nil {
			w.line(6, "# misc_path argv (never run): %s", quoteArgv(m.Argv))
		}
	}
}

// checkerKeys are a checker's inline keys.
func checkerKeys(c check.CheckerConfig, m *MiscScript) []string {
	var f []string
	if len(c.URLs) > 0 {
		us := make([]string, len(c.URLs))
		for i, u := range c.URLs {
			k := []string{fmt.Sprintf("path: %q", u.Path)}
			if len(u.StatusCode) > 0 {
				sc := make([]string, len(u.StatusCode))
				for j, r := range u.StatusCode {
					sc[j] = fmt.Sprintf("%q", fmt.Sprint(r.Min))
					if r.Max != r.Min {
						sc[j] = fmt.Sprintf("\"%d-%d\"", r.Min, r.Max)
					}
				}
				k = append(k, "status_code: ["+strings.Join(sc, ", ")+"]")
			}
			if u.HasDigest {
				k = append(k, fmt.Sprintf("digest: %x", u.Digest))
			}
			us[i] = "{" + strings.Join(k, ", ") + "}"
		}
		f = append(f, "url: ["+strings.Join(us, ", ")+"]")
	}
	if c.ConnectIP.IsValid() {
		f = append(f, "connect_ip: "+c.ConnectIP.String())
	}
	if c.ConnectPort != 0 {
		f = append(f, fmt.Sprintf("connect_port: %d", c.ConnectPort))
	}
	if c.BindTo.IsValid() {
		f = append(f, "bindto: "+c.BindTo.String())
	}
	f = append(f, timingKeys(c.Timing)...)
	if c.Virtualhost != "" {
		f = append(f, fmt.Sprintf("virtualhost: %q", c.Virtualhost))
	}
	if c.FastRecovery {
		f = append(f, "fast_recovery: true")
	}
	if m != nil {
		f = append(f, fmt.Sprintf("misc_path: %q", strings.Join(m.Argv, " ")))
		if m.Timeout > 0 {
			f = append(f, "misc_timeout: "+dur(m.Timeout))
		}
		if m.User != "" {
			f = append(f, fmt.Sprintf("user: %q", m.User))
		}
	}
	if c.MiscDynamic {
		f = append(f, "misc_dynamic: true")
	}
	return f
}

// topologyKeys copies what a topology's node needs to carry a director's
// traffic: its addresses on lo and tunl0 (the VIP of DR and TUN real
// servers), its routes, the ARP sysctls that keep the DR VIP to itself,
// and its services.
func (w *writer) topologyKeys(nd *scenarios.Node) {
	if len(nd.Loopback) > 0 || nd.HasTunnel {
		if len(nd.Interfaces) == 0 {
			w.line(2, "interfaces:")
		}
		for _, d := range []struct {
			name  string
			addrs []netip.Prefix
			on    bool
		}{{scenarios.DevLoopback, nd.Loopback, len(nd.Loopback) > 0}, {scenarios.DevTunnel, nd.Tunnel, nd.HasTunnel}} {
			if !d.on {
				continue
			}
			as := make([]string, len(d.addrs))
			for i, a := range d.addrs {
				as[i] = a.String()
			}
			w.line(3, "%s: {addresses: [%s]}", d.name, strings.Join(as, ", "))
		}
	}
	w.routes(nd)
	if nd.ARPIgnore != 0 {
		w.line(2, "arp_ignore: %d", nd.ARPIgnore)
	}
	if nd.ARPAnnounce != 0 {
		w.line(2, "arp_announce: %d", nd.ARPAnnounce)
	}
	if len(nd.Services) > 0 {
		w.line(2, "services:")
		for _, sv := range nd.Services {
			w.line(3, "- {port: %d, response_time: %s, response_size: %d}%s", sv.Port, dur(sv.ResponseTime), sv.ResponseSize, w.src(sv.Pos))
		}
	}
}
