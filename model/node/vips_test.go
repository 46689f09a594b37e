package node

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	"github.com/vrrpsim/vrrpsim/model/wire"
)

// TestVIPSetMatchesMap plays random holds and releases on a vipSet and on
// a map, across the switch from list to map (vipFew) and back through
// clear, and compares every lookup and the sorted listing.
func TestVIPSetMatchesMap(t *testing.T) {
	for _, span := range []int{3, vipFew, vipFew + 1, 40} {
		t.Run(fmt.Sprint(span), func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(span), 7))
			var s vipSet
			m := map[netip.Addr]wire.MAC{}
			addr := func() netip.Addr { return netip.AddrFrom4([4]byte{10, 0, 0, byte(r.IntN(span))}) }
			for step := range 3000 {
				a := addr()
				switch op := r.IntN(20); {
				case op == 0:
					s.clear()
					clear(m)
				case op < 12:
					mac := wire.MAC{0, 0, 0x5e, 0, 1, byte(r.IntN(4))}
					s.set(a, mac)
					m[a] = mac
				default:
					s.del(a)
					delete(m, a)
				}
				for k := range span {
					b := netip.AddrFrom4([4]byte{10, 0, 0, byte(k)})
					gm, gok := s.get(b)
					wm, wok := m[b]
					if gm != wm || gok != wok || s.has(b) != wok {
						t.Fatalf("step %d: get(%v) = %v %v, want %v %v", step, b, gm, gok, wm, wok)
					}
				}
				if s.len() != len(m) {
					t.Fatalf("step %d: len %d, want %d", step, s.len(), len(m))
				}
				want := make([]HeldVIP, 0, len(m))
				for ip, mac := range m {
					want = append(want, HeldVIP{ip, mac})
				}
				slices.SortFunc(want, func(a, b HeldVIP) int { return a.IP.Compare(b.IP) })
				if got := s.all(); !slices.Equal(got, want) {
					t.Fatalf("step %d: all() = %v, want %v", step, got, want)
				}
			}
		})
	}
}
