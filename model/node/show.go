package node

import (
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Read-only accessors for the stepper's show views.

// Armed and Deadline let sim.Deadline read a local-clock timer: the
// deadline is the kernel timer's, in virtual time.
func (l *localTimer) Armed() bool        { return l.t.Armed() }
func (l *localTimer) Deadline() sim.Time { return l.t.Deadline() }

// DaemonUp reports whether the node's VRRP daemon runs.
func (n *Node) DaemonUp() bool { return n.daemonUp }

// Routes returns the node's static routes.
func (n *Node) Routes() []Route { return n.cfg.Routes }

// Forwarding reports whether the node forwards IPv4.
func (n *Node) Forwarding() bool { return n.cfg.Forwarding }

// HeldVIP is a virtual IP an interface holds as VRRP master and the MAC
// it answers ARP for it with.
type HeldVIP struct {
	IP  netip.Addr
	MAC wire.MAC
}

// VIPs returns the virtual IPs the interface holds, in IP order.
func (i *Interface) VIPs() []HeldVIP {
	return i.vips.all()
}
