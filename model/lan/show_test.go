package lan

import (
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestFDBShowsEntriesOldestFirst: FDB lists the learned MACs with their
// port and last refresh in aging order (the list br_fdb_cleanup walks), a
// refresh moves an entry to the end, and PortStatus follows link state.
func TestFDBShowsEntriesOldestFirst(t *testing.T) {
	k := sim.New(1)
	s := New(k, "lan", Config{FDBAging: time.Minute})
	a := s.Attach("a", "eth0", receiverFunc(func([]byte) {}))
	b := s.Attach("b", "eth0", receiverFunc(func([]byte) {}))
	bc := wire.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	send := func(at time.Duration, p *Port, src wire.MAC) {
		k.At(sim.D(at), func() { p.Send(eth(bc, src, 0x88b5, nil)) })
	}
	send(1*time.Second, a, mac(1))
	send(2*time.Second, b, mac(2))
	send(3*time.Second, a, mac(1)) // refresh: mac(1) is now the newest
	k.Run(sim.D(4 * time.Second))
	got := s.FDB()
	if len(got) != 2 || got[0].MAC != mac(2) || got[0].Port != "b/eth0" || got[1].MAC != mac(1) || got[1].Port != "a/eth0" {
		t.Fatalf("FDB = %+v, want mac 2 on b/eth0 then mac 1 on a/eth0", got)
	}
	if got[1].Updated <= got[0].Updated || got[1].Updated < sim.D(3*time.Second) {
		t.Errorf("updated %v then %v: the refreshed entry must be newest (>= 3s)", got[0].Updated, got[1].Updated)
	}
	if s.Aging() != time.Minute {
		t.Errorf("Aging() = %v, want 1m", s.Aging())
	}
	b.SetLink(false)
	ps := s.PortStatus()
	if len(ps) != 2 || ps[0].Name != "a/eth0" || !ps[0].LinkUp || ps[1].LinkUp {
		t.Errorf("PortStatus = %+v, want a/eth0 up, b/eth0 down", ps)
	}
	if len(s.FDB()) != 1 {
		t.Errorf("after b's link went down FDB = %+v, want b's entry flushed", s.FDB())
	}
}
