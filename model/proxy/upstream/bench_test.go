package upstream

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"
)

// benchUpstream is eight servers, weights 1..8, and 256 clients and
// keys, for one method.
func benchUpstream(tb testing.TB, m Method) (*Upstream, []netip.Addr, []string) {
	tb.Helper()
	var ss []Server
	for i := range 8 {
		ss = append(ss, Server{Addr: "10.1.0." + strconv.Itoa(i+1) + ":80", Weight: i + 1})
	}
	u, err := New(m, ss, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		tb.Fatal(err)
	}
	clients := make([]netip.Addr, 256)
	keys := make([]string, 256)
	for i := range clients {
		clients[i] = netip.AddrFrom4([4]byte{10, byte(i), byte(i >> 3), 1})
		keys[i] = "/item/" + strconv.Itoa(i)
	}
	return u, clients, keys
}

// BenchmarkPick is one request of every method: Begin, Get, Free.
func BenchmarkPick(b *testing.B) {
	for m := RoundRobin; m <= RandomTwo; m++ {
		b.Run(m.String(), func(b *testing.B) {
			u, clients, keys := benchUpstream(b, m)
			var r Request
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				u.Begin(&r, clients[i&255], keys[i&255])
				if _, err := u.Get(&r, 0); err == nil {
					u.Free(&r, false, 0)
				}
			}
		})
	}
}

// A pick allocates nothing once the Request has its buffers (nginx
// allocates its peer data from the request pool).
func TestPickAllocatesNothing(t *testing.T) {
	for m := RoundRobin; m <= RandomTwo; m++ {
		u, clients, keys := benchUpstream(t, m)
		var r Request
		u.Begin(&r, clients[0], "/a/long/enough/key/for/all/the/others")
		i := 0
		allocs := testing.AllocsPerRun(300, func() {
			u.Begin(&r, clients[i&255], keys[i&255])
			if _, err := u.Get(&r, 0); err == nil {
				u.Free(&r, true, 0)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("%v: %v allocations per pick, want 0", m, allocs)
		}
	}
}
