package node

// nginx on a node: a TCP service on the listen port whose requests the
// proxy answers (tcp.AddHandler), and upstream connections opened as
// one-shot HTTP exchanges on the node's own stack (real frames, routed
// and ARPed like every local packet).

import (
	"fmt"

	"github.com/vrrpsim/vrrpsim/model/proxy"
	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/sim"
)

// proxyHandler is the proxy as the listen port's tcp.Handler.
type proxyHandler struct{ p *proxy.Proxy }

func (h *proxyHandler) Request(ex *tcp.Exchange) { h.p.Handle(ex) }

// Closed: the client left while its request waited (nginx's 499).
func (h *proxyHandler) Closed(ex *tcp.Exchange) { h.p.ClientClosed(ex) }

// Reset: the node crashed. nginx comes back with the node (systemd), with
// fresh state, unless it had been stopped.
func (h *proxyHandler) Reset() {
	was := h.p.Running()
	h.p.Reset()
	if was {
		h.p.Start()
	}
}

// proxyEnv is the node as a proxy.Env.
type proxyEnv struct{ n *Node }

func (e proxyEnv) Now() sim.Time      { return e.n.clock.now() }
func (e proxyEnv) Trace(r sim.Record) { e.n.trace(r) }

// Dial opens the upstream connection as a probe does: connect within
// the connect timeout, send the request, read the response to the FIN
// (or, keep-alive, to its Content-Length) with the read timeout between
// reads. A Reuse connection that is still idle carries the request
// instead.
func (e proxyEnv) Dial(d proxy.Dial, done func(proxy.Result)) func() {
	var pr *tcp.Probe
	conv := func(r tcp.ProbeResult) {
		res := proxy.Result{Connected: r.Connected, Status: r.Status, Server: r.Server, Body: r.Body}
		if r.Reusable {
			res.Conn = pr
		}
		switch r.Outcome {
		case tcp.ProbeOK:
		case tcp.ProbeTimeout:
			res.Outcome = proxy.OutcomeTimeout
		default:
			res.Outcome = proxy.OutcomeError
		}
		done(res)
	}
	if old, ok := d.Reuse.(*tcp.Probe); ok && old.Reuse(d.Request, conv) {
		pr = old
		return pr.Cancel
	}
	pr, err := e.n.tcpStack().StartProbe(tcp.ProbeConfig{Name: "nginx", To: d.To, Timeout: d.ConnectTimeout, ReadTimeout: d.ReadTimeout, HTTP: true, Request: d.Request,
		KeepAlive: d.KeepAlive, IdleTimeout: d.IdleTimeout}, conv)
	if err != nil {
		// the config was validated: only a bad timeout gets here
		e.n.k.After(0, func() { done(proxy.Result{Outcome: proxy.OutcomeError}) })
		return func() {}
	}
	return pr.Cancel
}

// AddProxy runs nginx on the node, listening on cfg.Listen's port (on
// every address: a VIP the node does not hold yet is
// net.ipv4.ip_nonlocal_bind, as keepalived + nginx setups need). It
// starts at once.
func (n *Node) AddProxy(cfg proxy.Config) (*proxy.Proxy, error) {
	if n.Proxy() != nil {
		return nil, fmt.Errorf("node %s: already runs nginx", n.cfg.Name)
	}
	p, err := proxy.New(cfg, proxyEnv{n: n}, n.k.Stream("proxy/"+n.cfg.Name))
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.cfg.Name, err)
	}
	if _, err := n.tcpStack().AddHandler(cfg.Listen.Port(), &proxyHandler{p: p}); err != nil {
		return nil, fmt.Errorf("node %s: nginx: %w", n.cfg.Name, err)
	}
	p.Start()
	return p, nil
}

// Proxy returns the node's nginx, nil if none.
func (n *Node) Proxy() *proxy.Proxy {
	if n.tcp == nil {
		return nil
	}
	for _, svc := range n.tcp.Services() {
		if h, ok := svc.Handler().(*proxyHandler); ok {
			return h.p
		}
	}
	return nil
}

// StopProxy kills nginx: requests in progress are reset and the listen
// port refuses connections (RST), as a closed port does.
func (n *Node) StopProxy() error {
	p := n.Proxy()
	if p == nil {
		return fmt.Errorf("node %s: no nginx", n.cfg.Name)
	}
	p.Stop()
	n.note("nginx", "stop", "")
	return n.tcp.SetFault(p.Config().Listen.Port(), tcp.Fault{Kind: tcp.FaultRefuse})
}

// StartProxy starts nginx again with fresh state.
func (n *Node) StartProxy() error {
	p := n.Proxy()
	if p == nil {
		return fmt.Errorf("node %s: no nginx", n.cfg.Name)
	}
	p.Start()
	n.note("nginx", "start", "")
	return n.tcp.SetFault(p.Config().Listen.Port(), tcp.Fault{})
}
