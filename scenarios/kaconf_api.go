package scenarios

import (
	"net/netip"
	"slices"
)

// Helpers for the keepalived.conf reader (scenarios/keepalived), so that
// it checks virtual servers with the same rules as the YAML loader.

// ParseAddrPort reads a keepalived "IPV4-ADDRESS PORT" (or "A:P").
func ParseAddrPort(s string) (netip.AddrPort, bool) { return parseAddrPort(s) }

// MaskBits is the prefix length of a contiguous IPv4 netmask; ok is false
// when the mask has holes.
func MaskBits(a netip.Addr) (bits int, ok bool) {
	if !a.Is4() {
		return 0, false
	}
	return maskBits(a)
}

// LBAlgos are the IPVS schedulers a virtual_server may name.
func LBAlgos() []string { return slices.Clone(lbAlgos) }

// LBKinds are the forwarding methods (lb_kind).
func LBKinds() []string { return slices.Clone(lbKinds) }
