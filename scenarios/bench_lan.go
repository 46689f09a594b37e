package scenarios

import (
	"fmt"
	"strings"
	"time"
)

// BenchLANGroupsPerSegment is the most VRRP groups one generated LAN
// holds: VRIDs are 8 bits (RFC 3768 section 5.3.3) and 0 is invalid, so
// 250 keeps every group's VRID (and its virtual MAC) unique on its LAN.
const BenchLANGroupsPerSegment = 250

// BenchLAN generates issue 14's benchmark LAN as scenario YAML: groups
// VRRP groups of two routers each (priority 150 and 100, advert_int 1s,
// one virtual IP), and one host per group pinging its group's virtual IP
// every 20 ms from 5 s on, spread over as many segments as it takes to
// hold BenchLANGroupsPerSegment groups each. At 10 s the master of the
// first group crashes, so the report has one failover to show.
func BenchLAN(groups int, dur time.Duration) ([]byte, error) {
	if groups < 1 {
		return nil, fmt.Errorf("bench LAN: %d groups; valid: at least 1", groups)
	}
	if dur < 11*time.Second {
		return nil, fmt.Errorf("bench LAN: duration %s; valid: at least 11s (the crash is at 10s)", dur)
	}
	lans := (groups + BenchLANGroupsPerSegment - 1) / BenchLANGroupsPerSegment
	var b strings.Builder
	fmt.Fprintf(&b, "name: bench-lan-%d\n", groups)
	fmt.Fprintf(&b, `description: |
  Issue 14's benchmark: %d VRRP groups of 2 routers on %d LAN(s), one host
  per group pinging its group's virtual IP every 20 ms from 5 s. The master
  of group 1 (g1a, priority 150) crashes at 10 s; g1b (priority 100) takes
  over after its Master_Down_Interval, 3 x 1 s + (256 - 100)/256 s =
  3.609 s after the last advert it heard (at most 1 s before the crash),
  so within 3.7 s of the crash with margin for the switch latency.
`, groups, lans)
	fmt.Fprintf(&b, "duration: %s\nseed: 1\n\nsegments:\n", dur)
	for l := 1; l <= lans; l++ {
		fmt.Fprintf(&b, "  lan%d: {}\n", l)
	}
	b.WriteString("\nnodes:\n")
	for g := 1; g <= groups; g++ {
		lan := (g-1)/BenchLANGroupsPerSegment + 1
		vrid := (g-1)%BenchLANGroupsPerSegment + 1
		// 10.LAN.VRID.0/16 per LAN: .1 and .2 the routers, .254 the VIP,
		// .10 the host.
		for i, r := range []struct {
			suffix string
			prio   int
		}{{"a", 150}, {"b", 100}} {
			fmt.Fprintf(&b, `  g%d%s:
    kind: router
    interfaces:
      eth0: {segment: lan%d, address: 10.%d.%d.%d/16}
    vrrp:
      VI_%d:
        interface: eth0
        virtual_router_id: %d
        priority: %d
        advert_int: 1s
        virtual_ipaddress: [10.%d.%d.254]
`, g, r.suffix, lan, lan, vrid, i+1, g, vrid, r.prio, lan, vrid)
		}
		fmt.Fprintf(&b, `  h%d:
    kind: host
    interfaces:
      eth0: {segment: lan%d, address: 10.%d.%d.10/16, gateway: 10.%d.%d.254}
    traffic:
      - ping: {to: 10.%d.%d.254, interval: 20ms, start: 5s}
`, g, lan, lan, vrid, lan, vrid, lan, vrid)
	}
	b.WriteString(`
timeline:
  - at: 10s
    crash: g1a

expect:
  - at: 9s
    master: {VI_1: g1a}
  - after: crash g1a
    within: 3.7s
    master: {VI_1: g1b}
`)
	return []byte(b.String()), nil
}
