package node

import (
	"net/netip"
	"testing"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestRouteLongestPrefix follows Linux fib_table_lookup: connected
// subnets first, the longest prefix wins (the first listed at equal
// length), then the static routes, whose gateway must be on a connected
// subnet. Interfaces added after a lookup take part in the next one,
// even when it repeats the last lookup (routeMemo).
func TestRouteLongestPrefix(t *testing.T) {
	k := sim.New(1)
	seg := lan.New(k, "s", lan.Config{})
	n := New(k, Config{Name: "r", Routes: []Route{
		{To: netip.MustParsePrefix("0.0.0.0/0"), Via: netip.MustParseAddr("10.0.0.254")},
		{To: netip.MustParsePrefix("172.16.0.0/12"), Via: netip.MustParseAddr("10.1.2.1")},
		{To: netip.MustParsePrefix("172.16.5.0/24"), Via: netip.MustParseAddr("192.0.2.1")}, // gateway off link
		{To: netip.MustParsePrefix("198.51.100.0/24"), Via: netip.MustParseAddr("10.0.0.253")},
		{To: netip.MustParsePrefix("198.51.100.0/24"), Via: netip.MustParseAddr("10.0.0.252")}, // same length: the first wins
	}})
	add := func(name string, mac byte, addrs ...string) {
		var ps []netip.Prefix
		for _, a := range addrs {
			ps = append(ps, netip.MustParsePrefix(a))
		}
		if _, err := n.AddInterface(name, wire.MAC{2, 0, 0, 0, 0, mac}, ps, seg, arp.Config{}); err != nil {
			t.Fatal(err)
		}
	}
	add("eth0", 1, "10.0.0.1/16")
	add("eth1", 2, "10.1.2.3/24", "10.0.0.2/8")

	check := func(dst, wantIface, wantNext string) {
		t.Helper()
		i, next, err := n.route(netip.MustParseAddr(dst))
		if wantIface == "" {
			if err == nil {
				t.Errorf("route(%s) = %s via %s, want no route", dst, i.name, next)
			}
			return
		}
		if err != nil {
			t.Errorf("route(%s): %v, want %s via %s", dst, err, wantIface, wantNext)
			return
		}
		if i.name != wantIface || next.String() != wantNext {
			t.Errorf("route(%s) = %s via %s, want %s via %s", dst, i.name, next, wantIface, wantNext)
		}
	}
	check("10.0.9.9", "eth0", "10.0.9.9")     // /16 on eth0 beats /8 on eth1
	check("10.1.2.77", "eth1", "10.1.2.77")   // /24 on eth1 beats /8
	check("10.200.0.1", "eth1", "10.200.0.1") // only the /8 holds it
	check("8.8.8.8", "eth0", "10.0.0.254")    // default route, gateway on eth0's /16
	check("172.20.0.1", "eth1", "10.1.2.1")   // /12, gateway on eth1's /24
	check("172.16.5.9", "", "")               // the /24 wins but its gateway is on no subnet
	check("198.51.100.7", "eth0", "10.0.0.253")

	add("eth2", 3, "172.16.5.1/24")
	check("172.16.5.9", "eth2", "172.16.5.9") // now connected
	check("192.0.2.1", "eth0", "10.0.0.254")

	// The last lookup is remembered (routeMemo) only for the table it
	// was made in: a new interface's subnet takes over at once.
	check("172.20.0.1", "eth1", "10.1.2.1")
	check("172.20.0.1", "eth1", "10.1.2.1")
	add("eth3", 4, "172.20.0.2/16")
	check("172.20.0.1", "eth3", "172.20.0.1")
	check("8.8.8.8", "eth0", "10.0.0.254")

	// sourceFor (inet_select_addr towards the next hop) is remembered
	// with the route, and goes with it.
	source := func(dst, want string) {
		t.Helper()
		if s, ok := n.sourceFor(netip.MustParseAddr(dst)); !ok || s.String() != want {
			t.Errorf("sourceFor(%s) = %v %v, want %s", dst, s, ok, want)
		}
	}
	source("8.8.8.8", "10.0.0.1")
	source("8.8.8.8", "10.0.0.1")
	source("10.1.2.77", "10.1.2.3")
	source("172.20.0.1", "172.20.0.2")
	add("eth4", 5, "8.8.0.1/16")
	source("8.8.8.8", "8.8.0.1")
}
