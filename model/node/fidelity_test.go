package node_test

// End-to-end fidelity tests: keepalived 2.2.7 and Linux behaviours checked
// through real frames on a simulated switch, with nodes built directly
// from the model packages (model/* must not import scenarios). Each test
// names the keepalived behaviour or RFC section it pins down; the
// speaker's own table tests (model/vrrp) check the same rules without the
// wire.
//
//	r1 10.0.0.1, r2 10.0.0.2, r3 10.0.0.3 --- lan --- h1 10.0.0.10, h2 10.0.0.20
//	                                           \--- probe (records frames, injects frames)

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

var (
	fidVIP   = netip.MustParseAddr("10.0.0.254")
	fidH1    = netip.MustParseAddr("10.0.0.10")
	fidH2    = netip.MustParseAddr("10.0.0.20")
	fidProbe = netip.MustParseAddr("10.0.0.99")
	fidPMAC  = wire.MAC{0x02, 0xee, 0, 0, 0, 0x99}
)

// fidLatency is the switch latency; a frame takes it twice (in and out
// of the switch), so one crossing is fidHop.
const (
	fidLatency = 10 * time.Microsecond
	fidHop     = 2 * fidLatency
)

type fidWorld struct {
	t      *testing.T
	k      *sim.Kernel
	seg    *lan.Segment
	nodes  map[string]*node.Node
	probe  *lan.Port    // a port with no node, to inject frames
	frames []fidFrame   // every frame that entered the segment, decoded
	recs   []sim.Record // every other trace record
}

// fidFrame is a frame as it entered the segment (at = send time).
type fidFrame struct {
	at sim.Time
	f  wire.Frame
}

type fidDiscard struct{}

func (fidDiscard) Receive([]byte) {}

func newFidWorld(t *testing.T) *fidWorld {
	t.Helper()
	k := sim.New(1)
	w := &fidWorld{t: t, k: k, seg: lan.New(k, "lan", lan.Config{Latency: fidLatency}), nodes: map[string]*node.Node{}}
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindFrame {
			var f wire.Frame
			if err := wire.NewDecoder().Decode(append([]byte(nil), r.Frame...), &f); err == nil {
				f.VRRP.Addrs = append([]netip.Addr(nil), f.VRRP.Addrs...)
				w.frames = append(w.frames, fidFrame{at: r.At, f: f})
			}
			return
		}
		w.recs = append(w.recs, *r)
	})
	w.probe = w.seg.Attach("probe", "eth0", fidDiscard{})
	return w
}

// router adds a router with eth0 at 10.0.0.idx/24 and MAC 02:00:00:00:idx:01
// running the given instances (Interface and Name default to eth0, VI_1).
func (w *fidWorld) router(name string, idx byte, announce int, insts ...vrrp.Config) *node.Node {
	w.t.Helper()
	n := node.New(w.k, node.Config{Name: name, Kind: node.KindRouter, Forwarding: true, ArpAnnounce: announce})
	addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, idx}), 24)
	if _, err := n.AddInterface("eth0", wire.MAC{2, 0, 0, 0, idx, 1}, []netip.Prefix{addr}, w.seg, arp.Config{}); err != nil {
		w.t.Fatal(err)
	}
	for _, c := range insts {
		if c.Interface == "" {
			c.Interface = "eth0"
		}
		if c.Name == "" {
			c.Name = "VI_1"
		}
		if _, err := n.AddVRRP(c); err != nil {
			w.t.Fatal(err)
		}
	}
	w.nodes[name] = n
	return n
}

// host adds a host 10.0.0.idx/24 whose gateway is gw, with arp_accept.
func (w *fidWorld) host(name string, idx byte, gw netip.Addr, arpAccept int) *node.Node {
	w.t.Helper()
	n := node.New(w.k, node.Config{Name: name, Kind: node.KindHost,
		Routes: []node.Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: gw}}})
	addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, idx}), 24)
	if _, err := n.AddInterface("eth0", wire.MAC{2, 0, 0, 0, idx, 1}, []netip.Prefix{addr}, w.seg, arp.Config{ArpAccept: arpAccept}); err != nil {
		w.t.Fatal(err)
	}
	w.nodes[name] = n
	return n
}

func (w *fidWorld) at(d time.Duration, fn func()) { w.k.At(sim.Time(d), fn) }
func (w *fidWorld) run(d time.Duration)           { w.k.Run(sim.Time(d)) }

// masterAt returns the times instance VI_1 of node went to MASTER.
func (w *fidWorld) masterAt(nodeName string) []sim.Time {
	var out []sim.Time
	for _, r := range w.recs {
		if r.Kind == sim.KindState && r.Node == nodeName && r.To == "MASTER" {
			out = append(out, r.At)
		}
	}
	return out
}

// sent returns the adverts and GARPs sent from src MAC in [from, to).
func (w *fidWorld) sent(src wire.MAC, from, to time.Duration) (adverts, garps []fidFrame) {
	for _, fr := range w.frames {
		if fr.f.Src != src || fr.at < sim.Time(from) || fr.at >= sim.Time(to) {
			continue
		}
		switch {
		case fr.f.HasVRRP:
			adverts = append(adverts, fr)
		case fr.f.HasARP && fr.f.ARP.IsGratuitous():
			garps = append(garps, fr)
		}
	}
	return adverts, garps
}

// inject sends a VRRPv2 advert from the probe port (source 10.0.0.99).
func (w *fidWorld) inject(vrid uint8, prio uint8) {
	enc := wire.NewEncoder()
	adv := &wire.VRRP{Version: 2, Type: wire.VRRPAdvertisement, VRID: vrid, Priority: prio, AdverInt: 1, Addrs: []netip.Addr{fidVIP}}
	pkt, err := enc.VRRPPacket(wire.IPv4Header{TOS: 0xc0, TTL: 255, Protocol: wire.ProtoVRRP, Src: fidProbe, Dst: wire.VRRPGroup}, adv, wire.EncodeOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	w.probe.Send(enc.Ethernet(wire.MulticastMAC(wire.VRRPGroup), fidPMAC, wire.EtherTypeIPv4, pkt))
}

func vi(vrid uint8, prio int, mods ...func(*vrrp.Config)) vrrp.Config {
	c := vrrp.Config{VRID: vrid, Priority: prio, VIPs: []netip.Addr{fidVIP}}
	for _, m := range mods {
		m(&c)
	}
	return c
}

func mdi(prio int) time.Duration { return vrrp.MasterDownInterval(2, prio, time.Second) }

// keepalived vrrp_state_become_master + vrrp_send_link_update: on becoming
// master, one advert, then garp_master_repeat (5) GARPs per VIP at once,
// and 5 more garp_master_delay (5 s) later (the captured keepalived 2.2.7
// frames show the same).
func TestFidelityGARPBurstsOnBecomingMaster(t *testing.T) {
	w := newFidWorld(t)
	r1 := w.router("r1", 1, 0, vi(51, 150))
	r1.Start()
	w.run(12 * time.Second)
	becameAt := time.Duration(mdi(150)) // RFC 3768 section 6.1: 3 + 106/256 s
	if got := w.masterAt("r1"); len(got) != 1 || got[0] != sim.Time(becameAt) {
		t.Fatalf("r1 became master at %v, want once at %v", got, becameAt)
	}
	mac := r1.Interfaces()[0].MAC()
	arrive := becameAt // send times
	for _, c := range []struct {
		name     string
		from, to time.Duration
		garps    int
	}{
		{"first burst", arrive, arrive + time.Microsecond, 5},
		{"nothing in between", arrive + time.Microsecond, arrive + 5*time.Second, 0},
		{"second burst garp_master_delay later", arrive + 5*time.Second, arrive + 5*time.Second + time.Microsecond, 5},
		{"nothing after", arrive + 5*time.Second + time.Microsecond, 12 * time.Second, 0},
	} {
		_, garps := w.sent(mac, c.from, c.to)
		if len(garps) != c.garps {
			t.Errorf("%s: got %d GARPs, want %d", c.name, len(garps), c.garps)
		}
		for _, g := range garps {
			if g.f.ARP.SenderIP != fidVIP || g.f.ARP.TargetIP != fidVIP || g.f.Dst != wire.Broadcast {
				t.Errorf("%s: GARP %+v, want a broadcast request with sender = target = %v", c.name, g.f.ARP, fidVIP)
			}
		}
	}
	// The advert goes out first, so a former master drops the VIPs before
	// the GARPs arrive (keepalived vrrp_state_master_tx).
	adverts, _ := w.sent(mac, arrive, arrive+time.Microsecond)
	if len(adverts) != 1 {
		t.Errorf("got %d adverts at the takeover, want 1", len(adverts))
	}
}

// keepalived 2.2.7 vrrp_state_master_rx (RFC 3768 section 6.4.3 says
// discard): a master that hears a lower-priority advert answers at once
// with its own advert and a GARP burst (garp_lower_prio_repeat 5), and
// another burst garp_lower_prio_delay (5 s) later.
func TestFidelityMasterAnswersLowerPriorityAdvert(t *testing.T) {
	w := newFidWorld(t)
	r1 := w.router("r1", 1, 0, vi(51, 150))
	r1.Start()
	const injectAt = 10*time.Second + 500*time.Millisecond // between two adverts
	w.at(injectAt, func() { w.inject(51, 100) })
	w.run(20 * time.Second)
	mac := r1.Interfaces()[0].MAC()
	answer := injectAt + fidHop // the injected advert reaches r1 after one hop
	for _, c := range []struct {
		name            string
		from, to        time.Duration
		adverts, garps  int
		wantAdvertPrio  uint8
		checkAdvertPrio bool
	}{
		{"answer at once", answer, answer + time.Microsecond, 1, 5, 150, true},
		// The advert in this window is the regular one: keepalived restarts
		// the Adver_Timer after every packet a master reads, so r1's adverts
		// now fall on answer + k s, together with the delayed burst.
		{"lower-priority delay burst", answer + 5*time.Second, answer + 5*time.Second + time.Microsecond, 1, 5, 150, true},
	} {
		adverts, garps := w.sent(mac, c.from, c.to)
		if len(adverts) != c.adverts || len(garps) != c.garps {
			t.Errorf("%s: got %d adverts and %d GARPs, want %d and %d", c.name, len(adverts), len(garps), c.adverts, c.garps)
		}
		if c.checkAdvertPrio && len(adverts) == 1 && adverts[0].f.VRRP.Priority != c.wantAdvertPrio {
			t.Errorf("%s: advert priority %d, want %d", c.name, adverts[0].f.VRRP.Priority, c.wantAdvertPrio)
		}
	}
	if got := w.masterAt("r1"); len(got) != 1 {
		t.Errorf("r1 went to MASTER %d times, want 1 (a lower priority is no reason to yield)", len(got))
	}
}

// keepalived vrrp_init_state (RFC 3768 section 6.4.1 would make only the
// priority-255 owner start as MASTER): every instance starts in BACKUP and
// waits a full Master_Down_Interval, even with state MASTER, unless its
// priority is 255 (then 1 us); lower-priority adverts heard meanwhile do
// not restart that timer.
func TestFidelityStartupWaitsMasterDownInterval(t *testing.T) {
	master := func(c *vrrp.Config) { c.InitialState = vrrp.StateMaster }
	for _, c := range []struct {
		name       string
		cfg        vrrp.Config
		lowerPrio  bool // a priority-100 master advertises meanwhile
		wantMaster time.Duration
	}{
		{"state BACKUP", vi(51, 200), false, mdi(200)},
		{"state MASTER below 255", vi(51, 200, master), false, mdi(200)},
		{"address owner 255", vi(51, 255, master), false, time.Microsecond},
		{"lower-priority adverts do not restart the timer", vi(51, 200, master), true, mdi(200)},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newFidWorld(t)
			r1 := w.router("r1", 1, 0, c.cfg)
			if c.lowerPrio {
				for _, d := range []time.Duration{500 * time.Millisecond, 1500 * time.Millisecond, 2500 * time.Millisecond} {
					w.at(d, func() { w.inject(51, 100) })
				}
			}
			r1.Start()
			w.run(5 * time.Second)
			if got := w.masterAt("r1"); len(got) != 1 || got[0] != sim.Time(c.wantMaster) {
				t.Errorf("r1 became master at %v, want once at %v", got, c.wantMaster)
			}
		})
	}
}

// keepalived vrrp_state_backup: preempt_delay counts from the first
// lower-priority advert the backup accepts; adverts are accepted while
// preempt_time > now; then the backup still waits for its master-down
// timer, started by the last advert it accepted.
func TestFidelityPreemptDelayTiming(t *testing.T) {
	w := newFidWorld(t)
	r2 := w.router("r2", 2, 0, vi(51, 100))
	r1 := w.router("r1", 1, 0, vi(51, 150, func(c *vrrp.Config) { c.PreemptDelay = 20 * time.Second }))
	r2.Start()
	const r1Start = 10 * time.Second
	w.at(r1Start, r1.Start)
	w.run(40 * time.Second)
	// r2 is master at Master_Down_Interval(100) and advertises every second.
	r2Master := mdi(100)
	firstHeard := r2Master + 7*time.Second + fidHop // first advert after 10 s
	if firstHeard < r1Start {
		t.Fatalf("test setup: first advert at %v is before r1 starts", firstHeard)
	}
	// Accepted up to firstHeard+19 s; the one at firstHeard+20 s is not
	// (preempt_time > now is false), so the timer runs from firstHeard+19 s.
	want := firstHeard + 19*time.Second + mdi(150)
	if got := w.masterAt("r1"); len(got) != 1 || got[0] != sim.Time(want) {
		t.Errorf("r1 became master at %v, want once at %v (preempt_delay 20 s from %v)", got, want, firstHeard)
	}
}

// keepalived vrrp_state_master_rx with higher_prio_send_advert off (the
// default): a master that receives a higher-priority advert yields
// silently: no advert, no GARP, not even a priority-0 advert (RFC 3768
// section 6.4.3 "Transition to the Backup state").
func TestFidelityMasterYieldsSilently(t *testing.T) {
	w := newFidWorld(t)
	r2 := w.router("r2", 2, 0, vi(51, 100))
	r1 := w.router("r1", 1, 0, vi(51, 150))
	r2.Start()
	w.at(10*time.Second, r1.Start)
	w.run(20 * time.Second)
	r1Master := 10*time.Second + mdi(150)
	if got := w.masterAt("r1"); len(got) != 1 || got[0] != sim.Time(r1Master) {
		t.Fatalf("r1 became master at %v, want at %v", got, r1Master)
	}
	mac := r2.Interfaces()[0].MAC()
	adverts, garps := w.sent(mac, r1Master, 20*time.Second)
	if len(adverts) != 0 || len(garps) != 0 {
		t.Errorf("after yielding r2 sent %d adverts and %d GARPs, want none", len(adverts), len(garps))
	}
	// r2's delayed GARP burst from its own takeover (at mdi(100)+5 s) is
	// long past; r2 must not announce the VIP again after yielding either.
}

// RFC 3768 section 6.4.3 and keepalived: two masters with equal priority
// that hear each other: the one with the lower primary IP yields. Here
// two equal backups time out at the same instant (same start, same
// Master_Down_Interval) and the higher address keeps the VIP.
func TestFidelityEqualPriorityTieBreakByIP(t *testing.T) {
	w := newFidWorld(t)
	r2 := w.router("r2", 2, 0, vi(51, 100))
	r3 := w.router("r3", 3, 0, vi(51, 100))
	r2.Start()
	r3.Start()
	w.run(10 * time.Second)
	both := sim.Time(mdi(100))
	if got := w.masterAt("r2"); len(got) != 1 || got[0] != both {
		t.Fatalf("r2 became master at %v, want at %v", got, both)
	}
	if got := w.masterAt("r3"); len(got) != 1 || got[0] != both {
		t.Fatalf("r3 became master at %v, want at %v", got, both)
	}
	for name, want := range map[string]vrrp.State{"r2": vrrp.StateBackup, "r3": vrrp.StateMaster} {
		sp, _ := w.nodes[name].Speaker("VI_1")
		if sp.State() != want {
			t.Errorf("%s is %v at 10 s, want %v (10.0.0.3 > 10.0.0.2)", name, sp.State(), want)
		}
	}
}

// Linux arp_process with arp_accept 0 (the default): a gratuitous ARP
// updates an existing entry (to STALE with the new MAC, outside locktime)
// but never creates one for an address the host had not resolved.
func TestFidelityHostGARPUpdatesOnlyExistingEntries(t *testing.T) {
	for _, c := range []struct {
		name      string
		arpAccept int
		pingFirst bool // the host resolved the VIP before the failover
		wantEntry bool
		wantOwner string
	}{
		{"existing entry follows the GARP", 0, true, true, "r2"},
		{"no entry is created by a GARP with arp_accept 0", 0, false, false, ""},
		{"arp_accept 1 creates the entry", 1, false, true, "r2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newFidWorld(t)
			r1 := w.router("r1", 1, 0, vi(51, 150))
			r2 := w.router("r2", 2, 0, vi(51, 100))
			h1 := w.host("h1", 10, fidVIP, c.arpAccept)
			if c.pingFirst {
				if _, err := h1.AddFlow(node.FlowConfig{Name: "p", Kind: node.FlowPing, To: fidVIP, Interval: time.Second, Start: 5 * time.Second, Stop: 6 * time.Second}); err != nil {
					t.Fatal(err)
				}
			}
			for _, n := range []*node.Node{r1, r2, h1} {
				n.Start()
			}
			w.at(10*time.Second, r1.Crash)
			w.run(14 * time.Second) // r2 master at about 13.02 s
			e, ok := h1.Interfaces()[0].Cache().Lookup(fidVIP)
			if ok != c.wantEntry {
				t.Fatalf("h1 has an entry for %v: %v, want %v", fidVIP, ok, c.wantEntry)
			}
			if ok && e.MAC != r2.Interfaces()[0].MAC() {
				t.Errorf("h1's entry for %v is %v, want r2's MAC %v", fidVIP, e.MAC, r2.Interfaces()[0].MAC())
			}
		})
	}
}

// IEEE 802.1D learning: the switch moves the virtual MAC to the new
// master's port on its first frame (the advert that precedes the GARPs;
// RFC 3768 section 7.3: adverts and GARPs come from the virtual MAC).
func TestFidelitySwitchFDBMovesWithTheVirtualMAC(t *testing.T) {
	vmac := func(c *vrrp.Config) { c.UseVMAC = true }
	w := newFidWorld(t)
	r1 := w.router("r1", 1, 0, vi(51, 150, vmac))
	r2 := w.router("r2", 2, 0, vi(51, 100, vmac))
	r1.Start()
	r2.Start()
	w.at(10*time.Second, r1.Crash)
	vm := wire.VirtualMAC(51)
	var before, after string
	w.at(12*time.Second, func() { before, _ = w.seg.Lookup(vm) })
	w.run(14 * time.Second)
	after, _ = w.seg.Lookup(vm)
	if before != r1.Interfaces()[0].Port().Name() {
		t.Errorf("FDB port of %v before the takeover: got %q, want r1's port %q", vm, before, r1.Interfaces()[0].Port().Name())
	}
	if after != r2.Interfaces()[0].Port().Name() {
		t.Errorf("FDB port of %v after the takeover: got %q, want r2's port %q", vm, after, r2.Interfaces()[0].Port().Name())
	}
}

// Linux arp_solicit with use_vmac: with arp_announce 0 (the default) a
// master resolving a host for a reply sourced from the VIP puts the VIP in
// the broadcast request, with its real MAC, and the host's entry for the
// VIP drifts from the virtual MAC to the real one (arp_process updates the
// sender's entry from a request for us); with arp_announce 2 the request
// carries the primary address and the entry stays on the virtual MAC.
// Unicast PROBE-state requests have no queued packet (neigh_probe passes
// the tail of the empty arp_queue), so they carry the primary address
// whatever arp_announce says.
//
// The drift needs a master that does not know the host yet: r2 after
// taking over from r1 (the host resolved the VIP from r1, so r2 never
// learned the host from its request).
func TestFidelityVMACEntryDriftDependsOnArpAnnounce(t *testing.T) {
	r2IP := netip.MustParseAddr("10.0.0.2")
	for _, c := range []struct {
		name      string
		announce  int
		wantBcast netip.Addr // sender IP of r2's broadcast request for h2
		wantDrift bool
	}{
		{"arp_announce 0", 0, fidVIP, true},
		// Linux arp_solicit case 1 keeps the VIP: it is on a subnet of
		// the interface together with the target (inet_addr_onlink).
		{"arp_announce 1", 1, fidVIP, true},
		{"arp_announce 2", 2, r2IP, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			vmac := func(c *vrrp.Config) { c.UseVMAC = true }
			w := newFidWorld(t)
			r1 := w.router("r1", 1, 2, vi(51, 150, vmac))
			r2 := w.router("r2", 2, c.announce, vi(51, 100, vmac))
			h2 := w.host("h2", 20, fidVIP, 0)
			if _, err := h2.AddFlow(node.FlowConfig{Name: "p", Kind: node.FlowPing, To: fidVIP, Interval: 100 * time.Millisecond, Start: 5 * time.Second}); err != nil {
				t.Fatal(err)
			}
			for _, n := range []*node.Node{r1, r2, h2} {
				n.Start()
			}
			w.at(10*time.Second, r1.Crash)
			// r2 is master at about 13.02 s; its delayed GARP burst (about
			// 18.02 s) puts the virtual MAC back, so look at 15 s.
			var at15 arp.Entry
			w.at(15*time.Second, func() { at15, _ = h2.Interfaces()[0].Cache().Lookup(fidVIP) })
			w.run(80 * time.Second)
			rmac := r2.Interfaces()[0].MAC()
			var bcast, ucast []wire.ARP
			for _, fr := range w.frames {
				if fr.f.HasARP && fr.f.Src == rmac && fr.f.ARP.Op == wire.ARPRequest && fr.f.ARP.TargetIP == fidH2 {
					if fr.f.Dst == wire.Broadcast {
						bcast = append(bcast, fr.f.ARP)
					} else {
						ucast = append(ucast, fr.f.ARP)
					}
				}
			}
			if len(bcast) == 0 || len(ucast) == 0 {
				t.Fatalf("r2 sent %d broadcast and %d unicast requests for h2, want some of each", len(bcast), len(ucast))
			}
			for _, a := range bcast {
				if a.SenderIP != c.wantBcast || a.SenderMAC != rmac {
					t.Errorf("broadcast request: sender %v %v, want %v %v", a.SenderIP, a.SenderMAC, c.wantBcast, rmac)
				}
			}
			for _, a := range ucast {
				if a.SenderIP != r2IP {
					t.Errorf("unicast PROBE request: sender %v, want the primary %v (no queued packet)", a.SenderIP, r2IP)
				}
			}
			want := wire.VirtualMAC(51)
			if c.wantDrift {
				want = rmac
			}
			if at15.MAC != want {
				t.Errorf("h2's entry for %v at 15 s: got %v, want %v", fidVIP, at15.MAC, want)
			}
		})
	}
}
