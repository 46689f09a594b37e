package scenarios

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/vrrpsim/vrrpsim/model/arp"
)

// refKind is the kind of thing a name refers to.
type refKind int

const (
	refNode refKind = iota
	refSegment
	refScript
	refInterface // scoped to node
	refInstance  // scoped to node
	refRouterInstance
	refFlow
)

// ref is a name used somewhere in the file that must name something defined
// elsewhere; validation resolves them all once everything is decoded.
type ref struct {
	pos  Pos
	kind refKind
	name string
	node string // scope for refInterface / refInstance
	what string // "timeline action crash", for messages
}

func (d *decoder) ref(p Pos, k refKind, name, node, what string) {
	d.refs = append(d.refs, ref{pos: p, kind: k, name: name, node: node, what: what})
}

var topKeys = []string{"name", "description", "duration", "seed", "segments", "scripts", "nodes", "timeline", "expect"}

func (d *decoder) scenario(root ast.Node) *Scenario {
	s := &Scenario{Pos: d.pos(root), Duration: DefaultDuration, Seed: DefaultSeed}
	o := d.object(root, "", "the scenario", topKeys)
	if v, ok := o.str("name"); ok {
		s.Name = v
	} else if !o.has("name") {
		o.missing(s.Pos, "missing key \"name\" in the scenario; valid: name: my-scenario")
	}
	if v, ok := o.str("description"); ok {
		s.Description = v
	}
	if v, ok := o.duration("duration"); ok {
		if v <= 0 {
			o.bad("duration", "must be positive; valid: %s", durationHint)
		} else {
			s.Duration = v
		}
	}
	if v, ok := o.uint64Value("seed"); ok {
		s.Seed = v
	}
	for _, e := range d.defined(d.named(o.node("segments"), "segments", "segments"), "segment") {
		s.Segments = append(s.Segments, d.segment(e))
	}
	for _, e := range d.defined(d.named(o.node("scripts"), "scripts", "scripts"), "script") {
		s.Scripts = append(s.Scripts, d.script(e))
	}
	for _, e := range d.defined(d.named(o.node("nodes"), "nodes", "nodes"), "node") {
		s.Nodes = append(s.Nodes, d.node(e))
	}
	for i, n := range d.items(o.node("timeline"), "timeline", "timeline") {
		if ev := d.event(n, fmt.Sprintf("timeline.%d", i)); ev != nil {
			s.Timeline = append(s.Timeline, ev)
		}
	}
	for i, n := range d.items(o.node("expect"), "expect", "expect") {
		if ex := d.expectation(n, fmt.Sprintf("expect.%d", i)); ex != nil {
			s.Expect = append(s.Expect, ex)
		}
	}
	return s
}

var segmentKeys = []string{"latency", "jitter", "loss", "fdb_aging"}

func (d *decoder) segment(e entry) *Segment {
	sg := &Segment{Pos: e.keyPos, Name: e.key, Latency: DefaultLatency, FDBAging: DefaultFDBAging}
	o := d.object(e.val, "segments."+e.key, "segment "+e.key, segmentKeys)
	if v, ok := o.duration("latency"); ok {
		sg.Latency = v
	}
	if v, ok := o.duration("jitter"); ok {
		sg.Jitter = v
	}
	if v, ok := o.loss("loss"); ok {
		sg.Loss = v
	}
	if v, ok := o.duration("fdb_aging"); ok {
		sg.FDBAging = v
	}
	return sg
}

var scriptKeys = []string{"interval", "weight", "rise", "fall"}

func (d *decoder) script(e entry) *Script {
	sc := &Script{Pos: e.keyPos, Name: e.key, Interval: DefaultAdvertInt, Rise: 1, Fall: 1}
	o := d.object(e.val, "scripts."+e.key, "script "+e.key, scriptKeys)
	if v, ok := o.duration("interval"); ok {
		sc.Interval = v
	}
	// keepalived: weight must be in -253..253.
	if v, ok := o.intIn("weight", -253, 253); ok {
		sc.Weight = int(v)
	}
	if v, ok := o.intIn("rise", 1, 1<<20); ok {
		sc.Rise = int(v)
	}
	if v, ok := o.intIn("fall", 1, 1<<20); ok {
		sc.Fall = int(v)
	}
	return sc
}

var nodeKeys = []string{"kind", "interfaces", "routes", "vrrp", "sync_groups", "traffic", "arp", "arp_announce", "arp_ignore", "forwarding", "clock_drift", "timer_jitter", "virtual_server", "services", "fwmarks", "keepalived_conf", "config_id", "proxy", "lvs_sync_daemon", "ipvs_sysctl"}

var nodeKinds = []string{string(KindRouter), string(KindHost), string(KindServer)}

func (d *decoder) node(e entry) *Node {
	path := "nodes." + e.key
	nd := &Node{Pos: e.keyPos, Name: e.key, ARP: DefaultARP()}
	o := d.object(e.val, path, "node "+e.key, nodeKeys)
	if v, ok := o.str("kind"); ok {
		if contains(nodeKinds, v) {
			nd.Kind = NodeKind(v)
		} else {
			o.bad("kind", "unknown kind %q; valid: %s", v, quoteList(nodeKinds))
		}
	} else if !o.has("kind") {
		o.missing(e.keyPos, "missing key \"kind\" in node %s; valid: kind: %s", e.key, strings.Join(nodeKinds, " | "))
	}
	nd.Forwarding = nd.Kind == KindRouter
	if v, ok := o.boolean("forwarding"); ok {
		nd.Forwarding = v
	}
	for _, ie := range d.defined(d.named(o.node("interfaces"), path+".interfaces", "interfaces of "+e.key), "interface") {
		if ifc := d.iface(ie, nd, path+".interfaces."+ie.key); ifc != nil {
			nd.Interfaces = append(nd.Interfaces, ifc)
		}
	}
	for i, rn := range d.items(o.node("routes"), path+".routes", "routes of "+e.key) {
		if r := d.route(rn, fmt.Sprintf("%s.routes.%d", path, i), e.key); r != nil {
			nd.Routes = append(nd.Routes, r)
		}
	}
	if o.has("vrrp") && nd.Kind != KindRouter && nd.Kind != "" {
		d.add(o.keyAt("vrrp"), "vrrp in node %s of kind %s; valid: vrrp instances only on kind router", e.key, nd.Kind)
	}
	for _, ve := range d.defined(d.named(o.node("vrrp"), path+".vrrp", "vrrp instances of "+e.key), "vrrp instance") {
		nd.VRRP = append(nd.VRRP, d.instance(ve, nd, path+".vrrp."+ve.key))
	}
	for _, ge := range d.defined(d.named(o.node("sync_groups"), path+".sync_groups", "sync_groups of "+e.key), "sync group") {
		g := &SyncGroup{Pos: ge.keyPos, Name: ge.key}
		gobj := d.object(ge.val, path+".sync_groups."+ge.key, "sync group "+ge.key+" of "+e.key, append([]string{"group"}, groupNotifyKeys...))
		if !gobj.has("group") {
			gobj.missing(ge.keyPos, "missing key \"group\" in sync group %s; valid: group: [VI_1, VI_2]", ge.key)
		}
		for _, m := range d.names(gobj.node("group"), "group of sync group "+ge.key) {
			g.Instances = append(g.Instances, m.Name)
			g.MemberPos = append(g.MemberPos, m.Pos)
			d.ref(m.Pos, refInstance, m.Name, e.key, "sync group "+ge.key)
		}
		g.Notify = d.notify(gobj)
		nd.SyncGroups = append(nd.SyncGroups, g)
	}
	if o.has("traffic") && nd.Kind == KindRouter {
		d.add(o.keyAt("traffic"), "traffic in router %s; valid: traffic only on kind host or server", e.key)
	}
	counts := map[FlowKind]int{}
	for i, tn := range d.items(o.node("traffic"), path+".traffic", "traffic of "+e.key) {
		if f := d.flow(tn, fmt.Sprintf("%s.traffic.%d", path, i), e.key, counts); f != nil {
			nd.Traffic = append(nd.Traffic, f)
		}
	}
	// Always decoded (a missing arp: is an empty one) so that overrides
	// like nodes.h1.arp.profile work on files that do not write arp:.
	d.arp(o.node("arp"), path+".arp", e.key, &nd.ARP)
	if v, ok := o.intIn("arp_announce", 0, 2); ok {
		nd.ARPAnnounce = int(v)
	}
	// clock drift: real oscillators are within +-100 ppm; allow up to 1%.
	// {random: N} draws the drift per run from the node's own stream.
	switch base(o.node("clock_drift")).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		cd := d.object(o.node("clock_drift"), path+".clock_drift", "clock_drift of "+e.key, []string{"random"})
		if v, ok := cd.number("random", 0, 10000); ok {
			nd.ClockDriftRandom = v
		}
	default:
		if v, ok := o.number("clock_drift", -10000, 10000); ok {
			nd.ClockDrift = v
		}
	}
	if v, ok := o.duration("timer_jitter"); ok {
		nd.TimerJitter = v
	}
	if v, ok := o.intIn("arp_ignore", 0, 8); ok {
		nd.ARPIgnore = d.arpIgnore(o.at("arp_ignore"), int(v))
	}
	if o.has("virtual_server") && nd.Kind != KindRouter && nd.Kind != "" {
		d.add(o.keyAt("virtual_server"), "virtual_server in node %s of kind %s; valid: a director is a node of kind router", e.key, nd.Kind)
	}
	for _, ve := range d.named(o.node("virtual_server"), path+".virtual_server", "virtual_server of "+e.key) {
		nd.VirtualServers = append(nd.VirtualServers, d.virtualServer(ve, nd, path+".virtual_server."+ve.key))
	}
	for i, mn := range d.items(o.node("fwmarks"), path+".fwmarks", "fwmarks of "+e.key) {
		if r := d.markRule(mn, fmt.Sprintf("%s.fwmarks.%d", path, i), e.key); r != nil {
			nd.FWMarks = append(nd.FWMarks, r)
		}
	}
	if o.has("fwmarks") && nd.Kind != KindRouter && nd.Kind != "" {
		d.add(o.keyAt("fwmarks"), "fwmarks in node %s of kind %s; valid: only on a director (kind router)", e.key, nd.Kind)
	}
	ports := map[int]bool{}
	for i, sn := range d.items(o.node("services"), path+".services", "services of "+e.key) {
		if sv := d.service(sn, fmt.Sprintf("%s.services.%d", path, i), e.key); sv != nil {
			if ports[sv.Port] {
				d.add(sv.Pos, "port %d of %s is served twice; valid: one service per port", sv.Port, e.key)
			}
			ports[sv.Port] = true
			nd.Services = append(nd.Services, sv)
		}
	}
	d.keepalivedKeys(o, nd)   // kaconf_conf.go
	d.lbSyncKeys(o, nd, path) // lbsync.go
	d.proxyNode(o, nd)        // proxy.go
	return nd
}

// arpIgnore checks an arp_ignore value: the modes Linux's arp_ignore()
// implements that vrrpsim models.
func (d *decoder) arpIgnore(p Pos, v int) int {
	switch v {
	case 0, 1, 2, 8:
	default:
		d.add(p, "arp_ignore %d is not modelled; valid: 0 (reply for any local address), 1 (only for addresses on the incoming interface), 2 (1, and the sender on that subnet), 8 (never reply)", v)
	}
	return v
}

var ifaceKeys = []string{"segment", "address", "addresses", "gateway", "mac", "arp_ignore", "arp_announce"}

// Devices with no segment: their addresses are local to the node.
const (
	DevLoopback = "lo"
	DevTunnel   = "tunl0"
)

func (d *decoder) iface(e entry, nd *Node, path string) *Interface {
	ifc := &Interface{Pos: e.keyPos, Name: e.key}
	what := "interface " + e.key + " of " + nd.Name
	if e.key == DevLoopback || e.key == DevTunnel {
		d.device(e, nd, path, what)
		return nil
	}
	o := d.object(e.val, path, what, ifaceKeys)
	if v, ok := o.intIn("arp_ignore", 0, 8); ok {
		ifc.ARPIgnore = d.arpIgnore(o.at("arp_ignore"), int(v))
	}
	if v, ok := o.intIn("arp_announce", 0, 2); ok {
		ifc.ARPAnnounce = int(v)
	}
	if v, ok := o.str("segment"); ok {
		ifc.Segment = v
		d.ref(o.at("segment"), refSegment, v, "", what)
	} else if !o.has("segment") {
		o.missing(e.keyPos, "missing key \"segment\" in %s; valid: segment: NAME of a segment", what)
	}
	if n, ok := o.lookup("address"); ok {
		if p, ok := d.prefix(n, "address of "+what, -1); ok {
			ifc.Addresses = append(ifc.Addresses, p)
		}
	}
	for _, n := range d.list(o.node("addresses"), "addresses of "+what) {
		if p, ok := d.prefix(n, "address of "+what, -1); ok {
			ifc.Addresses = append(ifc.Addresses, p)
		}
	}
	if v, ok := o.addr("gateway"); ok {
		ifc.Gateway = v
		if nd.Kind == KindRouter {
			d.add(o.keyAt("gateway"), "gateway in %s: a router has no default gateway; valid: routes: [{to: 0.0.0.0/0, via: ADDRESS}]", what)
		}
	}
	if n, ok := o.lookup("mac"); ok {
		if m, ok := d.mac(n, what); ok {
			ifc.MAC = m
		}
	}
	return ifc
}

func (d *decoder) route(n ast.Node, path, node string) *Route {
	what := "route of " + node
	o := d.object(n, path, what, []string{"to", "via"})
	r := &Route{Pos: o.pos}
	if s, ok := o.str("to"); ok {
		if s == "default" {
			r.To = netip.MustParsePrefix("0.0.0.0/0")
		} else if p, ok := d.prefix(o.node("to"), "destination of "+what, 32); ok {
			r.To = p.Masked()
		}
	} else if !o.has("to") {
		o.missing(o.pos, "missing key \"to\" in %s; valid: to: 0.0.0.0/0 (or default)", what)
	}
	if v, ok := o.addr("via"); ok {
		r.Via = v
	} else if !o.has("via") {
		o.missing(o.pos, "missing key \"via\" in %s; valid: via: NEXT-HOP ADDRESS", what)
	}
	return r
}

var instanceKeys = []string{
	"state", "interface", "virtual_router_id", "priority", "advert_int", "version",
	"nopreempt", "preempt_delay", "virtual_ipaddress", "authentication", "use_vmac",
	"garp_master_delay", "garp_master_repeat", "garp_master_refresh", "garp_master_refresh_repeat",
	"garp_interval", "unicast_src_ip", "unicast_peer", "track_interface", "track_script", "track",
	"notify_master", "notify_backup", "notify_fault", "notify_stop", "notify", "notify_fifo", "notify_master_rx_lower_pri", // notify.go
}

func (d *decoder) instance(e entry, nd *Node, path string) *Instance {
	in := &Instance{
		Pos: e.keyPos, Name: e.key, State: "BACKUP", Priority: DefaultPriority,
		AdvertInt: DefaultAdvertInt, Version: DefaultVersion,
		GARPMasterDelay: DefaultGARPMasterDelay, GARPMasterRepeat: DefaultGARPMasterRepeat,
		GARPMasterRefreshRepeat: DefaultGARPMasterRefreshRepeat,
	}
	what := "vrrp instance " + e.key + " of " + nd.Name
	o := d.object(e.val, path, what, instanceKeys)
	if v, ok := o.str("state"); ok {
		if v == "MASTER" || v == "BACKUP" {
			in.State = v
		} else {
			o.bad("state", "unknown state %q; valid: MASTER, BACKUP", v)
		}
	}
	if v, ok := o.str("interface"); ok {
		in.Interface = v
		d.ref(o.at("interface"), refInterface, v, nd.Name, what)
	} else if !o.has("interface") {
		o.missing(e.keyPos, "missing key \"interface\" in %s; valid: interface: NAME of one of %s's interfaces", what, nd.Name)
	}
	// RFC 3768 section 5.3.3 / RFC 5798 section 5.2.3: VRID is 1..255.
	if v, ok := o.intIn("virtual_router_id", 1, 255); ok {
		in.VRID = int(v)
	} else if !o.has("virtual_router_id") {
		o.missing(e.keyPos, "missing key \"virtual_router_id\" in %s; valid: virtual_router_id: 1..255", what)
	}
	// RFC 3768 section 5.3.4: 255 is the address owner, 0 is only sent on
	// shutdown, so a configured priority is 1..255.
	if v, ok := o.intIn("priority", 1, 255); ok {
		in.Priority = int(v)
	}
	// keepalived vrrp_parser.c: without "state", priority 255 (the address
	// owner) starts as MASTER; "state MASTER" without "priority" means 255.
	switch {
	case !o.has("state") && o.has("priority") && in.Priority == 255:
		in.State = "MASTER"
	case in.State == "MASTER" && !o.has("priority"):
		in.Priority = 255
	}
	if v, ok := o.intIn("version", 2, 3); ok {
		in.Version = int(v)
	}
	if v, ok := o.duration("advert_int"); ok {
		in.AdvertInt = v
		// Checked against the version in validation, where both are known.
		d.adverts = append(d.adverts, advertCheck{in: in, pos: o.at("advert_int")})
	}
	if v, ok := o.boolean("nopreempt"); ok {
		in.NoPreempt = v
	}
	if v, ok := o.duration("preempt_delay"); ok {
		in.PreemptDelay = v
	}
	for _, n := range d.list(o.node("virtual_ipaddress"), "virtual_ipaddress of "+what) {
		if p, ok := d.prefix(n, "virtual_ipaddress of "+what, 32); ok {
			in.VirtualIPs = append(in.VirtualIPs, p)
		}
	}
	if o.has("authentication") {
		in.Auth = d.auth(o.node("authentication"), path+".authentication", what)
	}
	if v, ok := o.boolean("use_vmac"); ok {
		in.UseVMAC = v
	}
	if v, ok := o.duration("garp_master_delay"); ok {
		in.GARPMasterDelay = v
	}
	if v, ok := o.intIn("garp_master_repeat", 0, 1<<16); ok {
		in.GARPMasterRepeat = int(v)
	}
	if v, ok := o.duration("garp_master_refresh"); ok {
		in.GARPMasterRefresh = v
	}
	if v, ok := o.intIn("garp_master_refresh_repeat", 0, 1<<16); ok {
		in.GARPMasterRefreshRepeat = int(v)
	}
	if v, ok := o.duration("garp_interval"); ok {
		in.GARPInterval = v
	}
	if v, ok := o.addr("unicast_src_ip"); ok {
		in.UnicastSrcIP = v
	}
	for _, n := range d.list(o.node("unicast_peer"), "unicast_peer of "+what) {
		if a, ok := d.addr(n, "unicast_peer of "+what); ok {
			in.UnicastPeers = append(in.UnicastPeers, a)
		}
	}
	in.TrackInterfaces = d.tracks(o.node("track_interface"), path+".track_interface", "track_interface of "+what, refInterface, nd.Name)
	in.TrackScripts = d.tracks(o.node("track_script"), path+".track_script", "track_script of "+what, refScript, "")
	for i, n := range d.items(o.node("track"), path+".track", "track of "+what) {
		d.vendorTrack(n, fmt.Sprintf("%s.track.%d", path, i), what, nd.Name, in)
	}
	in.Notify = d.notify(o)
	return in
}

// advertCheck defers the advert_int/version check to validation.
type advertCheck struct {
	in  *Instance
	pos Pos
}

func (d *decoder) auth(n ast.Node, path, what string) *Auth {
	what = "authentication of " + what
	o := d.object(n, path, what, []string{"auth_type", "auth_pass"})
	a := &Auth{Pos: o.pos, Type: "PASS"}
	if v, ok := o.str("auth_type"); ok {
		switch v {
		case "PASS":
			a.Type = v
		case "AH":
			// keepalived's IPsec AH (RFC 2338 section 5.3.6.2) is not
			// modelled: refuse it rather than run it as PASS.
			o.bad("auth_type", "AH authentication is not modelled; valid: PASS")
		default:
			o.bad("auth_type", "unknown type %q; valid: PASS", v)
		}
	}
	if v, ok := o.str("auth_pass"); ok {
		// RFC 3768 section 5.3.10: 8 octets of authentication data.
		if len(v) == 0 || len(v) > 8 {
			o.bad("auth_pass", "%q is %d characters; valid: 1..8 characters", v, len(v))
		} else {
			a.Pass = v
		}
	} else if !o.has("auth_pass") {
		o.missing(o.pos, "missing key \"auth_pass\" in %s; valid: auth_pass: up to 8 characters", what)
	}
	return a
}

// tracks decodes keepalived's track_interface / track_script: either a list
// of names (weight 0: failure means FAULT) or a mapping name -> {weight: N}.
func (d *decoder) tracks(n ast.Node, path, what string, k refKind, node string) []*Track {
	n = d.unwrap(n)
	if isNull(n) {
		return nil
	}
	var out []*Track
	if _, isList := base(n).(*ast.SequenceNode); isList {
		for _, nm := range d.names(n, what) {
			t := &Track{Pos: nm.Pos, Name: nm.Name}
			if k == refScript {
				t.Weight = weightFromScript
			}
			out = append(out, t)
			d.ref(nm.Pos, k, nm.Name, node, what)
		}
		return out
	}
	for _, e := range d.named(n, path, what) {
		t := &Track{Pos: e.keyPos, Name: e.key}
		o := d.object(e.val, path+"."+e.key, e.key+" in "+what, []string{"weight"})
		if v, ok := o.intIn("weight", -253, 253); ok {
			t.Weight = int(v)
		} else if !o.has("weight") && k == refScript {
			t.Weight = weightFromScript
		}
		d.ref(e.keyPos, k, e.key, node, what)
		out = append(out, t)
	}
	return out
}

// weightFromScript marks a track_script entry without its own weight: it
// takes the vrrp_script's weight (keepalived), filled in by validation.
const weightFromScript = -1 << 30

// vendorTrack decodes the router-vendor style `track: [{interface: eth1,
// decrement: 30}]`: Cisco IOS "vrrp 1 track 1 decrement 30" and Huawei VRP
// "vrrp vrid 1 track interface GE0/0/1 reduced 30" both lower the priority
// by a fixed amount while the tracked object is down, which is keepalived's
// negative weight: decrement 30 becomes weight -30.
func (d *decoder) vendorTrack(n ast.Node, path, what, node string, in *Instance) {
	what = "track of " + what
	o := d.object(n, path, what, []string{"interface", "script", "decrement"})
	dec, ok := o.intIn("decrement", 1, 253)
	if !ok && !o.has("decrement") {
		o.missing(o.pos, "missing key \"decrement\" in %s; valid: decrement: 1..253", what)
	}
	ifn, hasIf := o.str("interface")
	scn, hasSc := o.str("script")
	switch {
	case hasIf && !hasSc:
		in.TrackInterfaces = append(in.TrackInterfaces, &Track{Pos: o.pos, Name: ifn, Weight: -int(dec)})
		d.ref(o.at("interface"), refInterface, ifn, node, what)
	case hasSc && !hasIf:
		in.TrackScripts = append(in.TrackScripts, &Track{Pos: o.pos, Name: scn, Weight: -int(dec)})
		d.ref(o.at("script"), refScript, scn, "", what)
	case !o.has("interface") && !o.has("script") || hasIf && hasSc:
		d.add(o.pos, "%s must name one thing to track; valid: interface: NAME or script: NAME", what)
	}
}

var arpKeys = []string{"profile", "base_reachable_time", "delay_first_probe_time", "ucast_solicit", "mcast_solicit",
	"app_solicit", "retrans_time", "gc_stale_time", "locktime", "arp_accept", "timeout", "hz"}

func (d *decoder) arp(n ast.Node, path, node string, a *ARPConfig) {
	o := d.object(n, path, "arp of "+node, arpKeys)
	if n != nil {
		a.Pos = o.pos
	}
	if v, ok := o.str("profile"); ok {
		if v == ARPProfileLinux || v == ARPProfileFixed {
			a.Profile = v
		} else {
			o.bad("profile", "unknown profile %q; valid: linux, fixed", v)
		}
	}
	durs := []struct {
		key string
		dst *time.Duration
	}{
		{"base_reachable_time", &a.BaseReachableTime}, {"delay_first_probe_time", &a.DelayFirstProbeTime},
		{"retrans_time", &a.RetransTime}, {"gc_stale_time", &a.GCStaleTime}, {"locktime", &a.Locktime},
		{"timeout", &a.Timeout},
	}
	for _, x := range durs {
		if v, ok := o.duration(x.key); ok {
			*x.dst = v
		}
	}
	ints := []struct {
		key    string
		lo, hi int64
		dst    *int
	}{
		{"ucast_solicit", 0, 255, &a.UcastSolicit}, {"mcast_solicit", 0, 255, &a.McastSolicit},
		{"app_solicit", 0, 255, &a.AppSolicit}, {"arp_accept", 0, 2, &a.ARPAccept},
	}
	for _, x := range ints {
		if v, ok := o.intIn(x.key, x.lo, x.hi); ok {
			*x.dst = int(v)
		}
	}
	// CONFIG_HZ: the timer wheel rounding of the linux profile (model/arp
	// wheel.go); 0 turns it off (exact timers).
	if v, ok := o.intIn("hz", -1<<31, 1<<31); ok { // the choice check below says what is valid
		if v == 0 || slices.Contains(arp.HZChoices, int(v)) {
			a.HZ = int(v)
		} else {
			o.bad("hz", "%d is not a CONFIG_HZ choice; valid: 100, 250 (default), 300, 1000, or 0 for exact timers", v)
		}
	}
	if a.Profile == ARPProfileFixed && a.Timeout <= 0 {
		o.bad("timeout", "must be positive for profile fixed; valid: %s", durationHint)
	}
}

var flowKeys = map[FlowKind][]string{
	FlowPing:   {"name", "to", "interval", "size", "timeout", "start", "stop"},
	FlowStream: {"name", "to", "rate", "size", "port", "start", "stop"},
	FlowHTTP:   httpKeys,
}

func (d *decoder) flow(n ast.Node, path, node string, counts map[FlowKind]int) *Flow {
	what := "traffic of " + node
	outer := d.object(n, path, what, []string{"name", "ping", "stream", "http"})
	var kinds []FlowKind
	for _, k := range []FlowKind{FlowPing, FlowStream, FlowHTTP} {
		if outer.has(string(k)) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		d.add(outer.pos, "each traffic entry of %s needs exactly one source; valid: ping: {...}, stream: {...} or http: {...}", node)
		return nil
	}
	kind := kinds[0]
	counts[kind]++
	f := &Flow{Pos: outer.pos, Node: node, Kind: kind, Name: fmt.Sprintf("%s/%s-%d", node, kind, counts[kind])}
	what = string(kind) + " of " + node
	o := d.object(outer.node(string(kind)), path+"."+string(kind), what, flowKeys[kind])
	if v, ok := outer.str("name"); ok {
		f.Name = v
	}
	if v, ok := o.str("name"); ok {
		if outer.has("name") {
			o.bad("name", "the flow already has a name; valid: give name once")
		}
		f.Name = v
	}
	if kind == FlowHTTP {
		if s, ok := o.str("to"); ok {
			if ap, ok := parseAddrPort(s); ok {
				f.To, f.ToPort = ap.Addr(), int(ap.Port())
			} else {
				o.bad("to", "bad destination %q for %s; valid: ADDRESS:PORT like 10.0.0.100:80", s, what)
			}
		} else if !o.has("to") {
			o.missing(o.pos, "missing key \"to\" in %s; valid: to: ADDRESS:PORT", what)
		}
	} else if v, ok := o.addr("to"); ok {
		f.To = v
	} else if !o.has("to") {
		o.missing(o.pos, "missing key \"to\" in %s; valid: to: IPv4 ADDRESS", what)
	}
	if v, ok := o.time("start"); ok {
		f.Start = v
	}
	if v, ok := o.time("stop"); ok {
		f.Stop = v
		if f.Stop <= f.Start {
			o.bad("stop", "%s is not after start %s; valid: a time after start", v.Sub(0), f.Start.Sub(0))
		}
	}
	switch kind {
	case FlowPing:
		f.Interval, f.Timeout, f.Size = DefaultAdvertInt, DefaultAdvertInt, 56
		if v, ok := o.duration("interval"); ok {
			if v <= 0 {
				o.bad("interval", "must be positive; valid: %s", durationHint)
			}
			f.Interval = v
		}
		if v, ok := o.duration("timeout"); ok {
			f.Timeout = v
		}
		// 1500-byte MTU minus IPv4 (20) and ICMP (8) headers; no fragmentation.
		if v, ok := o.intIn("size", 0, 1472); ok {
			f.Size = int(v)
		}
	case FlowStream:
		f.Size, f.Port = 100, 7 // the echo service (RFC 862), so the stream measures the round trip
		if v, ok := o.number("rate", 0, 1e7); ok {
			if v <= 0 {
				o.bad("rate", "must be positive; valid: packets per second, e.g. 100")
			}
			f.Rate = v
		} else if !o.has("rate") {
			o.missing(o.pos, "missing key \"rate\" in %s; valid: rate: packets per second", what)
		}
		// 1500-byte MTU minus IPv4 (20) and UDP (8) headers.
		if v, ok := o.intIn("size", 0, 1472); ok {
			f.Size = int(v)
		}
		if v, ok := o.intIn("port", 1, 65535); ok {
			f.Port = int(v)
		}
	case FlowHTTP:
		d.httpFlow(o, f, what)
	}
	return f
}

// event decodes {at: DUR, ACTION: ARG}.
func (d *decoder) event(n ast.Node, path string) *Event {
	valid := []string{"at"}
	for _, k := range actionKinds {
		valid = append(valid, string(k))
	}
	before := len(d.errs)
	o := d.object(n, path, "timeline entry", valid)
	ev := &Event{Pos: o.pos}
	if len(d.errs) > before {
		return nil // an unknown key: the count of actions would only repeat it
	}
	if v, ok := o.time("at"); ok {
		ev.At = v
	} else if !o.has("at") {
		d.add(o.pos, "missing key \"at\" in timeline entry; valid: at: TIME like 10s")
	}
	var kinds []ActionKind
	for _, k := range actionKinds {
		if o.has(string(k)) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) != 1 {
		d.add(o.pos, "timeline entry has %d actions; valid: exactly one of %s", len(kinds), quoteList(valid[1:]))
		return nil
	}
	k := kinds[0]
	ev.Action = d.action(k, o.node(string(k)), join(path, string(k)), o.keyAt(string(k)))
	return ev
}

// args reads an action's arguments: either a mapping with keys, or a
// shorthand string: "NAME" for one key, "A/B" for two ("r1/eth0").
func (d *decoder) args(n ast.Node, path, what string, keys, optional []string) (*object, bool) {
	n = d.unwrap(n)
	if s, ok := scalarText(n); ok {
		parts := []string{s}
		if len(keys) == 2 {
			parts = strings.SplitN(s, "/", 2)
		}
		if len(parts) != len(keys) || parts[0] == "" || parts[len(parts)-1] == "" {
			d.add(d.pos(n), "bad argument %q for %s; valid: %q or {%s}", s, what, strings.Join(keys, "/"), strings.Join(keys, ", "))
			return nil, false
		}
		o := &object{d: d, what: what, path: path, pos: d.pos(n), vals: map[string]entry{}}
		for i, k := range keys {
			o.vals[k] = entry{key: k, keyPos: o.pos, val: &overrideNode{Node: ast.String(tokenString(parts[i])), pos: o.pos}}
		}
		return o, true
	}
	o := d.object(n, path, what, append(append([]string{}, keys...), optional...))
	for _, k := range keys {
		if !o.has(k) {
			o.missing(o.pos, "missing key %q in %s; valid: {%s}", k, what, strings.Join(keys, ", "))
			return o, false
		}
	}
	return o, true
}

func (d *decoder) action(k ActionKind, n ast.Node, path string, p Pos) Action {
	a := Action{Pos: d.pos(n), Kind: k}
	if isNull(d.unwrap(n)) {
		a.Pos = p
	}
	what := "timeline action " + string(k)
	name := func(o *object, key string, rk refKind, scope string) string {
		v, ok := o.str(key)
		if ok {
			d.ref(o.at(key), rk, v, scope, what)
		}
		return v
	}
	switch k {
	case ActCrash, ActRestart, ActStop, ActStart, ActKill:
		if o, ok := d.args(n, path, what, []string{"node"}, nil); ok {
			a.Node = name(o, "node", refNode, "")
		}
	case ActLinkDown, ActLinkUp, ActFailInterface, ActRecoverInterface:
		if o, ok := d.args(n, path, what, []string{"node", "interface"}, nil); ok {
			a.Node = name(o, "node", refNode, "")
			a.Interface = name(o, "interface", refInterface, a.Node)
		}
	case ActPortDown, ActPortUp:
		if o, ok := d.args(n, path, what, []string{"segment", "node"}, nil); ok {
			a.Segment = name(o, "segment", refSegment, "")
			a.Node = name(o, "node", refNode, "")
		}
	case ActHeal:
		if o, ok := d.args(n, path, what, []string{"segment"}, nil); ok {
			a.Segment = name(o, "segment", refSegment, "")
		}
	case ActPartition:
		if o, ok := d.args(n, path, what, []string{"segment", "groups"}, nil); ok {
			a.Segment = name(o, "segment", refSegment, "")
			for _, g := range d.list(o.node("groups"), "groups of "+what) {
				var names []string
				for _, m := range d.names(g, "a group of "+what) {
					d.ref(m.Pos, refNode, m.Name, "", what)
					names = append(names, m.Name)
				}
				a.Groups = append(a.Groups, names)
			}
			if len(a.Groups) < 2 {
				o.bad("groups", "need at least two groups; valid: [[r1, h1], [r2]]")
			}
		}
	case ActImpair:
		if o, ok := d.args(n, path, what, []string{"segment"}, []string{"node", "loss", "latency", "jitter"}); ok {
			a.Segment = name(o, "segment", refSegment, "")
			if o.has("node") {
				a.Node = name(o, "node", refNode, "")
			}
			if v, ok := o.loss("loss"); ok {
				a.Loss = &v
			}
			if v, ok := o.duration("latency"); ok {
				a.Latency = &v
			}
			if v, ok := o.duration("jitter"); ok {
				a.Jitter = &v
			}
			if !o.has("loss") && !o.has("latency") && !o.has("jitter") {
				d.add(a.Pos, "%s changes nothing; valid: at least one of loss, latency, jitter", what)
			}
		}
	case ActBlock:
		if o, ok := d.args(n, path, what, []string{"segment", "class"}, []string{"from", "to", "id"}); ok {
			a.Segment = name(o, "segment", refSegment, "")
			if v, ok := o.str("class"); ok {
				if contains(blockClasses, v) {
					a.Class = v
				} else {
					o.bad("class", "unknown class %q; valid: %s", v, quoteList(blockClasses))
				}
			}
			if o.has("from") {
				a.From = name(o, "from", refNode, "")
			}
			if o.has("to") {
				a.To = name(o, "to", refNode, "")
			}
			if v, ok := o.str("id"); ok {
				a.ID = v
			}
		}
	case ActUnblock:
		if o, ok := d.args(n, path, what, []string{"segment", "id"}, nil); ok {
			a.Segment = name(o, "segment", refSegment, "")
			a.ID, _ = o.str("id")
			d.unblocks = append(d.unblocks, unblockCheck{pos: o.at("id"), segment: a.Segment, id: a.ID})
		}
	case ActSetPriority:
		if o, ok := d.args(n, path, what, []string{"node", "instance", "priority"}, nil); ok {
			a.Node = name(o, "node", refNode, "")
			a.Instance = name(o, "instance", refInstance, a.Node)
			if v, ok := o.intIn("priority", 1, 255); ok {
				a.Priority = int(v)
			}
		}
	case ActFailScript, ActRecoverScript:
		if o, ok := d.args(n, path, what, []string{"node", "script"}, nil); ok {
			a.Node = name(o, "node", refNode, "")
			a.Script = name(o, "script", refScript, "")
			d.scriptUses = append(d.scriptUses, scriptUse{pos: a.Pos, node: a.Node, script: a.Script})
		}
	case ActInject:
		o := d.object(n, path, what, []string{"segment", "from", "frame"})
		if v, ok := o.str("segment"); ok {
			a.Segment = v
			d.ref(o.at("segment"), refSegment, v, "", what)
		} else if !o.has("segment") {
			o.missing(a.Pos, "missing key \"segment\" in %s; valid: segment: NAME", what)
		}
		if v, ok := o.str("from"); ok {
			a.From = v
			d.ref(o.at("from"), refNode, v, "", what)
			d.ports = append(d.ports, portCheck{pos: o.at("from"), segment: a.Segment, node: v, what: what})
		}
		if !o.has("frame") {
			o.missing(a.Pos, "missing key \"frame\" in %s; valid: frame: {vrrp: {...}} | {arp: {...}} | {raw: HEX}", what)
		} else {
			a.Frame = d.frame(o.node("frame"), path+".frame", what)
		}
	default:
		if !d.freezeAction(&a, k, n, path, what, name) {
			d.lbAction(&a, k, n, path, what, name)
		}
	}
	switch k {
	case ActPortDown, ActPortUp, ActImpair:
		if a.Node != "" {
			d.ports = append(d.ports, portCheck{pos: a.Pos, segment: a.Segment, node: a.Node, what: what})
		}
	case ActPartition:
		for _, g := range a.Groups {
			for _, nm := range g {
				d.ports = append(d.ports, portCheck{pos: a.Pos, segment: a.Segment, node: nm, what: what})
			}
		}
	}
	return a
}

// tokenString builds a plain string token for a shorthand argument.
func tokenString(s string) *token.Token {
	return token.String(s, s, &token.Position{Line: 1, Column: 1})
}

// unblockCheck, scriptUse and portCheck are cross-checks done in validation.
type unblockCheck struct {
	pos         Pos
	segment, id string
}

type scriptUse struct {
	pos          Pos
	node, script string
}

type portCheck struct {
	pos                 Pos
	segment, node, what string
}

func (d *decoder) frame(n ast.Node, path, what string) *Frame {
	what = "frame of " + what
	o := d.object(n, path, what, []string{"vrrp", "arp", "raw"})
	f := &Frame{Pos: o.pos}
	count := 0
	for _, k := range []string{"vrrp", "arp", "raw"} {
		if o.has(k) {
			count++
			f.Kind = FrameKind(k)
		}
	}
	if count != 1 {
		d.add(o.pos, "%s must be exactly one frame; valid: vrrp: {...}, arp: {...} or raw: HEX", what)
		return f
	}
	switch f.Kind {
	case FrameVRRP:
		vo := d.object(o.node("vrrp"), path+".vrrp", "vrrp "+what,
			[]string{"vrid", "priority", "src", "version", "advert_int", "auth_pass", "addrs", "checksum", "ttl"})
		v := &VRRPFrame{Version: 2, AdvertInt: DefaultAdvertInt, TTL: 255, Priority: DefaultPriority}
		if x, ok := vo.intIn("vrid", 0, 255); ok {
			v.VRID = int(x)
		} else if !vo.has("vrid") {
			vo.missing(vo.pos, "missing key \"vrid\" in vrrp %s; valid: vrid: 1..255", what)
		}
		if x, ok := vo.intIn("priority", 0, 255); ok {
			v.Priority = int(x)
		}
		if x, ok := vo.addr("src"); ok {
			v.Src = x
		} else if !vo.has("src") {
			vo.missing(vo.pos, "missing key \"src\" in vrrp %s; valid: src: IPv4 ADDRESS", what)
		}
		if x, ok := vo.intIn("version", 2, 3); ok {
			v.Version = int(x)
		}
		if x, ok := vo.duration("advert_int"); ok {
			v.AdvertInt = x
		}
		if x, ok := vo.str("auth_pass"); ok {
			if len(x) > 8 {
				vo.bad("auth_pass", "%q is %d characters; valid: at most 8", x, len(x))
			}
			v.AuthPass = x
		}
		for _, an := range d.list(vo.node("addrs"), "addrs of vrrp "+what) {
			if a, ok := d.addr(an, "addrs of vrrp "+what); ok {
				v.Addrs = append(v.Addrs, a)
			}
		}
		if x, ok := vo.intIn("checksum", 0, 0xffff); ok {
			c := uint16(x)
			v.Checksum = &c
		}
		if x, ok := vo.intIn("ttl", 0, 255); ok {
			v.TTL = int(x)
		}
		f.VRRP = v
	case FrameARP:
		ao := d.object(o.node("arp"), path+".arp", "arp "+what, []string{"op", "sender_ip", "sender_mac", "target_ip", "target_mac"})
		a := &ARPFrame{Op: "request"}
		if x, ok := ao.str("op"); ok {
			if x == "request" || x == "reply" {
				a.Op = x
			} else {
				ao.bad("op", "unknown op %q; valid: request, reply", x)
			}
		}
		for _, k := range []string{"sender_ip", "sender_mac", "target_ip"} {
			if !ao.has(k) {
				ao.missing(ao.pos, "missing key %q in arp %s; valid: op, sender_ip, sender_mac, target_ip, target_mac (optional)", k, what)
			}
		}
		a.SenderIP, _ = ao.addr("sender_ip")
		a.TargetIP, _ = ao.addr("target_ip")
		if x, ok := ao.lookup("sender_mac"); ok {
			a.SenderMAC, _ = d.mac(x, "sender_mac of arp "+what)
		}
		if x, ok := ao.lookup("target_mac"); ok {
			a.TargetMAC, _ = d.mac(x, "target_mac of arp "+what)
		}
		f.ARP = a
	case FrameRaw:
		if s, ok := o.str("raw"); ok {
			h := strings.Join(strings.Fields(strings.ReplaceAll(s, ":", "")), "")
			b, err := hex.DecodeString(h)
			// Ethernet II: 14-byte header; an injector may send runts, but not nothing.
			if err != nil || len(b) < 14 {
				o.bad("raw", "bad frame; valid: hex bytes (spaces and colons allowed) of at least a 14-byte Ethernet header")
			} else {
				f.Raw = b
			}
		}
	}
	return f
}

// defined checks the names of the things a mapping defines (nodes,
// segments, interfaces, instances...). Names are written in references as
// "node/interface", in `after: crash r1 @10s`, in trace lines and file
// names, so they are kept to what Linux and keepalived names use: letters,
// digits, '_', '-' and '.', starting with a letter, digit or '_'. The
// entries are returned whatever their names, so references to them do not
// cascade into more errors.
func (d *decoder) defined(es []entry, what string) []entry {
	for _, e := range es {
		if !validName(e.key) {
			d.add(e.keyPos, "bad %s name %q; valid: letters, digits, '_', '-' and '.', starting with a letter, digit or '_' (like r1, eth0.100, VI_1)", what, e.key)
		}
	}
	return es
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case (c == '-' || c == '.') && i > 0:
		default:
			return false
		}
	}
	return true
}
