package keepalived

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// Import reads the sources and writes the equivalent inline scenario
// YAML, each value with a comment naming where it was written. topo, if
// not nil, gives the segments and every node's interfaces (its routers
// named like the sources); without it Import builds LANs from what the
// configs mention and says what it guessed, as findings and as comments.
func Import(srcs []Source, topo *scenarios.Scenario, opts Options) ([]byte, []Finding) {
	nodes, scripts, cfgs, finds := Nodes(srcs, opts)
	w := &writer{}
	w.line(0, "# Written by `vrrpsim import` from keepalived.conf; each value's source is in a comment.")
	w.line(0, "name: import")
	w.line(0, "duration: 60s")
	var guesses map[string]string
	if topo == nil {
		var gf []Finding
		guesses, gf = guessInterfaces(nodes, cfgs, srcs)
		finds = append(finds, gf...)
	} else {
		finds = append(finds, fromTopology(nodes, topo)...)
	}
	segs := segmentsOf(nodes, topo)
	w.line(0, "segments:")
	for _, s := range segs {
		w.line(1, "%s: {}", s)
	}
	if len(scripts) > 0 {
		w.line(0, "scripts:")
		for _, sc := range scripts {
			w.line(1, "%s:%s", sc.Name, w.src(sc.Pos))
			w.line(2, "interval: %s%s", dur(sc.Interval), w.srcOf(sc.Src, "interval"))
			w.line(2, "weight: %d%s", sc.Weight, w.srcOf(sc.Src, "weight"))
			w.line(2, "rise: %d%s", sc.Rise, w.srcOf(sc.Src, "rise"))
			w.line(2, "fall: %d%s", sc.Fall, w.srcOf(sc.Src, "fall"))
			if len(sc.Argv) > 0 {
				w.line(2, "# argv (never run): %s", quoteArgv(sc.Argv))
			}
		}
	}
	w.line(0, "nodes:")
	for i, nd := range nodes {
		w.writeNode(nd, cfgs[i], guesses)
	}
	if topo != nil {
		for _, nd := range topo.Nodes {
			if nodeIndex(nodes, nd.Name) < 0 {
				w.line(1, "%s:", nd.Name)
				w.line(2, "kind: %s", nd.Kind)
				w.interfaces(nd, nil)
				w.topologyKeys(nd)
			}
		}
		if len(topo.Timeline) > 0 || len(topo.Expect) > 0 || hasTraffic(topo) {
			w.line(0, "# The topology's traffic, timeline and expect blocks are not copied (its servers' services, lo and tunl0 addresses and ARP sysctls are).")
		}
	}
	return []byte(w.b.String()), finds
}

func hasTraffic(s *scenarios.Scenario) bool {
	for _, n := range s.Nodes {
		if len(n.Traffic) > 0 {
			return true
		}
	}
	return false
}

func nodeIndex(nodes []*scenarios.Node, name string) int {
	for i, n := range nodes {
		if n.Name == name {
			return i
		}
	}
	return -1
}

type writer struct{ b strings.Builder }

func (w *writer) line(indent int, format string, args ...any) {
	w.b.WriteString(strings.Repeat("  ", indent))
	fmt.Fprintf(&w.b, format, args...)
	w.b.WriteByte('\n')
}

func (w *writer) src(p scenarios.Pos) string {
	if p.File == "" {
		return ""
	}
	return fmt.Sprintf("  # %s:%d", p.File, p.Line)
}

func (w *writer) srcOf(m map[string]scenarios.Pos, key string) string {
	if p, ok := m[key]; ok {
		return w.src(p)
	}
	return "  # default"
}

func dur(d time.Duration) string { return d.String() }

func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = fmt.Sprintf("%q", a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func (w *writer) routes(nd *scenarios.Node) {
	if len(nd.Routes) > 0 {
		w.line(2, "routes:")
		for _, r := range nd.Routes {
			w.line(3, "- {to: %s, via: %s}%s", r.To, r.Via, w.src(r.Pos))
		}
	}
}

func (w *writer) writeNode(nd *scenarios.Node, cfg *Config, guesses map[string]string) {
	w.line(1, "%s:", nd.Name)
	w.line(2, "kind: router")
	w.interfaces(nd, guesses)
	if ls := cfg.Global.LVSSyncDaemon; ls != nil {
		w.lvsSync(ls)
	}
	w.routes(nd)
	if len(cfg.Instances) > 0 {
		w.line(2, "vrrp:")
	}
	for _, in := range cfg.Instances {
		if in.VRID == 0 || in.Interface == "" {
			continue
		}
		w.instance(in)
	}
	if len(nd.SyncGroups) > 0 {
		w.line(2, "sync_groups:")
		for _, sg := range nd.SyncGroups {
			w.line(3, "%s: {group: [%s]}%s", sg.Name, strings.Join(sg.Instances, ", "), w.src(sg.Pos))
		}
	}
	if len(cfg.VirtualServers) > 0 {
		w.line(2, "virtual_server:")
		for _, vs := range cfg.VirtualServers {
			w.virtualServer(vs)
		}
	}
}

func (w *writer) interfaces(nd *scenarios.Node, guesses map[string]string) {
	if len(nd.Interfaces) == 0 {
		return
	}
	w.line(2, "interfaces:")
	for _, it := range nd.Interfaces {
		var parts []string
		if it.Segment != "" {
			parts = append(parts, "segment: "+it.Segment)
		}
		if len(it.Addresses) == 1 {
			parts = append(parts, "address: "+it.Addresses[0].String())
		} else if len(it.Addresses) > 1 {
			as := make([]string, len(it.Addresses))
			for i, a := range it.Addresses {
				as[i] = a.String()
			}
			parts = append(parts, "addresses: ["+strings.Join(as, ", ")+"]")
		}
		if it.Gateway.IsValid() {
			parts = append(parts, "gateway: "+it.Gateway.String())
		}
		if it.MAC != ([6]byte{}) {
			m := it.MAC
			parts = append(parts, fmt.Sprintf("mac: \"%02x:%02x:%02x:%02x:%02x:%02x\"", m[0], m[1], m[2], m[3], m[4], m[5]))
		}
		comment := w.src(it.Pos)
		if g, ok := guesses[nd.Name+"/"+it.Name]; ok {
			comment = "  # guessed: " + g
		}
		w.line(3, "%s: {%s}%s", it.Name, strings.Join(parts, ", "), comment)
	}
}

func (w *writer) instance(in *Instance) {
	w.line(3, "%s:%s", in.Name, w.src(in.Pos))
	kv := func(key, val string) { w.line(4, "%s: %s%s", key, val, w.srcOf(in.Src, key)) }
	kv("state", in.State)
	kv("interface", in.Interface)
	kv("virtual_router_id", fmt.Sprint(in.VRID))
	kv("priority", fmt.Sprint(in.Priority))
	kv("advert_int", dur(in.AdvertInt))
	kv("version", fmt.Sprint(in.Version))
	if in.NoPreempt {
		kv("nopreempt", "true")
	}
	if in.PreemptDelay > 0 {
		kv("preempt_delay", dur(in.PreemptDelay))
	}
	vips := make([]string, len(in.VirtualIPs))
	for i, p := range in.VirtualIPs {
		vips[i] = p.String()
	}
	kv("virtual_ipaddress", "["+strings.Join(vips, ", ")+"]")
	if in.Auth != nil {
		w.line(4, "authentication: {auth_type: %s, auth_pass: %q}%s", in.Auth.Type, in.Auth.Pass, w.src(in.Auth.Pos))
	}
	if in.UseVMAC {
		kv("use_vmac", "true")
	}
	kv("garp_master_delay", dur(in.GARPMasterDelay))
	kv("garp_master_repeat", fmt.Sprint(in.GARPMasterRepeat))
	if in.GARPMasterRefresh > 0 {
		kv("garp_master_refresh", dur(in.GARPMasterRefresh))
	}
	kv("garp_master_refresh_repeat", fmt.Sprint(in.GARPMasterRefreshRepeat))
	if in.GARPInterval > 0 {
		kv("garp_interval", dur(in.GARPInterval))
	}
	if in.UnicastSrcIP.IsValid() {
		kv("unicast_src_ip", in.UnicastSrcIP.String())
	}
	if len(in.UnicastPeers) > 0 {
		ps := make([]string, len(in.UnicastPeers))
		for i, a := range in.UnicastPeers {
			ps[i] = a.String()
		}
		kv("unicast_peer", "["+strings.Join(ps, ", ")+"]")
	}
	for _, tr := range []struct {
		key string
		ts  []*scenarios.Track
	}{{"track_interface", in.TrackInterfaces}, {"track_script", in.TrackScripts}} {
		if len(tr.ts) == 0 {
			continue
		}
		w.line(4, "%s:%s", tr.key, w.srcOf(in.Src, tr.key))
		for _, t := range tr.ts {
			w.line(5, "%s: {weight: %d}%s", t.Name, t.Weight, w.src(t.Pos))
		}
	}
	for _, n := range in.Notify {
		w.line(4, "# %s (never run): %s%s", n.Kind, quoteArgv(n.Argv), w.src(n.Pos))
	}
}

func (w *writer) virtualServer(vs *VirtualServer) {
	w.line(3, "%q:%s", vs.Name, w.src(vs.Pos))
	kv := func(key, val string) { w.line(4, "%s: %s%s", key, val, w.srcOf(vs.Src, key)) }
	kv("lb_algo", vs.LBAlgo)
	kv("lb_kind", vs.LBKind)
	kv("protocol", vs.Protocol)
	if vs.PersistenceTimeout > 0 {
		kv("persistence_timeout", dur(vs.PersistenceTimeout))
	}
	if vs.PersistenceGranularity != 32 {
		m := netip.PrefixFrom(netip.IPv4Unspecified(), vs.PersistenceGranularity)
		kv("persistence_granularity", maskString(m.Bits()))
	}
	if vs.OPS {
		kv("ops", "true")
	}
	for _, f := range vs.Flags {
		kv(f, "true")
	}
	if len(vs.LocalAddrs) > 0 {
		as := make([]string, len(vs.LocalAddrs))
		for i, a := range vs.LocalAddrs {
			as[i] = a.String()
		}
		kv("local_address", "["+strings.Join(as, ", ")+"]")
	}
	if vs.Sorry != nil {
		w.line(4, "sorry_server: %q%s", vs.Sorry.Name, w.src(vs.Sorry.Pos))
	}
	w.vsHealth(vs)
	if len(vs.Reals) > 0 {
		w.line(4, "real_server:")
		for _, rs := range vs.Reals {
			w.realServer(vs, rs)
		}
	}
}

func maskString(bits int) string {
	v := ^uint32(0) << (32 - bits)
	if bits == 0 {
		v = 0
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// segmentsOf lists the segments the nodes' interfaces use, in first-use
// order (and the topology's, if given).
func segmentsOf(nodes []*scenarios.Node, topo *scenarios.Scenario) []string {
	var out []string
	seen := map[string]bool{}
	addSeg := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if topo != nil {
		for _, s := range topo.Segments {
			addSeg(s.Name)
		}
	}
	for _, nd := range nodes {
		for _, it := range nd.Interfaces {
			addSeg(it.Segment)
		}
	}
	return out
}

// fromTopology copies each router's interfaces from the topology.
func fromTopology(nodes []*scenarios.Node, topo *scenarios.Scenario) []Finding {
	var finds []Finding
	for _, nd := range nodes {
		found := false
		for _, tn := range topo.Nodes {
			if tn.Name == nd.Name {
				nd.Interfaces, found = tn.Interfaces, true
				if len(nd.Routes) == 0 {
					nd.Routes = tn.Routes // no static_routes: the topology's
				}
			}
		}
		if !found {
			finds = append(finds, Finding{Pos: topo.Pos, Severity: SevError, Msg: "node " + nd.Name + " is not in the topology"})
		}
	}
	return finds
}

// guessInterfaces builds one LAN per interface name: the interface that
// carries VRRP instances on most nodes is "lan", the others "net-IF".
// Addresses come from static_ipaddress, then unicast_src_ip, then a host
// number in the first VIP's subnet (/24 when the VIP is /32); every guess
// is a note and a comment.
func guessInterfaces(nodes []*scenarios.Node, cfgs []*Config, srcs []Source) (map[string]string, []Finding) {
	guesses := map[string]string{}
	var finds []Finding
	count := map[string]int{}
	for _, c := range cfgs {
		for _, in := range c.Instances {
			count[in.Interface]++
		}
	}
	main, best := "", 0
	names := make([]string, 0, len(count))
	for k := range count {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if count[k] > best {
			main, best = k, count[k]
		}
	}
	used := map[netip.Addr]bool{}
	for _, c := range cfgs {
		for _, in := range c.Instances {
			for _, v := range in.VirtualIPs {
				used[v.Addr()] = true
			}
			if in.UnicastSrcIP.IsValid() {
				used[in.UnicastSrcIP] = true
			}
		}
		for _, a := range c.StaticAddrs {
			used[a.Prefix.Addr()] = true
		}
	}
	otherNet := 0
	subnetOf := map[string]netip.Prefix{}
	for i, nd := range nodes {
		c := cfgs[i]
		for _, ifn := range c.Interfaces() {
			seg := "lan"
			if ifn != main {
				seg = "net-" + ifn
			}
			it := &scenarios.Interface{Name: ifn, Segment: seg}
			why := ""
			for _, a := range c.StaticAddrs {
				if a.Dev == ifn && a.Prefix.Bits() < 32 {
					it.Addresses = append(it.Addresses, a.Prefix)
					it.Pos = a.Pos
				}
			}
			if len(it.Addresses) == 0 {
				sub, ok := subnetOf[seg]
				if !ok {
					sub = guessSubnet(c, ifn)
					if !sub.IsValid() {
						otherNet++
						sub = netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/24", 200+otherNet%50))
					}
					subnetOf[seg] = sub
				}
				var addr netip.Addr
				for _, in := range c.Instances {
					if in.Interface == ifn && in.UnicastSrcIP.IsValid() && sub.Contains(in.UnicastSrcIP) {
						addr, why = in.UnicastSrcIP, "unicast_src_ip in subnet "+sub.String()
					}
				}
				if !addr.IsValid() {
					addr = sub.Addr().Next()
					for used[addr] && sub.Contains(addr.Next()) {
						addr = addr.Next()
					}
					why = "address in " + sub.String()
				}
				used[addr] = true
				it.Addresses = []netip.Prefix{netip.PrefixFrom(addr, sub.Bits())}
				guesses[nd.Name+"/"+ifn] = why + ", segment " + seg
				finds = append(finds, Finding{Pos: interfacePos(c, ifn, srcs[i]), Severity: SevNote,
					Msg: fmt.Sprintf("guessed %s %s: %s on segment %s (%s); give --topology to set it", nd.Name, ifn, it.Addresses[0], seg, why)})
			}
			nd.Interfaces = append(nd.Interfaces, it)
		}
	}
	return guesses, finds
}

func displayOf(s Source) string {
	if s.Display != nil {
		return s.Display(s.Path)
	}
	return s.Path
}

// guessSubnet is the subnet of the first VIP on ifn: its own prefix, or
// the /24 around it when written as a bare address.
func guessSubnet(c *Config, ifn string) netip.Prefix {
	for _, in := range c.Instances {
		if in.Interface != ifn {
			continue
		}
		for _, v := range in.VirtualIPs {
			bits := v.Bits()
			if bits >= 31 {
				bits = 24
			}
			return netip.PrefixFrom(v.Addr(), bits).Masked()
		}
	}
	return netip.Prefix{}
}

// interfacePos is where the config first names ifn: an instance's
// interface keyword or a track_interface line, else the file's start.
func interfacePos(c *Config, ifn string, src Source) scenarios.Pos {
	for _, in := range c.Instances {
		if p, ok := in.Src["interface"]; ok && in.Interface == ifn {
			return p
		}
		for _, t := range in.TrackInterfaces {
			if t.Name == ifn {
				return t.Pos
			}
		}
	}
	if ls := c.Global.LVSSyncDaemon; ls != nil && ls.Interface == ifn {
		return ls.Pos
	}
	return scenarios.Pos{File: displayOf(src), Line: 1, Col: 1}
}
