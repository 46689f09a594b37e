package scenarios

import (
	"fmt"

	"github.com/vrrpsim/vrrpsim/model/node"
)

// buildLB adds a node's load-balancing parts: lo and tunl0 addresses, the
// client source addresses of its http flows, its TCP services and its
// LVS director.
func (w *World) buildLB(n *node.Node, sn *Node) error {
	if len(sn.Loopback) > 0 {
		if err := n.AddLoopback(sn.Loopback); err != nil {
			return fmt.Errorf("%s: %v", sn.Pos, err)
		}
	}
	if sn.HasTunnel {
		if err := n.AddTunnel(sn.Tunnel); err != nil {
			return fmt.Errorf("%s: %v", sn.Pos, err)
		}
	}
	return nil
}
