package node

// The node's TCP: listening services (real servers) and HTTP clients
// (traffic sources) on one tcp.Stack per node, created on first use.
// Segments arrive through deliverLocal (traffic.go) and leave through
// sendIP (routing and ARP), as every other local packet does.

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// tcpEnv is the node as a tcp.Env: the node's clock and timers (so a
// drifting clock stretches TCP's timers like the other daemons'), its
// routing, its trace and a stream per client, "tcp/NODE/NAME".
type tcpEnv struct{ n *Node }

func (e tcpEnv) Now() sim.Time                             { return e.n.clock.now() }
func (e tcpEnv) NewTimer(fn func()) sim.Resettable         { return e.n.newTimer(fn) }
func (e tcpEnv) Send(src, dst netip.Addr, pkt []byte)      { e.n.sendIP(src, dst, pkt) }
func (e tcpEnv) Trace(r sim.Record)                        { e.n.trace(r) }
func (e tcpEnv) SourceFor(d netip.Addr) (netip.Addr, bool) { return e.n.sourceFor(d) }
func (e tcpEnv) Stream(name string) *rand.Rand {
	return e.n.k.Stream("tcp/" + e.n.cfg.Name + "/" + name)
}

// TCP returns the node's TCP stack (services, clients, counters), nil if
// the node never used TCP.
func (n *Node) TCP() *tcp.Stack { return n.tcp }

func (n *Node) tcpStack() *tcp.Stack {
	if n.tcp == nil {
		n.tcp = tcp.New(n.cfg.Name, tcpEnv{n: n})
	}
	return n.tcp
}

// AddService makes the node listen on cfg.Port on all its addresses (an
// HTTP/1.0 responder naming the node in X-Real-Server).
func (n *Node) AddService(cfg tcp.ServiceConfig) error {
	if _, err := n.tcpStack().AddService(cfg); err != nil {
		return fmt.Errorf("node %s: %w", n.cfg.Name, err)
	}
	return nil
}

// SetServiceFault makes the service on port refuse, black-hole, answer
// slowly, or behave again (tcp.FaultNone).
func (n *Node) SetServiceFault(port uint16, f tcp.Fault) error {
	if n.tcp == nil {
		return fmt.Errorf("node %s: no tcp service on port %d", n.cfg.Name, port)
	}
	if err := n.tcp.SetFault(port, f); err != nil {
		return fmt.Errorf("node %s: %w", n.cfg.Name, err)
	}
	n.note(fmt.Sprintf("tcp/%d", port), "fault", f.Kind.String())
	return nil
}

// AddClient adds an HTTP client traffic source. Its Sources must be
// addresses of the node. It starts with the node (Start, Restart).
func (n *Node) AddClient(cfg tcp.ClientConfig) (*tcp.Client, error) {
	for _, a := range cfg.Sources {
		if !n.isLocal(a) {
			return nil, fmt.Errorf("node %s: client %s: source %v is not an address of the node", n.cfg.Name, cfg.Name, a)
		}
	}
	c, err := n.tcpStack().AddClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.cfg.Name, err)
	}
	return c, nil
}

// receiveTCP hands a segment for a local address to the stack; a node
// that never used TCP still answers like Linux: RST for a closed port.
func (n *Node) receiveTCP(fr *wire.Frame) {
	n.tcpStack().Receive(fr.IP, fr.TCP, fr.Payload)
}

// startTCP starts the clients (Start, Restart).
func (n *Node) startTCP() {
	if n.tcp != nil {
		n.tcp.Start()
	}
}

// crashTCP drops every connection and stops the clients (Crash).
func (n *Node) crashTCP() {
	if n.tcp != nil {
		n.tcp.Reset()
	}
}
