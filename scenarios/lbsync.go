package scenarios

// A director pair's node keys: keepalived's lvs_sync_daemon (global_defs
// lvs_sync_daemon INTERFACE VRRP_INSTANCE [id N] [maxlen N] [port N]
// [ttl N] [group ADDR], as a node-level key) and the net.ipv4.vs sysctls
// the director follows:
//
//	lb1:
//	  kind: router
//	  lvs_sync_daemon: {interface: eth1, instance: VI_1, id: 51}
//	  ipvs_sysctl: {sloppy_tcp: 0, expire_nodest_conn: 0, sync_threshold: [3, 50],
//	                sync_refresh_period: 0, sync_retries: 0, sync_qlen_max: 32768}

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/node"
)

// LVSSync is a node's lvs_sync_daemon.
type LVSSync struct {
	Pos       Pos
	Interface string
	Instance  string
	ID        int        // syncid, 0..255; keepalived's default 0
	MaxLen    int        // 0: the kernel's
	Port      int        // 0: 8848
	TTL       int        // 0: 1
	Group     netip.Addr // invalid: 224.0.0.81
}

// IPVSSysctl is a director's net.ipv4.vs sysctls; nil fields keep the
// kernel's defaults.
type IPVSSysctl struct {
	Pos               Pos
	SloppyTCP         *bool
	ExpireNodestConn  *bool
	SyncThreshold     []int // [threshold, period]
	SyncRefreshPeriod *time.Duration
	SyncRetries       *int
	SyncQLenMax       *int
}

var lvsSyncKeys = []string{"interface", "instance", "id", "maxlen", "port", "ttl", "group"}

var ipvsSysctlKeys = []string{"sloppy_tcp", "expire_nodest_conn", "sync_threshold", "sync_refresh_period", "sync_retries", "sync_qlen_max"}

// lbSyncKeys reads lvs_sync_daemon and ipvs_sysctl of node nd.
func (d *decoder) lbSyncKeys(o *object, nd *Node, path string) {
	router := nd.Kind == KindRouter || nd.Kind == ""
	if o.has("lvs_sync_daemon") {
		if !router {
			d.add(o.keyAt("lvs_sync_daemon"), "lvs_sync_daemon in node %s of kind %s; valid: only on a director (kind router)", nd.Name, nd.Kind)
		}
		nd.LVSSync = d.lvsSync(o, nd, path+".lvs_sync_daemon")
	}
	if o.has("ipvs_sysctl") {
		if !router {
			d.add(o.keyAt("ipvs_sysctl"), "ipvs_sysctl in node %s of kind %s; valid: only on a director (kind router)", nd.Name, nd.Kind)
		}
		nd.IPVSSysctl = d.ipvsSysctl(o, path+".ipvs_sysctl", nd.Name)
	}
}

func (d *decoder) lvsSync(parent *object, nd *Node, path string) *LVSSync {
	what := "lvs_sync_daemon of " + nd.Name
	o := d.object(parent.node("lvs_sync_daemon"), path, what, lvsSyncKeys)
	s := &LVSSync{Pos: parent.keyAt("lvs_sync_daemon")}
	if v, ok := o.str("interface"); ok {
		s.Interface = v
		d.ref(o.at("interface"), refInterface, v, nd.Name, what)
	} else if !o.has("interface") {
		o.missing(s.Pos, "missing key \"interface\" in %s; valid: interface: eth1 (where the sync messages go)", what)
	}
	if v, ok := o.str("instance"); ok {
		s.Instance = v
		d.ref(o.at("instance"), refInstance, v, nd.Name, what)
	} else if !o.has("instance") {
		o.missing(s.Pos, "missing key \"instance\" in %s; valid: instance: VI_1 (the vrrp instance whose state starts the master or backup daemon)", what)
	}
	if v, ok := o.intIn("id", 0, 255); ok {
		s.ID = int(v)
	}
	if v, ok := o.intIn("maxlen", 1, 65535-28); ok {
		s.MaxLen = int(v)
	}
	if v, ok := o.intIn("port", 1, 65535); ok {
		s.Port = int(v)
	}
	if v, ok := o.intIn("ttl", 1, 255); ok {
		s.TTL = int(v)
	}
	if v, ok := o.addr("group"); ok {
		if !v.IsMulticast() {
			o.bad("group", "%v is not a multicast address; valid: 224.0.0.0/4, default 224.0.0.81", v)
		} else {
			s.Group = v
		}
	}
	return s
}

func (d *decoder) ipvsSysctl(parent *object, path, nodeName string) *IPVSSysctl {
	what := "ipvs_sysctl of " + nodeName
	o := d.object(parent.node("ipvs_sysctl"), path, what, ipvsSysctlKeys)
	s := &IPVSSysctl{Pos: parent.keyAt("ipvs_sysctl")}
	flag := func(key string) *bool {
		if v, ok := o.intIn(key, 0, 1); ok {
			b := v == 1
			return &b
		}
		return nil
	}
	s.SloppyTCP = flag("sloppy_tcp")
	s.ExpireNodestConn = flag("expire_nodest_conn")
	if o.has("sync_threshold") {
		var vals []int
		bad := false
		for _, n := range d.items(o.node("sync_threshold"), path+".sync_threshold", "sync_threshold of "+nodeName) {
			v, ok := intValue(n)
			if !ok || v < 0 || v > 1<<20 {
				d.add(d.pos(n), "sync_threshold wants two integers, got %s; valid: [3, 50] (threshold, period)", describe(n))
				bad = true
				continue
			}
			vals = append(vals, int(v))
		}
		switch {
		case len(vals) == 2 && !bad:
			s.SyncThreshold = vals
		case !bad:
			o.bad("sync_threshold", "want two values [threshold, period]; valid: [3, 50], the kernel's default")
		}
	}
	if v, ok := o.duration("sync_refresh_period"); ok {
		s.SyncRefreshPeriod = &v
	}
	if v, ok := o.intIn("sync_retries", 0, 3); ok {
		n := int(v)
		s.SyncRetries = &n
	}
	if v, ok := o.intIn("sync_qlen_max", 1, 1<<31-1); ok {
		n := int(v)
		s.SyncQLenMax = &n
	}
	if len(s.SyncThreshold) == 2 {
		t := lb.DefaultSysctls()
		t.SyncThreshold, t.SyncPeriod = s.SyncThreshold[0], s.SyncThreshold[1]
		if err := t.Validate(); err != nil {
			o.bad("sync_threshold", "%v", err)
		}
	}
	return s
}

// sysctls applies s to the kernel's defaults.
func (s *IPVSSysctl) sysctls() lb.Sysctls {
	out := lb.DefaultSysctls()
	if s == nil {
		return out
	}
	if s.SloppyTCP != nil {
		out.SloppyTCP = *s.SloppyTCP
	}
	if s.ExpireNodestConn != nil {
		out.ExpireNodestConn = *s.ExpireNodestConn
	}
	if len(s.SyncThreshold) == 2 {
		out.SyncThreshold, out.SyncPeriod = s.SyncThreshold[0], s.SyncThreshold[1]
	}
	if s.SyncRefreshPeriod != nil {
		out.SyncRefreshPeriod = *s.SyncRefreshPeriod
	}
	if s.SyncRetries != nil {
		out.SyncRetries = *s.SyncRetries
	}
	if s.SyncQLenMax != nil {
		out.SyncQLenMax = *s.SyncQLenMax
	}
	return out
}

// checkLBSync validates what needs the whole node: a sync daemon or
// sysctls need a director. It warns about a pair that cannot sync: a
// director running the instance another one syncs on, with virtual
// servers but no sync daemon (it never hears the entries), or with
// another sync ID (a backup with an ID ignores other IDs).
func (d *decoder) checkLBSync(s *Scenario) {
	for _, n := range s.Nodes {
		if n.LVSSync != nil && len(n.VirtualServers) == 0 && n.Keepalived == nil {
			d.add(n.LVSSync.Pos, "lvs_sync_daemon on %s, which has no virtual_server; valid: a director (a router with virtual_server) runs the sync daemon", n.Name)
		}
		if n.IPVSSysctl != nil && len(n.VirtualServers) == 0 && n.Keepalived == nil {
			d.add(n.IPVSSysctl.Pos, "ipvs_sysctl on %s, which has no virtual_server; valid: a director (a router with virtual_server)", n.Name)
		}
	}
	for _, a := range s.Nodes {
		if a.LVSSync == nil || len(a.VirtualServers) == 0 {
			continue
		}
		for _, b := range s.Nodes {
			if b == a || len(b.VirtualServers) == 0 || b.instance(a.LVSSync.Instance) == nil {
				continue
			}
			switch {
			case b.LVSSync == nil:
				d.warn(a.LVSSync.Pos, "%s syncs its connections on %s, but %s runs %s with virtual servers and no lvs_sync_daemon: it never receives them; valid: lvs_sync_daemon on both directors", a.Name, a.LVSSync.Instance, b.Name, a.LVSSync.Instance)
			case b.LVSSync.ID != 0 && b.LVSSync.ID != a.LVSSync.ID:
				d.warn(b.LVSSync.Pos, "%s's lvs_sync_daemon id %d differs from %s's %d: its backup daemon ignores %s's messages; valid: the same id on both", b.Name, b.LVSSync.ID, a.Name, a.LVSSync.ID, a.Name)
			}
		}
	}
}

// buildLBSync sets the director's sysctls and starts its sync daemon
// (after the VRRP instances exist).
func (w *World) buildLBSync(n *node.Node, sn *Node) error {
	d := n.Director()
	if d == nil {
		return nil
	}
	if sn.IPVSSysctl != nil {
		if err := d.SetSysctls(sn.IPVSSysctl.sysctls()); err != nil {
			return fmt.Errorf("%s: ipvs_sysctl: %v", sn.IPVSSysctl.Pos, err)
		}
	}
	s := sn.LVSSync
	if s == nil {
		return nil
	}
	cfg := node.SyncDaemonConfig{Interface: s.Interface, Instance: s.Instance, SyncID: uint8(s.ID), MaxLen: s.MaxLen,
		Port: uint16(s.Port), TTL: uint8(s.TTL), Group: s.Group}
	if err := n.AddSyncDaemon(cfg); err != nil {
		return fmt.Errorf("%s: %v", s.Pos, err)
	}
	return nil
}

// ExpectSurvive: of the client connections open when a director let go
// of a VIP another director took over, a fraction in AtLeast..AtMost
// completed. Spelled
//
//   - connections_survive_takeover: true              # every one
//   - connections_survive_takeover: {at_least: 0.8}   # 80 % or more
//   - connections_survive_takeover: {at_most: 0.1}    # 10 % or fewer (the no-sync case)
const ExpectSurvive ExpectKind = "connections_survive_takeover"

// SurviveWant is the fraction connections_survive_takeover allows.
type SurviveWant struct {
	AtLeast, AtMost float64
}

func (w *SurviveWant) String() string {
	switch {
	case w == nil:
		return string(ExpectSurvive)
	case w.AtLeast == 1:
		return "every connection open at a director takeover survives"
	case w.AtMost == 1:
		return fmt.Sprintf("at least %g of the connections open at a director takeover survive", w.AtLeast)
	case w.AtLeast == 0:
		return fmt.Sprintf("at most %g of the connections open at a director takeover survive", w.AtMost)
	}
	return fmt.Sprintf("%g..%g of the connections open at a director takeover survive", w.AtLeast, w.AtMost)
}

const surviveHint = "valid: true, {at_least: 0.99} or {at_most: 0.1} (fractions of the connections open at a takeover)"

func (d *decoder) surviveWant(o *object) *SurviveWant {
	const key = "connections_survive_takeover"
	n, ok := o.lookup(key)
	if !ok {
		return nil
	}
	if b, isBool := base(n).(*ast.BoolNode); isBool {
		if !b.Value {
			o.bad(key, "false asserts nothing; %s", surviveHint)
			return nil
		}
		return &SurviveWant{AtLeast: 1, AtMost: 1}
	}
	so := d.object(n, "", key, []string{"at_least", "at_most"})
	w := &SurviveWant{AtMost: 1}
	if v, ok := so.number("at_least", 0, 1); ok {
		w.AtLeast = v
	}
	if v, ok := so.number("at_most", 0, 1); ok {
		w.AtMost = v
	}
	if !so.has("at_least") && !so.has("at_most") {
		o.bad(key, "no bound given; %s", surviveHint)
	}
	if w.AtLeast > w.AtMost {
		o.bad(key, "at_least %g above at_most %g; %s", w.AtLeast, w.AtMost, surviveHint)
	}
	return w
}
