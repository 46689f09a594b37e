package lan

import (
	"encoding/binary"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Test frames are built by hand with encoding/binary so these tests do not
// depend on the wire encoders.

func mac(b byte) wire.MAC { return wire.MAC{0x02, 0, 0, 0, 0, b} }

// eth returns an Ethernet II frame with a 46-byte payload whose first
// bytes are payload.
func eth(dst, src wire.MAC, etherType uint16, payload []byte) []byte {
	b := make([]byte, 14, 14+46)
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	binary.BigEndian.PutUint16(b[12:14], etherType)
	b = append(b, payload...)
	for len(b) < 60 {
		b = append(b, 0)
	}
	return b
}

// arpFrame is an Ethernet/IPv4 ARP frame (RFC 826 layout).
func arpFrame(dst, src wire.MAC, op uint16, senderIP, targetIP [4]byte, targetMAC wire.MAC) []byte {
	p := make([]byte, 28)
	binary.BigEndian.PutUint16(p[0:2], 1)      // hardware type Ethernet
	binary.BigEndian.PutUint16(p[2:4], 0x0800) // protocol IPv4
	p[4], p[5] = 6, 4
	binary.BigEndian.PutUint16(p[6:8], op)
	copy(p[8:14], src[:])
	copy(p[14:18], senderIP[:])
	copy(p[18:24], targetMAC[:])
	copy(p[24:28], targetIP[:])
	return eth(dst, src, wire.EtherTypeARP, p)
}

// ipFrame is an Ethernet/IPv4 frame with a valid header checksum and an
// 8-byte zero payload of the given protocol.
func ipFrame(dst, src wire.MAC, proto uint8, srcIP, dstIP [4]byte) []byte {
	h := make([]byte, 28)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:4], 28)
	h[8] = 255
	h[9] = proto
	copy(h[12:16], srcIP[:])
	copy(h[16:20], dstIP[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(h[10:12], ^uint16(sum))
	return eth(dst, src, wire.EtherTypeIPv4, h)
}

type rx struct {
	at    sim.Time
	frame []byte
}

// sink records what a port receives.
type sink struct {
	k   *sim.Kernel
	got []rx
}

func (s *sink) Receive(frame []byte) {
	s.got = append(s.got, rx{s.k.Now(), slices.Clone(frame)})
}

type rig struct {
	k     *sim.Kernel
	seg   *Segment
	ports map[string]*Port
	sinks map[string]*sink
	trace []sim.Record
}

// newRig attaches one port per node name, in order, interface "eth0".
func newRig(t testing.TB, seed uint64, cfg Config, nodes ...string) *rig {
	t.Helper()
	k := sim.New(seed)
	r := &rig{k: k, seg: New(k, "lan0", cfg), ports: map[string]*Port{}, sinks: map[string]*sink{}}
	k.AddTracer(func(rec *sim.Record) {
		c := *rec
		c.Frame = slices.Clone(rec.Frame)
		r.trace = append(r.trace, c)
	})
	for _, n := range nodes {
		s := &sink{k: k}
		r.sinks[n] = s
		r.ports[n] = r.seg.Attach(n, "eth0", s)
	}
	return r
}

func (r *rig) send(node string, frame []byte) { r.ports[node].Send(frame) }

func (r *rig) run(d time.Duration) { r.k.Run(r.k.Now().Add(d)) }

// counts returns how many frames each node received, in the given order.
func (r *rig) counts(nodes ...string) []int {
	out := make([]int, len(nodes))
	for i, n := range nodes {
		out[i] = len(r.sinks[n].got)
	}
	return out
}

func (r *rig) reset() {
	for _, s := range r.sinks {
		s.got = nil
	}
	r.trace = nil
}

func (r *rig) records(kind sim.Kind) []sim.Record {
	var out []sim.Record
	for _, rec := range r.trace {
		if rec.Kind == kind {
			out = append(out, rec)
		}
	}
	return out
}

func TestSegmentFloodsBroadcastAndUnknownUnicastToEveryOtherPort(t *testing.T) {
	tests := []struct {
		name string
		dst  wire.MAC
	}{
		{"broadcast", wire.Broadcast},
		{"multicast", wire.MulticastMAC(wire.VRRPGroup)},
		{"unknown unicast", mac(99)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, 1, Config{}, "a", "b", "c")
			r.send("a", eth(tt.dst, mac(1), wire.EtherTypeIPv4, nil))
			r.run(time.Millisecond)
			if got, want := r.counts("a", "b", "c"), []int{0, 1, 1}; !slices.Equal(got, want) {
				t.Errorf("deliveries a,b,c: got %v, want %v", got, want)
			}
			if got := r.seg.Counters().Flooded; got != 1 {
				t.Errorf("Flooded: got %d, want 1", got)
			}
		})
	}
}

func TestSegmentLearnsSourceMACOnIngressPort(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	if _, ok := r.seg.Lookup(mac(1)); ok {
		t.Fatalf("learned before the frame reached the switch")
	}
	r.run(time.Millisecond)
	port, ok := r.seg.Lookup(mac(1))
	if !ok || port != "a/eth0" {
		t.Fatalf("Lookup: got %q %v, want a/eth0 true", port, ok)
	}
	fdb := r.records(sim.KindFDB)
	if len(fdb) != 1 || fdb[0].Reason != ReasonLearn || fdb[0].To != "a/eth0" || fdb[0].From != "" || fdb[0].MAC != mac(1) || fdb[0].Node != "lan0" {
		t.Errorf("FDB trace: got %+v, want one learn of %v to a/eth0", fdb, mac(1))
	}
	if at := fdb[0].At; at != sim.D(DefaultLatency) {
		t.Errorf("learned at %v, want %v (after the ingress latency)", at, sim.D(DefaultLatency))
	}
}

// Linux br_handle_frame: a frame whose source MAC is multicast, broadcast
// or all zeros (!is_valid_ether_addr) is dropped on ingress: neither
// learned nor forwarded.
func TestSegmentDropsGroupOrZeroSource(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	r.send("a", eth(wire.Broadcast, wire.MAC{0x01, 0, 0x5e, 0, 0, 1}, wire.EtherTypeIPv4, nil))
	r.send("a", eth(wire.Broadcast, wire.Broadcast, wire.EtherTypeIPv4, nil))
	r.send("a", eth(mac(2), wire.MAC{}, wire.EtherTypeIPv4, nil))
	r.run(time.Millisecond)
	c := r.seg.Counters()
	if c.Learned != 0 || c.Delivered != 0 || c.DropBadSource != 3 {
		t.Errorf("Learned, Delivered, DropBadSource: got %d %d %d, want 0 0 3", c.Learned, c.Delivered, c.DropBadSource)
	}
	drops := r.records(sim.KindDrop)
	if len(drops) != 3 || drops[0].Reason != ReasonBadSource || drops[0].Comp != "a/eth0" {
		t.Errorf("drop records: got %+v, want 3 bad_source on a/eth0", drops)
	}
}

// A link that goes down and up again while a frame is on it loses the
// frame, on the way into the switch and on the way out.
func TestSegmentLinkFlapLosesFramesInFlight(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	// Ingress: a's link flaps between Send (0) and arrival (10 us).
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.k.At(sim.D(3*time.Microsecond), func() { r.ports["a"].SetLink(false) })
	r.k.At(sim.D(6*time.Microsecond), func() { r.ports["a"].SetLink(true) })
	r.run(time.Millisecond)
	if got := r.counts("b"); got[0] != 0 {
		t.Errorf("ingress flap: b got %d frames, want 0", got[0])
	}
	// Egress: b's link flaps between the switch (10 us) and delivery (20 us).
	start := r.k.Now()
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.k.At(start.Add(13*time.Microsecond), func() { r.ports["b"].SetLink(false) })
	r.k.At(start.Add(16*time.Microsecond), func() { r.ports["b"].SetLink(true) })
	r.run(time.Millisecond)
	if got := r.counts("b"); got[0] != 0 {
		t.Errorf("egress flap: b got %d frames, want 0", got[0])
	}
	if got := r.seg.Counters().DropLinkDown; got != 2 {
		t.Errorf("DropLinkDown: got %d, want 2", got)
	}
	// A frame sent after the flap goes through.
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	if got := r.counts("b"); got[0] != 1 {
		t.Errorf("after the flap: b got %d frames, want 1", got[0])
	}
}

func TestSegmentForwardsKnownUnicastToOnePort(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b", "c")
	r.send("b", eth(wire.Broadcast, mac(2), wire.EtherTypeARP, nil)) // b learned
	r.run(time.Millisecond)
	r.reset()
	r.send("a", eth(mac(2), mac(1), wire.EtherTypeIPv4, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("a", "b", "c"), []int{0, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("deliveries a,b,c: got %v, want %v", got, want)
	}
	if c := r.seg.Counters(); c.Unicast != 1 || c.Flooded != 1 {
		t.Errorf("Unicast, Flooded: got %d %d, want 1 1", c.Unicast, c.Flooded)
	}
}

func TestSegmentNeverSendsBackToIngressPort(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.send("a", eth(wire.Broadcast, mac(3), wire.EtherTypeARP, nil)) // mac(3) also behind a
	r.run(time.Millisecond)
	r.reset()
	r.send("a", eth(mac(3), mac(1), wire.EtherTypeIPv4, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("a", "b"), []int{0, 0}; !slices.Equal(got, want) {
		t.Errorf("deliveries a,b: got %v, want %v", got, want)
	}
	if got := r.seg.Counters().Filtered; got != 1 {
		t.Errorf("Filtered: got %d, want 1", got)
	}
}

// The failover effect: the virtual MAC is learned on the old master's port;
// the new master's gratuitous ARP moves it, and hosts' unicast to the
// virtual MAC follows (RFC 3768 section 6.4.2: the new master broadcasts a
// gratuitous ARP so that switches learn the new port).
func TestSegmentMovesMACAfterGARPFromNewPort(t *testing.T) {
	r := newRig(t, 1, Config{}, "r1", "r2", "h1")
	vmac := wire.VirtualMAC(1)
	vip := [4]byte{10, 0, 0, 254}
	r.send("r1", arpFrame(wire.Broadcast, vmac, wire.ARPRequest, vip, vip, wire.MAC{}))
	r.run(time.Millisecond)
	r.send("h1", eth(vmac, mac(9), wire.EtherTypeIPv4, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("r1", "r2"), []int{1, 1}; !slices.Equal(got, want) {
		t.Fatalf("before failover r1,r2: got %v, want %v (r2 sees the GARP only)", got, want)
	}
	r.reset()

	r.send("r2", arpFrame(wire.Broadcast, vmac, wire.ARPRequest, vip, vip, wire.MAC{}))
	r.run(time.Millisecond)
	if port, _ := r.seg.Lookup(vmac); port != "r2/eth0" {
		t.Fatalf("Lookup after GARP: got %q, want r2/eth0", port)
	}
	fdb := r.records(sim.KindFDB)
	if len(fdb) != 1 || fdb[0].Reason != ReasonMove || fdb[0].From != "r1/eth0" || fdb[0].To != "r2/eth0" {
		t.Errorf("FDB trace: got %+v, want one move r1/eth0 -> r2/eth0", fdb)
	}
	r.reset()
	r.send("h1", eth(vmac, mac(9), wire.EtherTypeIPv4, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("r1", "r2"), []int{0, 1}; !slices.Equal(got, want) {
		t.Errorf("after failover r1,r2: got %v, want %v", got, want)
	}
}

func TestSegmentAgesFDBEntryAtExactExpiry(t *testing.T) {
	aging := 30 * time.Second
	r := newRig(t, 1, Config{FDBAging: aging}, "a", "b")
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	learned := sim.D(DefaultLatency)
	expiry := learned.Add(aging)
	r.k.Run(expiry - 1)
	if _, ok := r.seg.Lookup(mac(1)); !ok {
		t.Fatalf("entry gone 1ns before expiry")
	}
	r.k.Run(expiry)
	if _, ok := r.seg.Lookup(mac(1)); ok {
		t.Fatalf("entry still present at expiry %v", expiry)
	}
	fdb := r.records(sim.KindFDB)
	if len(fdb) != 2 || fdb[1].Reason != ReasonAged || fdb[1].At != expiry || fdb[1].From != "a/eth0" {
		t.Errorf("FDB trace: got %+v, want learn then aged from a/eth0 at %v", fdb, expiry)
	}
	// Unknown again: flooded.
	r.reset()
	r.send("b", eth(mac(1), mac(2), wire.EtherTypeIPv4, nil))
	r.run(time.Millisecond)
	if got := r.seg.Counters().Flooded; got != 2 {
		t.Errorf("Flooded: got %d, want 2", got)
	}
}

func TestSegmentRefreshPostponesAging(t *testing.T) {
	aging := 30 * time.Second
	r := newRig(t, 1, Config{FDBAging: aging}, "a", "b")
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.send("b", eth(wire.Broadcast, mac(2), wire.EtherTypeARP, nil))
	r.run(20 * time.Second)
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil)) // refresh mac(1) only
	r.run(15 * time.Second)                                          // t = 35 s
	if _, ok := r.seg.Lookup(mac(1)); !ok {
		t.Errorf("refreshed entry aged out")
	}
	if _, ok := r.seg.Lookup(mac(2)); ok {
		t.Errorf("stale entry did not age out")
	}
	r.run(20 * time.Second) // t = 55 s > 20 s + 30 s
	if _, ok := r.seg.Lookup(mac(1)); ok {
		t.Errorf("refreshed entry did not age out 30 s after the refresh")
	}
	if got := r.seg.Counters().Aged; got != 2 {
		t.Errorf("Aged: got %d, want 2", got)
	}
}

func TestSegmentNegativeAgingNeverExpires(t *testing.T) {
	r := newRig(t, 1, Config{FDBAging: -1}, "a", "b")
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.run(24 * time.Hour)
	if _, ok := r.seg.Lookup(mac(1)); !ok {
		t.Errorf("entry aged with FDBAging < 0")
	}
}

func TestSegmentLinkDownStopsFramesBothWays(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	r.ports["b"].SetLink(false)
	if r.ports["b"].LinkUp() {
		t.Fatalf("LinkUp after SetLink(false): got true, want false")
	}
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil)) // towards b
	r.send("b", eth(wire.Broadcast, mac(2), wire.EtherTypeARP, nil)) // from b
	r.run(time.Millisecond)
	if got, want := r.counts("a", "b"), []int{0, 0}; !slices.Equal(got, want) {
		t.Errorf("deliveries a,b: got %v, want %v", got, want)
	}
	if got := r.seg.Counters().DropLinkDown; got != 2 {
		t.Errorf("DropLinkDown: got %d, want 2", got)
	}
	drops := r.records(sim.KindDrop)
	if len(drops) != 2 || drops[0].Comp != "b/eth0" || drops[0].Reason != ReasonLinkDown {
		t.Errorf("drop trace: got %+v, want 2 link_down on b/eth0", drops)
	}
	if len(r.records(sim.KindFrame)) != 1 {
		t.Errorf("a frame sent on a down link must not be traced as entering the segment")
	}

	r.ports["b"].SetLink(true)
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.send("b", eth(wire.Broadcast, mac(2), wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("a", "b"), []int{1, 1}; !slices.Equal(got, want) {
		t.Errorf("after link up a,b: got %v, want %v", got, want)
	}
}

func TestSegmentLinkDownDropsFramesInFlight(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.k.Run(sim.D(DefaultLatency) + 1) // at the switch, on the way to b
	r.ports["b"].SetLink(false)
	r.run(time.Millisecond)
	if got := len(r.sinks["b"].got); got != 0 {
		t.Errorf("delivered to a port whose link went down: got %d, want 0", got)
	}
}

// Linux br_stp_disable_port flushes the port's dynamic FDB entries.
func TestSegmentLinkDownFlushesPortFDBEntries(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.send("b", eth(wire.Broadcast, mac(2), wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	r.ports["a"].SetLink(false)
	if _, ok := r.seg.Lookup(mac(1)); ok {
		t.Errorf("entry of the down port survived")
	}
	if _, ok := r.seg.Lookup(mac(2)); !ok {
		t.Errorf("entry of another port was flushed")
	}
	fdb := r.records(sim.KindFDB)
	if last := fdb[len(fdb)-1]; last.Reason != ReasonFlush || last.MAC != mac(1) {
		t.Errorf("last FDB trace: got %+v, want flush of %v", last, mac(1))
	}
}

func TestSegmentPartitionAndHeal(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b", "c", "d")
	if err := r.seg.Partition([][]string{{"a", "b"}, {"c"}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c", "d"} {
		r.send(n, eth(wire.Broadcast, mac(byte(n[0])), wire.EtherTypeARP, nil))
	}
	r.run(time.Millisecond)
	// a<->b only; c is alone in its group; d is in no group: isolated.
	if got, want := r.counts("a", "b", "c", "d"), []int{1, 1, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("partitioned deliveries a,b,c,d: got %v, want %v", got, want)
	}
	// Each broadcast reaches 3 other ports: a and b lose 2 each, c and d 3.
	if got := r.seg.Counters().DropPartition; got != 10 {
		t.Errorf("DropPartition: got %d, want 10", got)
	}
	r.reset()
	r.seg.Heal()
	r.send("a", eth(wire.Broadcast, mac('a'), wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("a", "b", "c", "d"), []int{0, 1, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("healed deliveries a,b,c,d: got %v, want %v", got, want)
	}
}

func TestSegmentPartitionRejectsUnknownOrDuplicateNode(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	for _, groups := range [][][]string{{{"a"}, {"zz"}}, {{"a", "b"}, {"a"}}} {
		if err := r.seg.Partition(groups); err == nil {
			t.Errorf("Partition(%v): got nil error, want one", groups)
		}
	}
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	if got := len(r.sinks["b"].got); got != 1 {
		t.Errorf("a failed Partition changed the segment: b got %d frames, want 1", got)
	}
}

// In a split brain both masters send from the virtual MAC. Each group is
// its own switch, so each group's hosts reach their own master.
func TestSegmentPartitionKeepsOneFDBPerGroup(t *testing.T) {
	r := newRig(t, 1, Config{}, "r1", "h1", "r2", "h2")
	vmac := wire.VirtualMAC(7)
	if err := r.seg.Partition([][]string{{"r1", "h1"}, {"r2", "h2"}}); err != nil {
		t.Fatal(err)
	}
	r.send("r1", eth(wire.Broadcast, vmac, wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	r.send("r2", eth(wire.Broadcast, vmac, wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	r.reset()
	before := r.seg.Counters()
	r.send("h1", eth(vmac, mac(1), wire.EtherTypeIPv4, nil))
	r.send("h2", eth(vmac, mac(2), wire.EtherTypeIPv4, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("r1", "r2"), []int{1, 1}; !slices.Equal(got, want) {
		t.Errorf("r1,r2 got %v, want %v", got, want)
	}
	c := r.seg.Counters()
	if drops, uni := c.DropPartition-before.DropPartition, c.Unicast-before.Unicast; drops != 0 || uni != 2 {
		t.Errorf("DropPartition, Unicast: got %d %d, want 0 2", drops, uni)
	}
	// After healing, the most recent (r2's) entry wins.
	r.reset()
	r.seg.Heal()
	if port, _ := r.seg.Lookup(vmac); port != "r2/eth0" {
		t.Errorf("Lookup after heal: got %q, want r2/eth0", port)
	}
	// The merge is traced, so the last record for the MAC names the
	// port the switch now uses.
	fdb := r.records(sim.KindFDB)
	if len(fdb) != 1 || fdb[0].Reason != ReasonMerge || fdb[0].From != "r1/eth0" || fdb[0].To != "r2/eth0" || fdb[0].MAC != vmac {
		t.Errorf("FDB records at heal: got %+v, want one merge r1/eth0 -> r2/eth0", fdb)
	}
}

// The merge goes to the most recently refreshed entry, whichever group
// learned the MAC last: here r1 refreshes the virtual MAC after r2 first
// learned it, so r1 wins, and the records end on r1 although the last
// learn record named r2.
func TestSegmentHealMergeKeepsMostRecentlyRefreshed(t *testing.T) {
	r := newRig(t, 1, Config{}, "r1", "h1", "r2", "h2")
	vmac := wire.VirtualMAC(7)
	if err := r.seg.Partition([][]string{{"r1", "h1"}, {"r2", "h2"}}); err != nil {
		t.Fatal(err)
	}
	r.send("r1", eth(wire.Broadcast, vmac, wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	r.send("r2", eth(wire.Broadcast, vmac, wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	r.send("r1", eth(wire.Broadcast, vmac, wire.EtherTypeARP, nil)) // refresh, no record
	r.run(time.Millisecond)
	r.seg.Heal()
	if port, _ := r.seg.Lookup(vmac); port != "r1/eth0" {
		t.Errorf("Lookup after heal: got %q, want r1/eth0", port)
	}
	fdb := r.records(sim.KindFDB)
	if last := fdb[len(fdb)-1]; last.Reason != ReasonMerge || last.From != "r2/eth0" || last.To != "r1/eth0" {
		t.Errorf("last FDB record: got %+v, want merge r2/eth0 -> r1/eth0", last)
	}
	r.reset()
	r.send("h2", eth(vmac, mac(2), wire.EtherTypeIPv4, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("r1", "r2"), []int{1, 0}; !slices.Equal(got, want) {
		t.Errorf("after heal h2 -> vmac reaches r1,r2: got %v, want %v", got, want)
	}
}

func TestSegmentBlockAllIsOneWay(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b", "c")
	id := r.seg.Block(Rule{Class: ClassAll, From: "a", To: "b"})
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.send("b", eth(wire.Broadcast, mac(2), wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("a", "b", "c"), []int{1, 0, 2}; !slices.Equal(got, want) {
		t.Errorf("blocked a->b: got %v, want %v", got, want)
	}
	if got := r.seg.Counters().DropBlocked; got != 1 {
		t.Errorf("DropBlocked: got %d, want 1", got)
	}
	if !r.seg.Unblock(id) || r.seg.Unblock(id) {
		t.Errorf("Unblock: want true once, then false")
	}
	r.reset()
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("a", "b", "c"), []int{0, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("after unblock: got %v, want %v", got, want)
	}
}

func TestSegmentLossIsStatisticalAndDeterministicPerSeed(t *testing.T) {
	const n = 20000
	const loss = 0.3
	pattern := func(seed uint64) []sim.Time {
		r := newRig(t, seed, Config{}, "a", "b")
		r.seg.SetImpairment(Impairment{Loss: loss})
		for i := 0; i < n; i++ {
			r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
			r.run(time.Millisecond)
		}
		var ats []sim.Time
		for _, g := range r.sinks["b"].got {
			ats = append(ats, g.at)
		}
		if got := r.seg.Counters().DropLoss + uint64(len(ats)); got != n {
			t.Errorf("DropLoss + delivered: got %d, want %d", got, n)
		}
		return ats
	}
	a := pattern(1)
	// Binomial: mean n(1-p), sd sqrt(n p (1-p)) ~ 65; allow 5 sd.
	mean, sd := n*(1-loss), math.Sqrt(n*loss*(1-loss))
	if got := float64(len(a)); math.Abs(got-mean) > 5*sd {
		t.Errorf("delivered: got %v, want %v +- %v", got, mean, 5*sd)
	}
	if b := pattern(1); !slices.Equal(a, b) {
		t.Errorf("same seed gave a different loss pattern")
	}
	if c := pattern(2); slices.Equal(a, c) {
		t.Errorf("different seeds gave the same loss pattern")
	}
}

func TestSegmentPortLossAppliesBothDirections(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b", "c")
	r.ports["a"].SetImpairment(Impairment{Loss: 1})
	r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
	r.send("b", eth(wire.Broadcast, mac(2), wire.EtherTypeARP, nil))
	r.run(time.Millisecond)
	if got, want := r.counts("a", "b", "c"), []int{0, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("a lossy: got %v, want %v", got, want)
	}
}

func TestSegmentLatency(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		seg, port Impairment // port impairment on the receiver b
		want      time.Duration
	}{
		{"default", Config{}, Impairment{}, Impairment{}, 2 * DefaultLatency},
		{"configured", Config{Latency: time.Millisecond}, Impairment{}, Impairment{}, 2 * time.Millisecond},
		{"no latency", Config{Latency: -1}, Impairment{}, Impairment{}, 0},
		{"segment impairment added once", Config{}, Impairment{Latency: 5 * time.Millisecond}, Impairment{}, 2*DefaultLatency + 5*time.Millisecond},
		{"egress port impairment", Config{}, Impairment{}, Impairment{Latency: 3 * time.Millisecond}, 2*DefaultLatency + 3*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, 1, tt.cfg, "a", "b")
			r.seg.SetImpairment(tt.seg)
			r.ports["b"].SetImpairment(tt.port)
			r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
			r.run(time.Second)
			if len(r.sinks["b"].got) != 1 {
				t.Fatalf("no delivery")
			}
			if got := r.sinks["b"].got[0].at; got != sim.D(tt.want) {
				t.Errorf("arrival: got %v, want %v", got, sim.D(tt.want))
			}
		})
	}
}

func TestSegmentJitterStaysInBounds(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	jitter := time.Millisecond
	r.seg.SetImpairment(Impairment{Jitter: jitter})
	distinct := map[sim.Time]bool{}
	for i := 0; i < 1000; i++ {
		start := r.k.Now()
		r.send("a", eth(wire.Broadcast, mac(1), wire.EtherTypeARP, nil))
		r.run(10 * time.Millisecond)
		got := r.sinks["b"].got[i].at.Sub(start)
		if lo, hi := 2*DefaultLatency, 2*DefaultLatency+jitter; got < lo || got >= hi {
			t.Fatalf("delay %v outside [%v, %v)", got, lo, hi)
		}
		distinct[sim.D(got)] = true
	}
	if len(distinct) < 900 {
		t.Errorf("jitter produced only %d distinct delays in 1000 frames", len(distinct))
	}
}

// Equal-time deliveries happen in port attach order, and frames from one
// port keep their order.
func TestSegmentDeliveryOrder(t *testing.T) {
	k := sim.New(1)
	seg := New(k, "lan0", Config{})
	var order []string
	recv := func(name string) Receiver {
		return receiverFunc(func(f []byte) { order = append(order, fmt.Sprintf("%s:%d", name, f[14])) })
	}
	ports := []*Port{
		seg.Attach("a", "eth0", recv("a")),
		seg.Attach("c", "eth0", recv("c")),
		seg.Attach("b", "eth0", recv("b")),
	}
	ports[0].Send(eth(wire.Broadcast, mac(1), 0x88b5, []byte{1}))
	ports[0].Send(eth(wire.Broadcast, mac(1), 0x88b5, []byte{2}))
	k.Run(sim.Second)
	want := []string{"c:1", "b:1", "c:2", "b:2"}
	if !slices.Equal(order, want) {
		t.Errorf("order: got %v, want %v", order, want)
	}
}

type receiverFunc func([]byte)

func (f receiverFunc) Receive(b []byte) { f(b) }

func TestSegmentTracesEachFrameOnceWhenSent(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b", "c")
	f := eth(wire.Broadcast, mac(1), wire.EtherTypeARP, []byte{1, 2, 3})
	r.send("a", f)
	r.run(time.Millisecond)
	frames := r.records(sim.KindFrame)
	if len(frames) != 1 {
		t.Fatalf("frame records: got %d, want 1", len(frames))
	}
	fr := frames[0]
	if fr.Node != "lan0" || fr.Comp != "a/eth0" || fr.At != 0 || !slices.Equal(fr.Frame, f) {
		t.Errorf("frame record: got %+v, want lan0 a/eth0 at 0 with the bytes", fr)
	}
}

func TestSegmentSendCopiesFrame(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	f := eth(wire.Broadcast, mac(1), wire.EtherTypeARP, []byte{7})
	r.send("a", f)
	f[14] = 8 // the sender reuses its buffer
	r.run(time.Millisecond)
	if got := r.sinks["b"].got[0].frame[14]; got != 7 {
		t.Errorf("payload: got %d, want 7", got)
	}
}

func TestSegmentDropsRunt(t *testing.T) {
	r := newRig(t, 1, Config{}, "a", "b")
	r.send("a", []byte{1, 2, 3})
	r.run(time.Millisecond)
	if c := r.seg.Counters(); c.DropRunt != 1 || c.Delivered != 0 {
		t.Errorf("DropRunt, Delivered: got %d %d, want 1 0", c.DropRunt, c.Delivered)
	}
}

func TestParseClass(t *testing.T) {
	for c := ClassAll; c < numClasses; c++ {
		got, err := ParseClass(c.String())
		if err != nil || got != c {
			t.Errorf("ParseClass(%q): got %v %v, want %v", c.String(), got, err, c)
		}
	}
	if _, err := ParseClass("tcp"); err == nil {
		t.Errorf("ParseClass(tcp): got nil error")
	}
}

func TestImpairmentClampsBadValues(t *testing.T) {
	im := Impairment{Loss: math.NaN(), Latency: -1, Jitter: -5}.clean()
	if im != (Impairment{}) {
		t.Errorf("got %+v, want zero", im)
	}
	if got := (Impairment{Loss: 2}).clean().Loss; got != 1 {
		t.Errorf("Loss 2: got %v, want 1", got)
	}
}

func BenchmarkSegmentDeliver(b *testing.B) {
	k := sim.New(1)
	seg := New(k, "lan0", Config{})
	var n int
	recv := receiverFunc(func([]byte) { n++ })
	pa := seg.Attach("a", "eth0", recv)
	pb := seg.Attach("b", "eth0", recv)
	seg.Attach("c", "eth0", recv)
	pb.Send(eth(wire.Broadcast, mac(2), wire.EtherTypeARP, nil))
	k.Run(sim.Second)
	f := eth(mac(2), mac(1), wire.EtherTypeIPv4, make([]byte, 64))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pa.Send(f)
		k.Run(k.Now().Add(time.Millisecond))
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
	if n < b.N {
		b.Fatalf("delivered %d of %d", n, b.N)
	}
}

// Block rules by frame class: the frame is decoded once with the
// segment's wire.Decoder. A gratuitous ARP is also an ARP; a plain ARP is
// not a gratuitous ARP.
func TestSegmentBlockByClass(t *testing.T) {
	ipA, ipB, vip := [4]byte{10, 0, 0, 1}, [4]byte{10, 0, 0, 2}, [4]byte{10, 0, 0, 254}
	frames := map[string][]byte{
		"vrrp": ipFrame(wire.MulticastMAC(wire.VRRPGroup), mac(1), wire.ProtoVRRP, ipA, [4]byte{224, 0, 0, 18}),
		"arp":  arpFrame(wire.Broadcast, mac(1), wire.ARPRequest, ipA, ipB, wire.MAC{}),
		"garp": arpFrame(wire.Broadcast, mac(1), wire.ARPRequest, vip, vip, wire.MAC{}),
		"icmp": ipFrame(wire.Broadcast, mac(1), wire.ProtoICMP, ipA, ipB),
		"udp":  ipFrame(wire.Broadcast, mac(1), wire.ProtoUDP, ipA, ipB),
	}
	order := []string{"vrrp", "arp", "garp", "icmp", "udp"}
	tests := []struct {
		class   Class
		blocked []string
	}{
		{ClassAll, []string{"vrrp", "arp", "garp", "icmp", "udp"}},
		{ClassVRRP, []string{"vrrp"}},
		{ClassARP, []string{"arp", "garp"}},
		{ClassGARP, []string{"garp"}},
		{ClassICMP, []string{"icmp"}},
		{ClassUDP, []string{"udp"}},
	}
	for _, tt := range tests {
		t.Run(tt.class.String(), func(t *testing.T) {
			r := newRig(t, 1, Config{}, "a", "b")
			r.seg.Block(Rule{Class: tt.class, From: "a"})
			var blocked []string
			for _, name := range order {
				before := len(r.sinks["b"].got)
				r.send("a", frames[name])
				r.run(time.Millisecond)
				if len(r.sinks["b"].got) == before {
					blocked = append(blocked, name)
				}
			}
			if !slices.Equal(blocked, tt.blocked) {
				t.Errorf("blocked: got %v, want %v", blocked, tt.blocked)
			}
		})
	}
}

func BenchmarkSegmentFloodWithBlockRule(b *testing.B) {
	k := sim.New(1)
	seg := New(k, "lan0", Config{})
	recv := receiverFunc(func([]byte) {})
	pa := seg.Attach("a", "eth0", recv)
	for i := 0; i < 4; i++ {
		seg.Attach(fmt.Sprintf("h%d", i), "eth0", recv)
	}
	seg.Block(Rule{Class: ClassGARP, From: "a"})
	enc := wire.NewEncoder()
	src := netip.AddrFrom4([4]byte{10, 0, 0, 1})
	pkt, err := enc.VRRPPacket(wire.IPv4Header{TTL: 255, Protocol: wire.ProtoVRRP, Src: src, Dst: wire.VRRPGroup},
		&wire.VRRP{Version: 2, Type: wire.VRRPAdvertisement, VRID: 1, Priority: 100, AdverInt: 1, Addrs: []netip.Addr{src}}, wire.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	f := slices.Clone(enc.Ethernet(wire.MulticastMAC(wire.VRRPGroup), wire.VirtualMAC(1), wire.EtherTypeIPv4, pkt))
	if err := wire.NewDecoder().Decode(f, &wire.Frame{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pa.Send(f)
		k.Run(k.Now().Add(time.Millisecond))
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}

func FuzzParseClass(f *testing.F) {
	for _, s := range classNames {
		f.Add(s)
	}
	f.Add("GARP")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClass(s)
		if err != nil {
			return
		}
		if c.String() != s {
			t.Errorf("ParseClass(%q).String(): got %q", s, c.String())
		}
	})
}

// TestSegmentFDBMemoFollowsTable: a port's memo of the entry its last
// frame refreshed never stands in for the table (br_fdb_update finds the
// entry by MAC and VLAN every time). After the entry aged out, was
// flushed with the link, moved to another port or was rekeyed by a
// partition, the next frame from the port learns, moves or refreshes
// exactly as a table lookup would, with the same counters and trace.
func TestSegmentFDBMemoFollowsTable(t *testing.T) {
	aging := 30 * time.Second
	r := newRig(t, 1, Config{FDBAging: aging}, "a", "b", "c")
	from := func(n string, m byte) {
		r.send(n, eth(wire.Broadcast, mac(m), wire.EtherTypeARP, nil))
		r.run(time.Millisecond)
	}
	from("a", 1)
	from("a", 1) // refresh through the memo
	r.run(aging) // aged out
	from("b", 1) // the recycled entry is reused for the same MAC on b
	from("a", 1) // a's memo points at that entry: a move, b -> a
	from("a", 1) // refresh
	r.ports["a"].SetLink(false)
	r.ports["a"].SetLink(true)
	from("a", 1) // flushed: learned again
	if err := r.seg.Partition([][]string{{"a"}, {"b", "c"}}); err != nil {
		t.Fatal(err)
	}
	from("a", 1) // rekeyed: refresh in a's island
	var got []string
	for _, f := range r.records(sim.KindFDB) {
		got = append(got, f.Reason+":"+f.From+">"+f.To)
	}
	want := []string{"learn:>a/eth0", "aged:a/eth0>", "learn:>b/eth0", "move:b/eth0>a/eth0", "flush:a/eth0>", "learn:>a/eth0"}
	if !slices.Equal(got, want) {
		t.Errorf("FDB trace:\n got %v\nwant %v", got, want)
	}
	c := r.seg.Counters()
	if c.Learned != 3 || c.Moved != 1 || c.Aged != 1 || c.Flushed != 1 {
		t.Errorf("counters: learned %d moved %d aged %d flushed %d, want 3 1 1 1", c.Learned, c.Moved, c.Aged, c.Flushed)
	}
	if port, ok := r.seg.Lookup(mac(1)); !ok || port != "a/eth0" {
		t.Errorf("Lookup(mac 1): %q %v, want a/eth0", port, ok)
	}
}

// TestSegmentForwardMemoFollowsTable: a port remembers the FDB entry its
// last unicast frame went by; the next frame to that MAC follows the
// entry when it moves (802.1D: forward to the port it was last seen on),
// floods when the entry is flushed or aged (unknown unicast), and goes by
// the right entry when the destination changes.
func TestSegmentForwardMemoFollowsTable(t *testing.T) {
	aging := 30 * time.Second
	r := newRig(t, 1, Config{FDBAging: aging}, "a", "b", "c", "d")
	announce := func(n string, m byte) {
		r.send(n, eth(wire.Broadcast, mac(m), wire.EtherTypeARP, nil))
		r.run(time.Millisecond)
	}
	steps := []struct {
		name   string
		before func()
		to     byte // a sends to mac(to)
		want   []int
	}{
		{"known on b", func() { announce("b", 2); announce("c", 3) }, 2, []int{0, 1, 0, 0}},
		{"again, by the memo", nil, 2, []int{0, 1, 0, 0}},
		{"another destination", nil, 3, []int{0, 0, 1, 0}},
		{"moved to d", func() { announce("d", 3) }, 3, []int{0, 0, 0, 1}},
		{"flushed with d's link", func() { r.ports["d"].SetLink(false); r.ports["d"].SetLink(true) }, 3, []int{0, 1, 1, 1}},
		{"learned on c again", func() { announce("c", 3) }, 3, []int{0, 0, 1, 0}},
		{"aged out", func() { r.run(aging) }, 3, []int{0, 1, 1, 1}},
	}
	for _, s := range steps {
		if s.before != nil {
			s.before()
		}
		r.reset()
		r.send("a", eth(mac(s.to), mac(1), wire.EtherTypeIPv4, nil))
		r.run(time.Millisecond)
		if got := r.counts("a", "b", "c", "d"); !slices.Equal(got, s.want) {
			t.Errorf("%s: a b c d received %v, want %v", s.name, got, s.want)
		}
	}
}
