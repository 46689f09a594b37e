package scenarios

// Load balancing in scenario files: keepalived's virtual_server blocks on a
// director (a router node), TCP services on real servers, HTTP clients that
// open connections, the timeline actions that fail, slow and re-weight them,
// and the expectations a run checks.
//
//	nodes:
//	  lb1:
//	    kind: router
//	    virtual_server:
//	      10.0.0.100 80:              # keepalived: virtual_server 10.0.0.100 80 { ... }
//	        lb_algo: wrr
//	        lb_kind: DR
//	        real_server:
//	          10.0.0.11 80: {weight: 3}
//	  rs1:
//	    kind: server
//	    interfaces:
//	      lo: {addresses: [10.0.0.100/32]}
//	    services: [{port: 80, response_time: 5ms}]
//	  c1:
//	    kind: host
//	    traffic:
//	      - http: {to: 10.0.0.100:80, rate: 100}

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/vrrpsim/vrrpsim/model/tcp"
)

// VirtualServer is a keepalived virtual_server block.
type VirtualServer struct {
	Pos    Pos
	Name   string         // as written: "10.0.0.100 80" or "fwmark 1"
	VIP    netip.AddrPort // zero for a fwmark service
	FWMark uint32
	// Protocol is TCP (default) or UDP.
	Protocol string
	LBAlgo   string // lb_algo (lvs_sched), keepalived default wlc
	LBKind   string // lb_kind (lvs_method): NAT (keepalived's default), DR, TUN, FULLNAT
	// Scheduler flags (keepalived keywords sh-port, sh-fallback, mh-port,
	// mh-fallback).
	Flags []string
	// PersistenceTimeout is persistence_timeout (0: no persistence).
	PersistenceTimeout time.Duration
	// PersistenceGranularity is the prefix length of
	// persistence_granularity (a netmask; default 32).
	PersistenceGranularity int
	OPS                    bool // one-packet scheduling (UDP)
	Sorry                  *RealServer
	LocalAddrs             []netip.Addr // FULLNAT: the director's local address pool
	Reals                  []*RealServer
	Health                 VSHealth // keepalived's checker settings (checks.go)
}

// RealServer is a real_server block.
type RealServer struct {
	Pos        Pos
	Name       string // as written: "10.0.0.11 80"
	Addr       netip.AddrPort
	Weight     int      // keepalived default 1
	UThreshold int      // uthreshold
	LThreshold int      // lthreshold
	Health     RSHealth // keepalived's checkers (checks.go)
}

// Service is a TCP service a server answers (an HTTP/1.0 responder).
type Service struct {
	Pos          Pos
	Port         int
	ResponseTime time.Duration // from the request to the response
	ResponseSize int           // body bytes
}

// Service defaults.
const (
	DefaultResponseTime = time.Millisecond
	DefaultResponseSize = 1000
)

// LB defaults: keepalived's (check_parser.c: lb_algo wlc, lb_kind NAT,
// weight 1) and IPVS's (persistence granularity /32).
const (
	DefaultLBAlgo = "wlc"
	DefaultLBKind = "NAT"
)

var lbKinds = []string{"NAT", "DR", "TUN", "FULLNAT"}

// lbAlgos are the IPVS schedulers (ipvsadm(8)); the model checks the same
// list when it builds the service.
var lbAlgos = []string{"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"}

var lbFlagKeys = []string{"sh-port", "sh-fallback", "mh-port", "mh-fallback"}

var virtualServerKeys = append([]string{"lb_algo", "lvs_sched", "lb_kind", "lvs_method", "protocol",
	"persistence_timeout", "persistence_granularity", "ops", "sorry_server", "local_address", "real_server"}, append(lbFlagKeys, vsHealthKeys...)...)

// virtualServer decodes one "ADDR PORT" or "fwmark N" entry.
func (d *decoder) virtualServer(e entry, nd *Node, path string) *VirtualServer {
	vs := &VirtualServer{Pos: e.keyPos, Name: e.key, Protocol: "TCP", LBAlgo: DefaultLBAlgo, LBKind: DefaultLBKind, PersistenceGranularity: 32}
	what := "virtual_server " + e.key + " of " + nd.Name
	if f := strings.Fields(e.key); len(f) == 2 && f[0] == "fwmark" {
		v, err := strconv.ParseUint(f[1], 10, 32)
		if err != nil || v == 0 {
			d.add(e.keyPos, "bad fwmark %q in %s; valid: fwmark 1..4294967295", f[1], what)
		}
		vs.FWMark = uint32(v)
	} else if ap, ok := parseAddrPort(e.key); ok {
		vs.VIP = ap
	} else {
		d.add(e.keyPos, "bad virtual_server %q of %s; valid: \"IPV4-ADDRESS PORT\" (as keepalived writes it, e.g. \"10.0.0.100 80\") or \"fwmark N\"", e.key, nd.Name)
	}
	o := d.object(e.val, path, what, virtualServerKeys)
	for _, k := range [][2]string{{"lb_algo", "lvs_sched"}, {"lb_kind", "lvs_method"}} {
		if o.has(k[0]) && o.has(k[1]) {
			d.add(o.keyAt(k[1]), "%s and %s are one keyword in %s (keepalived aliases); valid: write one of them", k[0], k[1], what)
		}
	}
	algoKey := "lb_algo"
	if o.has("lvs_sched") {
		algoKey = "lvs_sched"
	}
	if v, ok := o.str(algoKey); ok {
		if contains(lbAlgos, v) {
			vs.LBAlgo = v
		} else {
			o.bad(algoKey, "unknown scheduler %q%s; valid: %s", v, didYouMean(v, lbAlgos), quoteList(lbAlgos))
		}
	}
	kindKey := "lb_kind"
	if o.has("lvs_method") {
		kindKey = "lvs_method"
	}
	if v, ok := o.str(kindKey); ok {
		if up := strings.ToUpper(v); contains(lbKinds, up) {
			vs.LBKind = up
		} else {
			o.bad(kindKey, "unknown forwarding method %q; valid: %s", v, quoteList(lbKinds))
		}
	}
	if v, ok := o.str("protocol"); ok {
		if up := strings.ToUpper(v); up == "TCP" || up == "UDP" {
			vs.Protocol = up
		} else {
			o.bad("protocol", "unknown protocol %q; valid: \"TCP\", \"UDP\"", v)
		}
	}
	for _, k := range lbFlagKeys {
		if v, ok := o.boolean(k); ok && v {
			vs.Flags = append(vs.Flags, k)
		}
	}
	if v, ok := o.duration("persistence_timeout"); ok {
		if v <= 0 {
			o.bad("persistence_timeout", "must be positive; valid: seconds like 300, or leave it out for no persistence")
		}
		vs.PersistenceTimeout = v
	}
	if n, ok := o.lookup("persistence_granularity"); ok {
		if a, ok := d.addr(n, "persistence_granularity of "+what); ok {
			bits, ok := maskBits(a)
			if !ok {
				d.add(d.pos(n), "persistence_granularity %s of %s is not a netmask; valid: a netmask like 255.255.255.0", a, what)
			}
			vs.PersistenceGranularity = bits
		}
	}
	if v, ok := o.boolean("ops"); ok {
		vs.OPS = v
	}
	if s, ok := o.str("sorry_server"); ok {
		if ap, ok := parseAddrPort(s); ok {
			// check_data.c alloc_ssvr: the sorry server's weight is 1
			// (at 0 the scheduler would never pick it).
			vs.Sorry = &RealServer{Pos: o.at("sorry_server"), Name: s, Addr: ap, Weight: 1}
		} else {
			o.bad("sorry_server", "bad sorry_server %q; valid: \"IPV4-ADDRESS PORT\"", s)
		}
	}
	for _, n := range d.list(o.node("local_address"), "local_address of "+what) {
		if a, ok := d.addr(n, "local_address of "+what); ok {
			vs.LocalAddrs = append(vs.LocalAddrs, a)
		}
	}
	if o.has("local_address") && vs.LBKind != "FULLNAT" {
		d.add(o.keyAt("local_address"), "local_address in %s: only FULLNAT rewrites the source; valid: lb_kind: FULLNAT, or no local_address", what)
	}
	if vs.LBKind == "FULLNAT" && len(vs.LocalAddrs) == 0 && !o.has("local_address") {
		o.missing(e.keyPos, "FULLNAT %s needs local addresses for the source rewrite; valid: local_address: [10.0.0.201]", what)
	}
	for _, re := range d.named(o.node("real_server"), path+".real_server", "real_server of "+what) {
		vs.Reals = append(vs.Reals, d.realServer(re, what, path+".real_server."+re.key))
	}
	if !o.has("real_server") {
		o.missing(e.keyPos, "%s has no real_server; valid: real_server: {\"10.0.0.11 80\": {weight: 1}}", what)
	}
	d.vsHealth(o, vs)
	return vs
}

var realServerKeys = append([]string{"weight", "uthreshold", "lthreshold"}, rsHealthKeys...)

func (d *decoder) realServer(e entry, vsWhat, path string) *RealServer {
	rs := &RealServer{Pos: e.keyPos, Name: e.key, Weight: 1}
	what := "real_server " + e.key + " of " + vsWhat
	if ap, ok := parseAddrPort(e.key); ok {
		rs.Addr = ap
	} else {
		d.add(e.keyPos, "bad real_server %q in %s; valid: \"IPV4-ADDRESS PORT\" like \"10.0.0.11 80\"", e.key, vsWhat)
	}
	o := d.object(e.val, path, what, realServerKeys)
	// IPVS weights are 0..65535 (ipvsadm: "weight must be 0..65535";
	// IP_VS_DEST weight is an int checked in ip_vs_add_dest).
	if v, ok := o.intIn("weight", 0, 65535); ok {
		rs.Weight = int(v)
	}
	if v, ok := o.intIn("uthreshold", 0, 1<<31-1); ok {
		rs.UThreshold = int(v)
	}
	if v, ok := o.intIn("lthreshold", 0, 1<<31-1); ok {
		rs.LThreshold = int(v)
	}
	d.rsHealth(o, rs)
	return rs
}

// parseAddrPort reads keepalived's "ADDR PORT" (or "ADDR:PORT").
func parseAddrPort(s string) (netip.AddrPort, bool) {
	f := strings.Fields(s)
	if len(f) == 1 {
		ap, err := netip.ParseAddrPort(f[0])
		return ap, err == nil && ap.Addr().Is4() && ap.Port() != 0
	}
	if len(f) != 2 {
		return netip.AddrPort{}, false
	}
	a, err := netip.ParseAddr(f[0])
	if err != nil || !a.Is4() {
		return netip.AddrPort{}, false
	}
	p, err := strconv.ParseUint(f[1], 10, 16)
	if err != nil || p == 0 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, uint16(p)), true
}

// maskBits returns the prefix length of a contiguous netmask.
func maskBits(a netip.Addr) (int, bool) {
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && v&(1<<(31-n)) != 0 {
		n++
	}
	return n, v<<n == 0
}

var serviceKeys = []string{"port", "response_time", "response_size"}

func (d *decoder) service(n ast.Node, path, node string) *Service {
	what := "service of " + node
	o := d.object(n, path, what, serviceKeys)
	sv := &Service{Pos: o.pos, ResponseTime: DefaultResponseTime, ResponseSize: DefaultResponseSize}
	if v, ok := o.intIn("port", 1, 65535); ok {
		sv.Port = int(v)
	} else if !o.has("port") {
		o.missing(o.pos, "missing key \"port\" in %s; valid: port: 80", what)
	}
	if v, ok := o.duration("response_time"); ok {
		sv.ResponseTime = v
	}
	// A response is bounded so one connection cannot flood the run.
	if v, ok := o.intIn("response_size", 0, 16<<20); ok {
		sv.ResponseSize = int(v)
	}
	return sv
}

// HTTP client flow defaults.
const (
	// DefaultConnectTimeout is what a Linux client waits with
	// tcp_syn_retries 6: SYNs at 0, 1, 3, 7, 15, 31 and 63 s, then 64 s
	// more (tcp_write_timeout) = 127 s.
	DefaultConnectTimeout = 127 * time.Second
	// MaxSources bounds the client addresses one flow may use.
	MaxSources = 4096
)

// Arrival processes of an HTTP client.
const (
	ArrivalFixed   = "fixed"
	ArrivalPoisson = "poisson"
)

var httpKeys = []string{"name", "to", "rate", "arrival", "sources", "connect_timeout", "response_timeout", "path", "requests_per_connection", "request_gap", "start", "stop"}

// httpFlow decodes the fields of an http traffic source into f.
func (d *decoder) httpFlow(o *object, f *Flow, what string) {
	f.Arrival, f.Sources, f.ConnectTimeout, f.Path, f.RequestsPerConnection = ArrivalFixed, 1, DefaultConnectTimeout, "/", 1
	if v, ok := o.number("rate", 0, 1e6); ok {
		if v <= 0 {
			o.bad("rate", "must be positive; valid: new connections per second, e.g. 100")
		}
		f.Rate = v
	} else if !o.has("rate") {
		o.missing(o.pos, "missing key \"rate\" in %s; valid: rate: new connections per second", what)
	}
	if v, ok := o.str("arrival"); ok {
		if v == ArrivalFixed || v == ArrivalPoisson {
			f.Arrival = v
		} else {
			o.bad("arrival", "unknown arrival %q; valid: %q (evenly spaced), %q (exponential gaps)", v, ArrivalFixed, ArrivalPoisson)
		}
	}
	if v, ok := o.intIn("sources", 1, MaxSources); ok {
		f.Sources = int(v)
	}
	if v, ok := o.duration("connect_timeout"); ok {
		if v <= 0 {
			o.bad("connect_timeout", "must be positive; valid: a duration like 3s")
		}
		f.ConnectTimeout = v
	}
	if v, ok := o.duration("response_timeout"); ok {
		if v <= 0 {
			o.bad("response_timeout", "must be positive; valid: a duration like 10s (curl --max-time), or leave it out to wait as long as TCP does")
		}
		f.ResponseTimeout = v
	}
	// HTTP/1.1 keep-alive: nginx's keepalive_requests (1000) closes a
	// longer connection early, so more is still valid, just cut short.
	if v, ok := o.intIn("requests_per_connection", 1, tcp.MaxRequests); ok {
		f.RequestsPerConnection = int(v)
	}
	if v, ok := o.duration("request_gap"); ok {
		if f.RequestsPerConnection < 2 {
			o.bad("request_gap", "the pause between a response and the next request on a keep-alive connection; valid: a duration like 1s, with requests_per_connection 2 or more")
		}
		f.RequestGap = v
	}
	if v, ok := o.str("path"); ok {
		if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, " \r\n\t") || len(v) > 1024 {
			o.bad("path", "bad request path %q; valid: an absolute path without spaces, like /index.html", v)
		}
		f.Path = v
	}
}

// SourceAddrs returns the client addresses of an http flow on node n: its
// first interface address and the Sources-1 addresses after it, which the
// builder adds to that interface.
func (f *Flow) SourceAddrs(n *Node) []netip.Addr {
	if len(n.Interfaces) == 0 || len(n.Interfaces[0].Addresses) == 0 {
		return nil
	}
	a := n.Interfaces[0].Addresses[0].Addr()
	out := make([]netip.Addr, 0, f.Sources)
	for i := 0; i < f.Sources && a.IsValid(); i++ {
		out = append(out, a)
		a = a.Next()
	}
	return out
}

// LB actions on the timeline.
const (
	ActFailService      ActionKind = "fail_service"       // a server's TCP service refuses (RST) or black-holes
	ActSlowService      ActionKind = "slow_service"       // a service answers after response_time
	ActRecoverService   ActionKind = "recover_service"    // back to normal
	ActSetWeight        ActionKind = "set_weight"         // ipvsadm -e: a real server's weight
	ActAddRealServer    ActionKind = "add_real_server"    // ipvsadm -a
	ActRemoveRealServer ActionKind = "remove_real_server" // ipvsadm -d
	ActMiscCheck        ActionKind = "misc_check"         // what a MISC_CHECK script exits with from now on (checks.go)
)

// Ways a service fails.
const (
	FailRefuse    = "refuse"    // RST to every SYN, like a closed port
	FailBlackhole = "blackhole" // nothing answers: clients wait for their timeout
	FailStatus    = "status"    // HTTP answers with status: (default 503)
)

var lbActionKinds = []ActionKind{ActFailService, ActSlowService, ActRecoverService, ActSetWeight, ActAddRealServer, ActRemoveRealServer, ActMiscCheck}

// lbAction decodes the load-balancing actions.
func (d *decoder) lbAction(a *Action, k ActionKind, n ast.Node, path, what string, name func(*object, string, refKind, string) string) {
	switch k {
	case ActFailService, ActSlowService, ActRecoverService:
		opt := []string{"how", "status"}
		if k == ActSlowService {
			opt = []string{"response_time"}
		}
		if k == ActRecoverService {
			opt = nil
		}
		o, ok := d.args(n, path, what, []string{"node", "port"}, opt)
		if !ok {
			return
		}
		a.Node = name(o, "node", refNode, "")
		if v, ok := o.intIn("port", 1, 65535); ok {
			a.Port = int(v)
		}
		a.How = FailRefuse
		if v, ok := o.str("how"); ok {
			if v != FailRefuse && v != FailBlackhole && v != FailStatus {
				o.bad("how", "unknown failure %q; valid: %q (RST to SYNs), %q (no answer at all), %q (HTTP answers with status:)", v, FailRefuse, FailBlackhole, FailStatus)
			}
			a.How = v
		}
		d.failStatus(o, a)
		if k == ActSlowService {
			if v, ok := o.duration("response_time"); ok {
				a.ResponseTime = v
			} else if !o.has("response_time") {
				o.missing(o.pos, "missing key \"response_time\" in %s; valid: response_time: 2s", what)
			}
		}
		d.services = append(d.services, serviceUse{pos: a.Pos, node: a.Node, port: a.Port, what: what})
	case ActSetWeight, ActAddRealServer, ActRemoveRealServer:
		keys := []string{"node", "virtual_server", "real_server"}
		var opt []string
		if k == ActSetWeight {
			keys = append(keys, "weight")
		}
		if k == ActAddRealServer {
			opt = []string{"weight"}
		}
		o := d.object(n, path, what, append(keys, opt...))
		for _, key := range keys {
			if !o.has(key) {
				o.missing(o.pos, "missing key %q in %s; valid: {%s}", key, what, strings.Join(append(keys, opt...), ", "))
			}
		}
		a.Node = name(o, "node", refNode, "")
		a.VirtualServer, _ = o.str("virtual_server")
		a.RealServer, _ = o.str("real_server")
		a.Weight = 1
		if v, ok := o.intIn("weight", 0, 65535); ok {
			a.Weight = int(v)
		}
		d.lbRefs = append(d.lbRefs, lbRef{pos: a.Pos, kind: k, node: a.Node, vs: a.VirtualServer, rs: a.RealServer, what: what})
	case ActMiscCheck:
		d.miscCheckAction(a, n, path, what, name)
	case ActStopProxy, ActStartProxy:
		d.proxyAction(a, n, path, what, name)
	}
}

// serviceUse is a timeline action that names a server's service.
type serviceUse struct {
	pos  Pos
	node string
	port int
	what string
}

// lbRef is a timeline action that names a virtual and a real server.
type lbRef struct {
	pos    Pos
	kind   ActionKind
	node   string
	vs, rs string
	what   string
}

// lbActionString is Action.String for the LB actions:
//
//	fail_service rs1:80 refuse, slow_service rs1:80=2s, recover_service rs1:80
//	set_weight lb1/10.0.0.100 80/rs1=0
//	add_real_server lb1/10.0.0.100 80/10.0.0.13 80, remove_real_server ...
func lbActionString(a Action) string {
	k := string(a.Kind)
	switch a.Kind {
	case ActFailService:
		if a.How == FailStatus {
			return fmt.Sprintf("%s %s:%d %s=%d", k, a.Node, a.Port, a.How, a.Status)
		}
		return fmt.Sprintf("%s %s:%d %s", k, a.Node, a.Port, a.How)
	case ActSlowService:
		return fmt.Sprintf("%s %s:%d=%s", k, a.Node, a.Port, a.ResponseTime)
	case ActRecoverService:
		return fmt.Sprintf("%s %s:%d", k, a.Node, a.Port)
	case ActSetWeight:
		return fmt.Sprintf("%s %s/%s/%s=%d", k, a.Node, a.VirtualServer, a.RealServer, a.Weight)
	case ActAddRealServer, ActRemoveRealServer:
		return fmt.Sprintf("%s %s/%s/%s", k, a.Node, a.VirtualServer, a.RealServer)
	case ActMiscCheck:
		return miscCheckString(a)
	case ActStopProxy, ActStartProxy:
		return proxyActionString(a)
	}
	return ""
}

// LB expectations.
const (
	// ExpectShare: every real server of a virtual service got a share of
	// its connections within Tolerance of its weight's share.
	ExpectShare ExpectKind = "share"
	// ExpectFailedAtMost: at most Count client connections failed (of one
	// flow, or of all).
	ExpectFailedAtMost ExpectKind = "failed_connections_at_most"
	// ExpectNoBypass: no packet for a virtual IP reached a real server
	// without passing through a director.
	ExpectNoBypass ExpectKind = "no_bypass"
)

// ShareWant is a share expectation.
type ShareWant struct {
	Pos           Pos
	Director      string
	VirtualServer string
	Tolerance     float64 // absolute, 0..1
}

func (d *decoder) shareWant(o *object, path string) *ShareWant {
	so := d.object(o.node("share"), path+".share", "share expectation", []string{"node", "virtual_server", "tolerance"})
	w := &ShareWant{Pos: so.pos, Tolerance: 0.05}
	for _, k := range []string{"node", "virtual_server"} {
		if !so.has(k) {
			so.missing(so.pos, "missing key %q in share expectation; valid: {node: lb1, virtual_server: \"10.0.0.100 80\", tolerance: 0.05}", k)
		}
	}
	w.Director, _ = so.str("node")
	w.VirtualServer, _ = so.str("virtual_server")
	if v, ok := so.number("tolerance", 0, 1); ok {
		w.Tolerance = v
	}
	return w
}

// checkLB validates the load-balancing parts once the whole file is read:
// real servers resolve to nodes, DR needs layer-2 adjacency, the VIP
// belongs to the director, and the timeline names what exists.
func (d *decoder) checkLB(s *Scenario, ix index) {
	for _, n := range s.Nodes {
		for _, vs := range n.VirtualServers {
			d.checkVirtualServer(s, n, vs)
		}
	}
	for _, e := range s.Expect {
		if e.Share == nil {
			continue
		}
		n := ix.nodes[e.Share.Director]
		if n == nil {
			d.add(e.Share.Pos, "unknown node %q in share expectation; valid: %s", e.Share.Director, quoteList(nodeNames(s)))
		} else if n.virtualServer(e.Share.VirtualServer) == nil && !n.proxyShare(e.Share.VirtualServer) {
			d.add(e.Share.Pos, "node %s has no virtual_server %q in share expectation; valid: %s", n.Name, e.Share.VirtualServer,
				quoteList(names(n.VirtualServers, func(v *VirtualServer) string { return v.Name })))
		}
	}
	d.checkHealthWants(s)
	for _, u := range d.services {
		n := ix.nodes[u.node]
		if n == nil {
			continue
		}
		if n.service(u.port) == nil {
			d.add(u.pos, "node %s has no service on port %d in %s; valid: a port listed under its services:", u.node, u.port, u.what)
		}
	}
	for _, r := range d.lbRefs {
		n := ix.nodes[r.node]
		if n == nil {
			continue
		}
		if r.kind == ActMiscCheck {
			d.checkMiscRef(s, n, r)
			continue
		}
		if r.kind == ActStopProxy || r.kind == ActStartProxy {
			d.checkProxyRef(n, r)
			continue
		}
		vs := n.virtualServer(r.vs)
		if vs == nil {
			d.add(r.pos, "node %s has no virtual_server %q in %s; valid: %s", r.node, r.vs, r.what,
				quoteList(names(n.VirtualServers, func(v *VirtualServer) string { return v.Name })))
			continue
		}
		rs := s.realServer(vs, r.rs)
		switch {
		case r.kind == ActAddRealServer && rs != nil && !d.touched(r, vs.Name, ActRemoveRealServer):
			d.add(r.pos, "real_server %q is already in virtual_server %s in %s; valid: a new \"ADDRESS PORT\"", r.rs, vs.Name, r.what)
		case r.kind == ActAddRealServer:
			if _, ok := parseAddrPort(r.rs); !ok {
				d.add(r.pos, "bad real_server %q in %s; valid: \"IPV4-ADDRESS PORT\"", r.rs, r.what)
			}
		case rs == nil && !d.touched(r, vs.Name, ActAddRealServer):
			d.add(r.pos, "virtual_server %s of %s has no real_server %q in %s; valid: %s", vs.Name, r.node, r.rs, r.what,
				quoteList(names(vs.Reals, func(x *RealServer) string { return s.RealServerName(x) })))
		}
	}
}

// touched reports whether another timeline action of kind k names the
// same real server of the same virtual server (an add_real_server makes
// later references valid; a remove_real_server allows adding it back).
func (d *decoder) touched(r lbRef, vs string, k ActionKind) bool {
	for _, o := range d.lbRefs {
		if o.pos != r.pos && o.kind == k && o.node == r.node && o.vs == vs && o.rs == r.rs {
			return true
		}
	}
	return false
}

func (d *decoder) checkVirtualServer(s *Scenario, dir *Node, vs *VirtualServer) {
	what := "virtual_server " + vs.Name + " of " + dir.Name
	if vs.FWMark != 0 {
		marked := false
		for _, r := range dir.FWMarks {
			marked = marked || r.Mark == vs.FWMark
		}
		if !marked {
			d.warn(vs.Pos, "nothing on %s marks packets with %d, so %s never sees one; valid: fwmarks: [{mark: %d, dst: VIP/32, protocol: tcp, dport: 80}]", dir.Name, vs.FWMark, what, vs.FWMark)
		}
	}
	if vs.VIP.IsValid() && !dir.holds(vs.VIP.Addr()) {
		d.add(vs.Pos, "director %s does not hold %s of %s; valid: put the address on one of its interfaces, on lo, or in a vrrp virtual_ipaddress", dir.Name, vs.VIP.Addr(), what)
	}
	seen := map[netip.AddrPort]*RealServer{}
	for _, rs := range vs.Reals {
		if prev := seen[rs.Addr]; prev != nil {
			d.add(rs.Pos, "real_server %s is listed twice in %s (first at %s); valid: each real server once", rs.Name, what, prev.Pos)
			continue
		}
		seen[rs.Addr] = rs
		host := s.nodeWithAddr(rs.Addr.Addr())
		if host == nil {
			continue // an address nobody holds: connections to it time out, as in life
		}
		switch vs.LBKind {
		case "DR":
			// ip_vs_dr_xmit only rewrites the MAC: the real server must
			// share a segment with the director.
			if !sharesSegment(dir, host, rs.Addr.Addr()) {
				d.add(rs.Pos, "DR real_server %s (%s) is not on a segment of director %s: DR rewrites only the MAC, so it needs layer-2 adjacency; valid: a real server on the director's LAN, or lb_kind: TUN or NAT", rs.Name, host.Name, dir.Name)
			}
			if vs.VIP.IsValid() && !holdsOn(host.Loopback, vs.VIP.Addr()) && !host.owns(vs.VIP.Addr()) {
				d.warn(rs.Pos, "DR real_server %s (%s) does not hold the VIP %s on lo: it will drop the director's packets; valid: interfaces: {lo: {addresses: [%s/32]}}", rs.Name, host.Name, vs.VIP.Addr(), vs.VIP.Addr())
			}
		case "TUN":
			if vs.VIP.IsValid() && !holdsOn(host.Tunnel, vs.VIP.Addr()) {
				d.warn(rs.Pos, "TUN real_server %s (%s) does not hold the VIP %s on tunl0: it will drop the tunnelled packets; valid: interfaces: {tunl0: {addresses: [%s/32]}}", rs.Name, host.Name, vs.VIP.Addr(), vs.VIP.Addr())
			}
		}
		if host.service(int(rs.Addr.Port())) == nil && vs.Protocol == "TCP" {
			d.warn(rs.Pos, "real_server %s (%s) has no service on port %d: every connection scheduled to it is refused; valid: services: [{port: %d}]", rs.Name, host.Name, rs.Addr.Port(), rs.Addr.Port())
		}
	}
	for _, la := range vs.LocalAddrs {
		if !dir.holds(la) {
			d.add(vs.Pos, "FULLNAT local_address %s of %s is not an address of %s; valid: one of its interface addresses", la, what, dir.Name)
		}
	}
}

func holdsOn(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Addr() == a {
			return true
		}
	}
	return false
}

// holds reports whether a is an address of n: on an interface, on lo, or a
// VRRP virtual address.
func (n *Node) holds(a netip.Addr) bool {
	if n.owns(a) || holdsOn(n.Loopback, a) || holdsOn(n.Tunnel, a) {
		return true
	}
	for _, in := range n.VRRP {
		if holdsOn(in.VirtualIPs, a) {
			return true
		}
	}
	return false
}

// sharesSegment reports whether host's interface holding a is on a segment
// of dir.
func sharesSegment(dir, host *Node, a netip.Addr) bool {
	for _, i := range host.Interfaces {
		if holdsOn(i.Addresses, a) && dir.onSegment(i.Segment) {
			return true
		}
	}
	return false
}

func (n *Node) service(port int) *Service {
	for _, sv := range n.Services {
		if sv.Port == port {
			return sv
		}
	}
	return nil
}

func (n *Node) virtualServer(name string) *VirtualServer {
	for _, vs := range n.VirtualServers {
		if vs.Name == name {
			return vs
		}
	}
	if ap, ok := parseAddrPort(name); ok {
		for _, vs := range n.VirtualServers {
			if vs.VIP == ap {
				return vs
			}
		}
	}
	return nil
}

// nodeWithAddr returns the node holding a on an interface.
func (s *Scenario) nodeWithAddr(a netip.Addr) *Node {
	for _, n := range s.Nodes {
		if n.owns(a) {
			return n
		}
	}
	return nil
}

// RealServerName is how reports name a real server: the node that holds
// its address, else the address as written.
func (s *Scenario) RealServerName(rs *RealServer) string {
	if n := s.nodeWithAddr(rs.Addr.Addr()); n != nil {
		return n.Name
	}
	return rs.Addr.String()
}

// realServer finds rs in vs by node name, "ADDR PORT" or "ADDR:PORT".
func (s *Scenario) realServer(vs *VirtualServer, name string) *RealServer {
	ap, isAddr := parseAddrPort(name)
	for _, rs := range vs.Reals {
		if (isAddr && rs.Addr == ap) || s.RealServerName(rs) == name {
			return rs
		}
	}
	return nil
}

// Warning is something a run will do that the author may not expect; the
// file still loads.
type Warning struct {
	Pos Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": warning: " + w.Msg }

func (d *decoder) warn(p Pos, format string, args ...any) {
	d.warnings = append(d.warnings, Warning{Pos: p, Msg: oneLineMsg(fmt.Sprintf(format, args...))})
}

// device decodes lo or tunl0: addresses only, no segment (a bare address
// is /32, as `ip addr add VIP dev lo` makes it).
func (d *decoder) device(e entry, nd *Node, path, what string) {
	o := d.object(e.val, path, what, []string{"address", "addresses"})
	var ps []netip.Prefix
	if n, ok := o.lookup("address"); ok {
		if p, ok := d.prefix(n, "address of "+what, 32); ok {
			ps = append(ps, p)
		}
	}
	for _, n := range d.list(o.node("addresses"), "addresses of "+what) {
		if p, ok := d.prefix(n, "address of "+what, 32); ok {
			ps = append(ps, p)
		}
	}
	if e.key == DevLoopback {
		nd.Loopback = append(nd.Loopback, ps...)
	} else {
		nd.Tunnel, nd.HasTunnel = append(nd.Tunnel, ps...), true
	}
}

// MarkRule is an iptables mangle rule that marks packets for a fwmark
// virtual server: iptables -t mangle -A PREROUTING -d DST -p PROTO
// --dport LO:HI -j MARK --set-mark MARK. The first matching rule wins.
type MarkRule struct {
	Pos            Pos
	Mark           uint32
	Dst            netip.Prefix
	Protocol       string // "TCP", "UDP" or "" (any)
	PortLo, PortHi int    // 0, 0: any port
}

var markKeys = []string{"mark", "dst", "protocol", "dport"}

func (d *decoder) markRule(n ast.Node, path, node string) *MarkRule {
	what := "fwmark rule of " + node
	o := d.object(n, path, what, markKeys)
	r := &MarkRule{Pos: o.pos}
	if v, ok := o.intIn("mark", 1, 1<<32-1); ok {
		r.Mark = uint32(v)
	} else if !o.has("mark") {
		o.missing(o.pos, "missing key \"mark\" in %s; valid: mark: 1", what)
	}
	if nd, ok := o.lookup("dst"); ok {
		if p, ok := d.prefix(nd, "dst of "+what, 32); ok {
			r.Dst = p.Masked()
		}
	} else if !o.has("dst") {
		o.missing(o.pos, "missing key \"dst\" in %s; valid: dst: 10.0.0.100/32", what)
	}
	if v, ok := o.str("protocol"); ok {
		if up := strings.ToUpper(v); up == "TCP" || up == "UDP" {
			r.Protocol = up
		} else {
			o.bad("protocol", "unknown protocol %q; valid: tcp, udp", v)
		}
	}
	if v, ok := o.str("dport"); ok {
		lo, hi, found := strings.Cut(v, ":")
		if !found {
			hi = lo
		}
		a, err1 := strconv.ParseUint(lo, 10, 16)
		b, err2 := strconv.ParseUint(hi, 10, 16)
		if err1 != nil || err2 != nil || a == 0 || b < a {
			o.bad("dport", "bad port %q; valid: a port like 80 or a range like 8000:8100 (iptables --dport)", v)
		} else {
			r.PortLo, r.PortHi = int(a), int(b)
		}
		if r.Protocol == "" {
			o.bad("dport", "a port needs a protocol (iptables -p); valid: protocol: tcp")
		}
	}
	return r
}
