package scenarios

// nginx as an L7 balancer on a node: the proxy: block, in nginx's own
// directive names (docs/nginx.md), and the stop_proxy/start_proxy
// timeline actions.

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/proxy"
)

// Proxy is a node's nginx: one server block proxying to one upstream.
type Proxy struct {
	Pos                 Pos
	Listen              netip.AddrPort
	Workers             int
	Upstream            string // the upstream block's name
	Method              string // as written: "least_conn", "hash $remote_addr consistent"
	Zone                bool
	Servers             []string // server lines as written
	ConnectTimeout      time.Duration
	ReadTimeout         time.Duration
	NextUpstream        []string
	NextUpstreamTries   int
	NextUpstreamTimeout time.Duration
	// The upstream's keepalive N, keepalive_timeout, keepalive_requests.
	Keepalive         int
	KeepaliveTimeout  time.Duration
	KeepaliveRequests int

	cfg proxy.Config // parsed
}

// Timeline actions on nginx.
const (
	ActStopProxy  ActionKind = "stop_proxy"  // nginx dies: its clients are reset, the port refuses
	ActStartProxy ActionKind = "start_proxy" // nginx starts again, with fresh upstream state
)

var proxyKeys = []string{"listen", "worker_processes", "upstream", "proxy_connect_timeout", "proxy_read_timeout",
	"proxy_next_upstream", "proxy_next_upstream_tries", "proxy_next_upstream_timeout"}

var upstreamKeys = []string{"name", "method", "zone", "servers", "keepalive", "keepalive_timeout", "keepalive_requests"}

// proxyNode decodes a node's proxy: block.
func (d *decoder) proxyNode(o *object, nd *Node) {
	if !o.has("proxy") {
		return
	}
	path := "nodes." + nd.Name + ".proxy"
	what := "proxy of " + nd.Name
	if nd.Kind == KindHost {
		d.add(o.keyAt("proxy"), "proxy in node %s of kind host; valid: nginx runs on kind server or router", nd.Name)
	}
	errs := len(d.errs)
	po := d.object(o.node("proxy"), path, what, proxyKeys)
	p := &Proxy{Pos: po.pos, Upstream: proxy.DefaultUpstreamName}
	if v, ok := po.str("listen"); ok {
		ap, err := netip.ParseAddrPort(v)
		if err != nil || !ap.Addr().Is4() || ap.Port() == 0 {
			po.bad("listen", "bad address %q; valid: IPV4:PORT, like 192.168.1.100:80", v)
		}
		p.Listen = ap
	} else {
		po.missing(po.pos, "missing key \"listen\" in %s; valid: listen: 192.168.1.100:80", what)
	}
	if v, ok := po.intIn("worker_processes", 1, proxy.MaxWorkers); ok {
		p.Workers = int(v)
	}
	for _, k := range []struct {
		key string
		dst *time.Duration
	}{{"proxy_connect_timeout", &p.ConnectTimeout}, {"proxy_read_timeout", &p.ReadTimeout}, {"proxy_next_upstream_timeout", &p.NextUpstreamTimeout}} {
		if v, ok := po.duration(k.key); ok {
			if v < 0 || k.key != "proxy_next_upstream_timeout" && v == 0 {
				po.bad(k.key, "must be positive; valid: a duration like 1s")
			}
			*k.dst = v
		}
	}
	if v, ok := po.intIn("proxy_next_upstream_tries", 0, 1000); ok {
		p.NextUpstreamTries = int(v)
	}
	if po.has("proxy_next_upstream") {
		for _, n := range d.names(po.node("proxy_next_upstream"), "proxy_next_upstream of "+nd.Name) {
			p.NextUpstream = append(p.NextUpstream, n.Name)
			if _, err := proxy.ParseNextUpstream([]string{n.Name}); err != nil {
				d.add(n.Pos, "%v", err)
			}
		}
	}
	if !po.has("upstream") {
		po.missing(po.pos, "missing key \"upstream\" in %s; valid: upstream: {method: least_conn, servers: [\"10.0.0.11:80 weight=2\"]}", what)
	}
	uo := d.object(po.node("upstream"), path+".upstream", "upstream of "+nd.Name, upstreamKeys)
	if v, ok := uo.str("name"); ok {
		p.Upstream = v
	}
	if v, ok := uo.str("method"); ok {
		if _, _, err := proxy.ParseMethod(v); err != nil {
			uo.bad("method", "%v", err)
		}
		p.Method = v
	}
	if v, ok := uo.boolean("zone"); ok {
		p.Zone = v
	}
	if v, ok := uo.intIn("keepalive", 1, 1<<16); ok {
		p.Keepalive = int(v)
	}
	if v, ok := uo.duration("keepalive_timeout"); ok {
		if v <= 0 {
			uo.bad("keepalive_timeout", "must be positive; valid: a duration like 60s (nginx's default)")
		}
		p.KeepaliveTimeout = v
	}
	if v, ok := uo.intIn("keepalive_requests", 1, 1<<30); ok {
		p.KeepaliveRequests = int(v)
	}
	for _, k := range []string{"keepalive_timeout", "keepalive_requests"} {
		if uo.has(k) && !uo.has("keepalive") {
			uo.bad(k, "the upstream keeps no connections without keepalive N; valid: keepalive: 16 with it")
		}
	}
	for _, n := range d.names(uo.node("servers"), "servers of the upstream of "+nd.Name) {
		p.Servers = append(p.Servers, n.Name)
		if _, err := proxy.ParseServer(n.Name); err != nil {
			d.add(n.Pos, "%v", err)
		}
	}
	if len(p.Servers) == 0 && uo.has("servers") {
		uo.bad("servers", "no server; valid: servers: [\"10.0.0.11:80\", \"10.0.0.12:80 backup\"]")
	} else if !uo.has("servers") {
		uo.missing(uo.pos, "missing key \"servers\" in upstream of %s; valid: servers: [\"10.0.0.11:80 weight=2 max_fails=1 fail_timeout=10s\"]", nd.Name)
	}
	if cfg, err := p.config(); err == nil {
		p.cfg = cfg
	} else if len(d.errs) == errs {
		d.add(p.Pos, "proxy of %s: %v", nd.Name, err)
	}
	nd.Proxy = p
	for _, sv := range nd.Services {
		if sv.Port == int(p.Listen.Port()) {
			d.add(p.Pos, "port %d of %s is both a service and nginx's listen port; valid: one per port", sv.Port, nd.Name)
		}
	}
}

// config maps the block onto the proxy's configuration, with nginx's
// checks (proxy.Config.Validate).
func (p *Proxy) config() (proxy.Config, error) {
	m, key, err := proxy.ParseMethod(p.Method)
	if err != nil {
		return proxy.Config{}, err
	}
	next, err := proxy.ParseNextUpstream(p.NextUpstream)
	if err != nil {
		return proxy.Config{}, err
	}
	cfg := proxy.Config{Listen: p.Listen, Workers: p.Workers, Name: p.Upstream, Method: m, HashKey: key, Zone: p.Zone,
		ConnectTimeout: p.ConnectTimeout, ReadTimeout: p.ReadTimeout, NextUpstream: next,
		NextUpstreamTries: p.NextUpstreamTries, NextUpstreamTimeout: p.NextUpstreamTimeout,
		Keepalive: p.Keepalive, KeepaliveTimeout: p.KeepaliveTimeout, KeepaliveRequests: p.KeepaliveRequests}
	for _, l := range p.Servers {
		s, err := proxy.ParseServer(l)
		if err != nil {
			return cfg, err
		}
		cfg.Servers = append(cfg.Servers, s)
	}
	return cfg, cfg.Validate()
}

// ServiceName is how reports name the upstream ("upstream backend"),
// also what a share expectation's virtual_server names for a proxy.
func (p *Proxy) ServiceName() string { return "upstream " + p.Upstream }

// proxyAction decodes stop_proxy and start_proxy: {node: px1}.
func (d *decoder) proxyAction(a *Action, n ast.Node, path, what string, name func(*object, string, refKind, string) string) {
	o, ok := d.args(n, path, what, []string{"node"}, nil)
	if !ok {
		return
	}
	a.Node = name(o, "node", refNode, "")
	d.lbRefs = append(d.lbRefs, lbRef{pos: a.Pos, kind: a.Kind, node: a.Node, what: what})
}

// checkProxyRef: stop_proxy/start_proxy name a node with a proxy: block.
func (d *decoder) checkProxyRef(n *Node, r lbRef) {
	if n.Proxy == nil {
		d.add(r.pos, "node %s has no proxy: block in %s; valid: a node running nginx", r.node, r.what)
	}
}

// proxyShare reports whether a share expectation names n's upstream.
func (n *Node) proxyShare(vs string) bool {
	return n.Proxy != nil && (vs == n.Proxy.ServiceName() || vs == n.Proxy.Upstream)
}

// buildProxy starts nginx on a node.
func (w *World) buildProxy(n *node.Node, sn *Node) error {
	if sn.Proxy == nil {
		return nil
	}
	if _, err := n.AddProxy(sn.Proxy.cfg); err != nil {
		return fmt.Errorf("%s: %v", sn.Proxy.Pos, err)
	}
	return nil
}

// proxyDo carries out stop_proxy and start_proxy.
func (w *World) proxyDo(n *node.Node, a Action) error {
	if n == nil {
		return fmt.Errorf("%s: no node %q", a.Pos, a.Node)
	}
	if a.Kind == ActStopProxy {
		return n.StopProxy()
	}
	return n.StartProxy()
}

// proxyActionString is Action.String for the proxy actions.
func proxyActionString(a Action) string { return string(a.Kind) + " " + a.Node }
