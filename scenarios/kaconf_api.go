package scenarios

import (
	"net/netip"
	"slices"

	"github.com/vrrpsim/vrrpsim/model/lb/check"
)

// Helpers for the keepalived.conf reader (scenarios/keepalived), so that
// it checks virtual servers with the same rules as the YAML loader.

// ParseAddrPort reads a keepalived "IPV4-ADDRESS PORT" (or "A:P").
func ParseAddrPort(s string) (netip.AddrPort, bool) { return parseAddrPort(s) }

// ParseStatusRange reads an HTTP_GET status_code word, "200" or
// "200-299" within 100..599 (check_http.c status_code_handler).
func ParseStatusRange(s string) (check.StatusRange, bool) { return statusRange(s) }

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
