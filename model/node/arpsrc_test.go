package node

import (
	"net/netip"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// TestARPSourceMemo: setARPSource skips the map write when it would store
// what the last write stored, and the map still answers what Linux
// arp_solicit asks (the source of the last packet queued to that
// neighbour), across neighbours, sources and a crash that forgets all.
func TestARPSourceMemo(t *testing.T) {
	a := netip.MustParseAddr
	n := New(sim.New(1), Config{Name: "h", Kind: KindHost})
	type step struct {
		crash     bool
		next, src string // set
		ask       string // then arpSource(ask)
		want      string // "" = not known
	}
	steps := []step{
		{next: "10.0.0.1", src: "10.0.0.10", ask: "10.0.0.1", want: "10.0.0.10"},
		{next: "10.0.0.1", src: "10.0.0.10", ask: "10.0.0.1", want: "10.0.0.10"},
		{next: "10.0.0.2", src: "10.0.0.10", ask: "10.0.0.2", want: "10.0.0.10"},
		{next: "10.0.0.1", src: "10.0.0.11", ask: "10.0.0.1", want: "10.0.0.11"},
		{next: "10.0.0.1", src: "10.0.0.11", ask: "10.0.0.2", want: "10.0.0.10"},
		{crash: true, ask: "10.0.0.1"},
		{next: "10.0.0.1", src: "10.0.0.11", ask: "10.0.0.1", want: "10.0.0.11"},
		{next: "::1", src: "::2", ask: "::1"},
	}
	for i, s := range steps {
		if s.crash {
			n.Crash()
		} else {
			n.setARPSource(a(s.next), a(s.src))
		}
		got, ok := n.arpSource(a(s.ask))
		if (s.want == "") == ok || (ok && got != a(s.want)) {
			t.Errorf("step %d: arpSource(%s) = %v %v, want %q", i, s.ask, got, ok, s.want)
		}
	}
}
