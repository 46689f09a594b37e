package arp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// FuzzHandleARP drives a cache with a random sequence of received ARP
// packets, outputs, confirmations and time steps (3 bytes per step) and
// checks the invariants after every step.
func FuzzHandleARP(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	f.Add([]byte{1, 0x41, 0, 0, 0, 0, 3, 0xff, 0, 2, 0x12, 1})
	f.Add([]byte{1, 2, 3, 0, 0x10, 0xf0, 2, 0x33, 0x80, 5, 0, 1, 0, 2, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, profile := range []Profile{ProfileLinux, ProfileFixed} {
			env := newEnv(1)
			cfg := Config{Profile: profile, QueueLen: 3}
			if len(data) > 0 && data[0]&1 == 1 {
				cfg.ArpAccept = 1
			}
			c := New(cfg, env)
			ips := []netip.Addr{us, gw, ip(2), netip.IPv4Unspecified(), netip.MustParseAddr("224.0.0.18")}
			macs := []wire.MAC{macA, macB, usMAC, wire.Broadcast}
			for i := 0; i+2 < len(data); i += 3 {
				op, x, y := data[i], data[i+1], data[i+2]
				switch op % 6 {
				case 0, 1: // an ARP packet
					a := &wire.ARP{
						Op:        uint16(1 + x&1),
						SenderIP:  ips[int(x>>1)%len(ips)],
						TargetIP:  ips[int(x>>4)%len(ips)],
						SenderMAC: macs[int(y)%len(macs)],
						TargetMAC: macs[int(y>>2)%len(macs)],
					}
					if y&0x40 != 0 {
						a.Op = uint16(y) // garbage op
					}
					c.HandleARP(a, y&0x10 != 0, a.TargetIP == us)
				case 2:
					c.Output(ips[int(x)%3], []byte{x, y})
				case 3:
					c.Confirm(ips[int(x)%3])
				case 4:
					env.run(time.Duration(x) * time.Duration(y) * 10 * time.Millisecond)
				case 5:
					if x == 0xff {
						c.Flush()
					}
				}
				checkInvariants(t, c, env)
			}
		}
	})
}

func checkInvariants(t *testing.T, c *Cache, env *fakeEnv) {
	t.Helper()
	entries := c.Entries()
	for i, e := range entries {
		if i > 0 && entries[i-1].IP.Compare(e.IP) >= 0 {
			t.Fatalf("Entries not sorted: %v then %v", entries[i-1].IP, e.IP)
		}
		if e.State == StateNone || e.State > StateFailed {
			t.Fatalf("entry %v in state %v", e.IP, e.State)
		}
		if !e.IP.Is4() || e.IP.IsUnspecified() || e.IP.IsMulticast() {
			t.Fatalf("entry for invalid address %v", e.IP)
		}
		if e.Updated > env.Now() {
			t.Fatalf("entry %v updated in the future", e.IP)
		}
	}
	for ip, e := range c.entries {
		if len(e.queue) > 0 && e.state != StateIncomplete {
			t.Fatalf("%v: %d packets queued in state %v", ip, len(e.queue), e.state)
		}
		if len(e.queue) > c.cfg.QueueLen {
			t.Fatalf("%v: queue %d over %d", ip, len(e.queue), c.cfg.QueueLen)
		}
		if c.cfg.Profile == ProfileFixed && (e.state == StateStale || e.state == StateDelay || e.state == StateProbe) {
			t.Fatalf("Fixed profile entry %v in Linux-only state %v", ip, e.state)
		}
	}
	for _, r := range env.trace {
		if r.From == r.To && r.Reason != ReasonGARP && r.Reason != ReasonReply && r.Reason != ReasonRequest {
			t.Fatalf("trace without a change: %+v", r)
		}
	}
	for _, r := range env.requests {
		if r.dst != wire.Broadcast && c.cfg.Profile == ProfileFixed {
			t.Fatalf("Fixed profile sent a unicast probe")
		}
	}
}
