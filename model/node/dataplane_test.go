package node_test

// Shared lab for the node tests: the classic two-router VRRP lab built
// directly from the model packages (no scenarios import):
//
//	h1 10.0.0.10 --- lan 10.0.0.0/24 --- r1 eth0 .1 / r2 eth0 .2   VI_1 VRID 51 VIP 10.0.0.254
//	                                      r1 eth1 .1 / r2 eth1 .2   VI_2 VRID 52 VIP 10.0.1.254
//	s1 10.0.1.10 --- srv 10.0.1.0/24 ----/
//
// h1's default gateway is VI_1's VIP; s1's is VI_2's VIP (the return path
// through a second VRRP group, as in the classic labs) or, with
// dpOpts.staticReturn, r1's real address.

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
	dpVIP1 = netip.MustParseAddr("10.0.0.254")
	dpVIP2 = netip.MustParseAddr("10.0.1.254")
	dpH1   = netip.MustParseAddr("10.0.0.10")
	dpS1   = netip.MustParseAddr("10.0.1.10")
	dpR1   = netip.MustParseAddr("10.0.0.1")
	dpR1b  = netip.MustParseAddr("10.0.1.1")
	dpR2   = netip.MustParseAddr("10.0.0.2")
)

func dpMAC(n, i byte) wire.MAC { return wire.MAC{0x02, 0, 0, 0, n, i} }

type dpOpts struct {
	seed         uint64
	useVMAC      bool
	staticReturn bool
	noR2         bool
	r1Cfg        node.Config // Name/Kind/Forwarding filled in
	r2Cfg        node.Config
	flows        []node.FlowConfig // on h1
}

type dpLab struct {
	t          *testing.T
	k          *sim.Kernel
	lan, srv   *lan.Segment
	h1, s1     *node.Node
	r1, r2     *node.Node
	probe      *dpProbe // a bare port on lan that records what it receives
	recs       []sim.Record
	frameCount map[string]int // frames sent per port name
}

// dpProbe is a switch port with no node: it records every frame delivered
// to it and can send crafted frames.
type dpProbe struct {
	port   *lan.Port
	mac    wire.MAC
	frames [][]byte
}

func (p *dpProbe) Receive(b []byte) { p.frames = append(p.frames, append([]byte(nil), b...)) }

func dpPrefix(s string) []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix(s)} }

func newDPLab(t *testing.T, o dpOpts) *dpLab {
	t.Helper()
	k := sim.New(o.seed)
	l := &dpLab{t: t, k: k, frameCount: map[string]int{}}
	k.AddTracer(func(r *sim.Record) {
		c := *r
		if c.Kind == sim.KindFrame {
			l.frameCount[c.Comp]++
			c.Frame = append([]byte(nil), c.Frame...)
		}
		l.recs = append(l.recs, c)
	})
	l.lan = lan.New(k, "lan", lan.Config{})
	l.srv = lan.New(k, "srv", lan.Config{})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	addIf := func(n *node.Node, name string, mac wire.MAC, addr string, seg *lan.Segment) {
		_, err := n.AddInterface(name, mac, dpPrefix(addr), seg, arp.Config{})
		must(err)
	}
	router := func(cfg node.Config, name string, idx byte, prio int) *node.Node {
		cfg.Name, cfg.Kind, cfg.Forwarding = name, node.KindRouter, true
		n := node.New(k, cfg)
		addIf(n, "eth0", dpMAC(idx, 1), "10.0.0."+string('0'+idx)+"/24", l.lan)
		addIf(n, "eth1", dpMAC(idx, 2), "10.0.1."+string('0'+idx)+"/24", l.srv)
		for _, in := range []struct {
			name, iface string
			vrid        uint8
			vip         netip.Addr
		}{{"VI_1", "eth0", 51, dpVIP1}, {"VI_2", "eth1", 52, dpVIP2}} {
			_, err := n.AddVRRP(vrrp.Config{Name: in.name, Interface: in.iface, VRID: in.vrid, Priority: prio,
				VIPs: []netip.Addr{in.vip}, UseVMAC: o.useVMAC, InitialState: vrrp.StateBackup})
			must(err)
		}
		return n
	}
	l.r1 = router(o.r1Cfg, "r1", 1, 150)
	if !o.noR2 {
		l.r2 = router(o.r2Cfg, "r2", 2, 100)
	}
	l.h1 = node.New(k, node.Config{Name: "h1", Kind: node.KindHost,
		Routes: []node.Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: dpVIP1}}})
	addIf(l.h1, "eth0", dpMAC(10, 1), "10.0.0.10/24", l.lan)
	gw := dpVIP2
	if o.staticReturn {
		gw = dpR1b
	}
	l.s1 = node.New(k, node.Config{Name: "s1", Kind: node.KindServer,
		Routes: []node.Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: gw}}})
	addIf(l.s1, "eth0", dpMAC(20, 1), "10.0.1.10/24", l.srv)
	for _, fc := range o.flows {
		_, err := l.h1.AddFlow(fc)
		must(err)
	}
	l.probe = &dpProbe{mac: wire.MAC{0x02, 0xee, 0, 0, 0, 9}}
	l.probe.port = l.lan.Attach("probe", "eth0", l.probe)
	for _, n := range l.nodes() {
		n.Start()
	}
	return l
}

func (l *dpLab) nodes() []*node.Node {
	out := []*node.Node{l.r1}
	if l.r2 != nil {
		out = append(out, l.r2)
	}
	return append(out, l.h1, l.s1)
}

// run advances virtual time to at.
func (l *dpLab) run(at time.Duration) { l.k.Run(sim.Time(at)) }

// at schedules fn at virtual time at.
func (l *dpLab) at(at time.Duration, fn func()) { l.k.At(sim.Time(at), fn) }

// drops counts KindDrop records of node with reason.
func (l *dpLab) drops(nodeName, reason string) int {
	n := 0
	for _, r := range l.recs {
		if r.Kind == sim.KindDrop && r.Node == nodeName && r.Reason == reason {
			n++
		}
	}
	return n
}

// states returns the KindState records of node/instance.
func (l *dpLab) states(nodeName, inst string) []sim.Record {
	var out []sim.Record
	for _, r := range l.recs {
		if r.Kind == sim.KindState && r.Node == nodeName && r.Comp == inst {
			out = append(out, r)
		}
	}
	return out
}

// firstMaster returns when node/inst first became MASTER (-1 if never).
func (l *dpLab) firstMaster(nodeName, inst string) sim.Time {
	for _, r := range l.states(nodeName, inst) {
		if r.To == "MASTER" {
			return r.At
		}
	}
	return -1
}

// ipFrames returns the decoded IPv4 frames of protocol proto sent from
// port (e.g. "r1/eth1") at or after from.
func (l *dpLab) ipFrames(port string, proto uint8, from sim.Time) []wire.Frame {
	dec := wire.NewDecoder()
	var out []wire.Frame
	for _, r := range l.recs {
		if r.Kind != sim.KindFrame || r.Comp != port || r.At < from {
			continue
		}
		var f wire.Frame
		if err := dec.Decode(r.Frame, &f); err != nil || !f.HasIP || f.IP.Protocol != proto {
			continue
		}
		out = append(out, f)
	}
	return out
}

// icmpEcho builds an Ethernet frame with an ICMP echo request.
func icmpEcho(dst, src wire.MAC, from, to netip.Addr, ttl uint8, seq uint16) []byte {
	enc := wire.NewEncoder()
	pkt, err := enc.ICMPPacket(wire.IPv4Header{ID: seq, TTL: ttl, Protocol: wire.ProtoICMP, Src: from, Dst: to},
		wire.ICMPEcho{Type: wire.ICMPEchoRequest, ID: 0x4242, Seq: seq}, []byte("probe"))
	if err != nil {
		panic(err)
	}
	pkt = append([]byte(nil), pkt...)
	return append([]byte(nil), enc.Ethernet(dst, src, wire.EtherTypeIPv4, pkt)...)
}

// TestLabStartsWithR1MasterOfBothGroups checks the lab itself: r1 (150)
// becomes master of both groups after its Master_Down_Interval,
// 3 x 1 s + (256-150)/256 s = 3.4140625 s (RFC 3768 section 6.1), which
// keepalived computes in whole microseconds: 3.414062 s. r2 stays backup.
func TestLabStartsWithR1MasterOfBothGroups(t *testing.T) {
	l := newDPLab(t, dpOpts{seed: 1})
	l.run(10 * time.Second)
	for _, inst := range []string{"VI_1", "VI_2"} {
		want := sim.Time(3*time.Second + 414062*time.Microsecond)
		if got := l.firstMaster("r1", inst); got != want {
			t.Errorf("r1 %s master at %d ns, want %d ns", inst, int64(got), int64(want))
		}
		sp, _ := l.r2.Speaker(inst)
		if got := sp.State(); got != vrrp.StateBackup {
			t.Errorf("r2 %s state %v, want BACKUP", inst, got)
		}
	}
}

// TestClockDriftScalesTimerExpiry: a node whose clock runs D ppm fast
// measures a span d in d/(1+D/1e6) of true time (node/clock.go), so a
// lone router's first Master_Down_Interval (3.414062 s at priority 150)
// expires early with positive drift and late with negative drift.
func TestClockDriftScalesTimerExpiry(t *testing.T) {
	mdi := 3*time.Second + 414062*time.Microsecond // r1, priority 150
	for _, tc := range []struct {
		name  string
		drift float64
	}{
		{"no drift", 0},
		{"fast clock +1000ppm", 1000},
		{"slow clock -1000ppm", -1000},
		{"very fast +100000ppm", 100000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newDPLab(t, dpOpts{seed: 1, noR2: true, r1Cfg: node.Config{ClockDrift: tc.drift}})
			l.run(10 * time.Second)
			want := sim.Time(time.Duration(float64(mdi) / (1 + tc.drift/1e6)))
			got := l.firstMaster("r1", "VI_1")
			if d := got - want; d < -1 || d > 1 {
				t.Errorf("master at %v, want %v", got, want)
			}
			if tc.drift > 0 && got >= sim.Time(mdi) || tc.drift < 0 && got <= sim.Time(mdi) {
				t.Errorf("master at %v: drift %g ppm should move it the other side of %v", got, tc.drift, mdi)
			}
		})
	}
}

// TestTimerJitterDelaysTimersDeterministically: timer jitter adds a
// uniform 0..TimerJitter delay to each span, drawn from the node's own
// stream "clock/NAME": the same seed gives the same times, another seed
// other times, and never earlier than without jitter.
func TestTimerJitterDelaysTimersDeterministically(t *testing.T) {
	mdi := sim.Time(3*time.Second + 414062*time.Microsecond)
	jitter := 50 * time.Millisecond
	masterAt := func(seed uint64) []sim.Time {
		l := newDPLab(t, dpOpts{seed: seed, noR2: true, r1Cfg: node.Config{TimerJitter: jitter}})
		l.run(20 * time.Second)
		var adverts []sim.Time
		for _, r := range l.recs {
			if r.Kind == sim.KindAdvert && r.Node == "r1" && r.Comp == "VI_1" && r.Event != "rx" {
				adverts = append(adverts, r.At)
			}
		}
		return append([]sim.Time{l.firstMaster("r1", "VI_1")}, adverts...)
	}
	a, b := masterAt(7), masterAt(7)
	if len(a) != len(b) {
		t.Fatalf("same seed: %d events, then %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed: event %d at %v, then %v", i, a[i], b[i])
		}
	}
	if a[0] < mdi || a[0] > mdi+sim.Time(jitter) {
		t.Errorf("master at %v, want within [%v, %v]", a[0], mdi, mdi+sim.Time(jitter))
	}
	// Every advert interval is 1 s plus 0..jitter.
	for i := 2; i < len(a); i++ {
		gap := time.Duration(a[i] - a[i-1])
		if gap < time.Second || gap > time.Second+jitter {
			t.Errorf("advert gap %d is %v, want within [1s, %v]", i, gap, time.Second+jitter)
		}
	}
	c := masterAt(8)
	same := len(a) == len(c)
	for i := 0; same && i < len(a); i++ {
		same = a[i] == c[i]
	}
	if same {
		t.Errorf("seeds 7 and 8 gave identical jittered times %v", a)
	}
}

// TestForwardingHostToServerThroughVIP: h1 pings s1 on the other segment
// through the VIP gateway. Every echo is answered; requests leave through
// the master r1 (r1/eth1 carries them to srv) and the backup r2 forwards
// nothing. The return path is VI_2's VIP, or a static route via r1.
func TestForwardingHostToServerThroughVIP(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    dpOpts
	}{
		{"return via VRRP group VI_2", dpOpts{}},
		{"return via static route to r1", dpOpts{staticReturn: true}},
		{"use_vmac", dpOpts{useVMAC: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			o.seed = 1
			o.flows = []node.FlowConfig{{Name: "p", Kind: node.FlowPing, To: dpS1, Interval: 100 * time.Millisecond, Start: 5 * time.Second, Stop: 10 * time.Second}}
			l := newDPLab(t, o)
			l.run(12 * time.Second)
			f := l.h1.Flows()[0]
			if f.Sent != 50 || f.Received != 50 || f.Lost != 0 {
				t.Errorf("sent/received/lost %d/%d/%d, want 50/50/0", f.Sent, f.Received, f.Lost)
			}
			if got := len(l.ipFrames("r1/eth1", wire.ProtoICMP, 0)); got != 50 {
				t.Errorf("r1 forwarded %d echo requests to srv, want 50", got)
			}
			if got := len(l.ipFrames("r1/eth0", wire.ProtoICMP, 0)); got != 50 {
				t.Errorf("r1 forwarded %d echo replies to lan, want 50", got)
			}
			for _, p := range []string{"r2/eth0", "r2/eth1"} {
				if got := len(l.ipFrames(p, wire.ProtoICMP, 0)); got != 0 {
					t.Errorf("backup r2 sent %d ICMP frames on %s, want 0", got, p)
				}
			}
		})
	}
}

// TestForwardingDecrementsTTL: a router forwards with TTL-1 (RFC 1812
// section 5.3.1) and drops a packet whose TTL would reach 0, counting it
// as ttl_exceeded. (Linux would also send ICMP time exceeded; the model
// does not.)
func TestForwardingDecrementsTTL(t *testing.T) {
	for _, tc := range []struct {
		ttl     uint8
		fwd     bool
		wantTTL uint8
	}{
		{64, true, 63},
		{2, true, 1},
		{1, false, 0},
		{0, false, 0},
	} {
		l := newDPLab(t, dpOpts{seed: 1})
		l.run(5 * time.Second) // r1 is master of both groups
		r1eth0, _ := l.r1.Interface("eth0")
		l.at(6*time.Second, func() {
			// Straight into r1's NIC, addressed to its real MAC.
			r1eth0.Receive(icmpEcho(r1eth0.MAC(), l.probe.mac, dpH1, dpS1, tc.ttl, 7))
		})
		l.run(7 * time.Second)
		got := l.ipFrames("r1/eth1", wire.ProtoICMP, sim.Time(6*time.Second))
		if !tc.fwd {
			if len(got) != 0 {
				t.Errorf("TTL %d: forwarded %d frames, want none", tc.ttl, len(got))
			}
			if n := l.drops("r1", "ttl_exceeded"); n != 1 {
				t.Errorf("TTL %d: ttl_exceeded drops %d, want 1", tc.ttl, n)
			}
			continue
		}
		if len(got) != 1 || got[0].IP.TTL != tc.wantTTL {
			t.Errorf("TTL %d: forwarded %d frames (%v), want 1 with TTL %d", tc.ttl, len(got), got, tc.wantTTL)
		}
	}
}

// TestBackupDropsFramesForVirtualMAC: RFC 3768 section 6.4.2: a backup
// "MUST NOT accept packets addressed to the IP address(es) associated with
// the virtual router" and must not forward frames for the virtual MAC; its
// NIC filter does not even let them in. The master forwards the same frame.
func TestBackupDropsFramesForVirtualMAC(t *testing.T) {
	l := newDPLab(t, dpOpts{seed: 1, useVMAC: true})
	l.run(5 * time.Second)
	vmac := wire.VirtualMAC(51)
	for _, tc := range []struct {
		router  *node.Node
		port    string
		forward bool
	}{
		{l.r2, "r2/eth1", false},
		{l.r1, "r1/eth1", true},
	} {
		eth0, _ := tc.router.Interface("eth0")
		from := l.k.Now()
		eth0.Receive(icmpEcho(vmac, l.probe.mac, dpH1, dpS1, 64, 9))
		l.run(time.Duration(l.k.Now()) + 100*time.Millisecond)
		got := len(l.ipFrames(tc.port, wire.ProtoICMP, from))
		if tc.forward && got != 1 || !tc.forward && got != 0 {
			t.Errorf("%s forwarded %d frames for the virtual MAC, want forward=%v", tc.router.Name(), got, tc.forward)
		}
	}
}

// TestCrashedRouterDropsEverything: a crashed node receives nothing,
// answers nothing, forwards nothing.
func TestCrashedRouterDropsEverything(t *testing.T) {
	l := newDPLab(t, dpOpts{seed: 1})
	l.run(5 * time.Second)
	l.r1.Crash()
	from := l.k.Now()
	eth0, _ := l.r1.Interface("eth0")
	eth0.Receive(icmpEcho(eth0.MAC(), l.probe.mac, dpH1, dpS1, 64, 1)) // to forward
	eth0.Receive(icmpEcho(eth0.MAC(), l.probe.mac, dpH1, dpR1, 64, 2)) // to answer
	req, _ := wire.NewEncoder().ARPFrame(wire.Broadcast, l.probe.mac,
		wire.ARP{Op: wire.ARPRequest, SenderMAC: l.probe.mac, SenderIP: dpH1, TargetIP: dpR1})
	eth0.Receive(req)
	l.run(10 * time.Second)
	for _, p := range []string{"r1/eth0", "r1/eth1"} {
		for _, r := range l.recs {
			if r.Kind == sim.KindFrame && r.Comp == p && r.At >= from {
				t.Fatalf("crashed r1 sent %s at %v", wire.Summary(r.Frame), r.At)
			}
		}
	}
}

// TestFormerMasterForwardsFramesToItsRealMAC: a router that lost
// mastership still forwards packets sent to its own MAC, as Linux does
// (forwarding does not depend on VRRP state). This is why a host with a
// stale ARP entry pointing at the old master's real MAC (keepalived
// without use_vmac) keeps working while that router lives.
func TestFormerMasterForwardsFramesToItsRealMAC(t *testing.T) {
	l := newDPLab(t, dpOpts{seed: 1})
	l.run(5 * time.Second)
	if err := l.r1.SetPriority("VI_1", 50); err != nil {
		t.Fatal(err)
	}
	l.run(10 * time.Second)
	if sp, _ := l.r1.Speaker("VI_1"); sp.State() != vrrp.StateBackup {
		t.Fatalf("r1 VI_1 is %v, want BACKUP after dropping to priority 50", sp.State())
	}
	eth0, _ := l.r1.Interface("eth0")
	from := l.k.Now()
	eth0.Receive(icmpEcho(eth0.MAC(), l.probe.mac, dpH1, dpS1, 64, 3))
	l.run(11 * time.Second)
	if got := len(l.ipFrames("r1/eth1", wire.ProtoICMP, from)); got != 1 {
		t.Errorf("backup r1 forwarded %d frames addressed to its real MAC, want 1", got)
	}
}

// TestARPReplyForVIP: only the master answers ARP for the VIP, with the
// virtual MAC under use_vmac (RFC 3768 section 7.3) and with its own MAC
// otherwise (keepalived's default). The backup stays silent.
func TestARPReplyForVIP(t *testing.T) {
	for _, tc := range []struct {
		useVMAC bool
		want    wire.MAC
	}{
		{false, dpMAC(1, 1)},
		{true, wire.VirtualMAC(51)},
	} {
		l := newDPLab(t, dpOpts{seed: 1, useVMAC: tc.useVMAC})
		l.run(10 * time.Second)
		l.probe.frames = nil
		req, _ := wire.NewEncoder().ARPFrame(wire.Broadcast, l.probe.mac,
			wire.ARP{Op: wire.ARPRequest, SenderMAC: l.probe.mac, SenderIP: netip.MustParseAddr("10.0.0.99"), TargetIP: dpVIP1})
		l.probe.port.Send(req)
		l.run(10*time.Second + 10*time.Millisecond)
		var replies []wire.ARP
		dec := wire.NewDecoder()
		for _, b := range l.probe.frames {
			var f wire.Frame
			if dec.Decode(b, &f) == nil && f.HasARP && f.ARP.Op == wire.ARPReply {
				replies = append(replies, f.ARP)
			}
		}
		if len(replies) != 1 {
			t.Fatalf("use_vmac=%v: %d ARP replies for the VIP, want 1 (from the master only)", tc.useVMAC, len(replies))
		}
		if r := replies[0]; r.SenderIP != dpVIP1 || r.SenderMAC != tc.want {
			t.Errorf("use_vmac=%v: reply %v is-at %v, want %v is-at %v", tc.useVMAC, r.SenderIP, r.SenderMAC, dpVIP1, tc.want)
		}
	}
}

// flowEvents returns the sequence numbers of flow name's records with
// event ev, with their times.
func (l *dpLab) flowEvents(name, ev string) (seqs []int64, at []sim.Time) {
	for _, r := range l.recs {
		if r.Kind == sim.KindFlow && r.Comp == name && r.Event == ev {
			seqs = append(seqs, r.Value)
			at = append(at, r.At)
		}
	}
	return seqs, at
}

// TestFlowsCountLossAcrossFailover: when the master crashes, ping and
// stream lose exactly the packets sent between the crash and the moment
// r2 forwards; every packet is either received or lost (sent = received +
// lost once the run has drained), and the losses form one contiguous run
// (one outage window).
//
// Derivation: r1 became master at 3.4140625 s and advertises every second,
// so its last advert before the crash at 10 s left at 9.4140625 s; r2's
// Master_Down_Interval is 3 + 156/256 = 3.609375 s, so r2 takes over at
// about 13.0235 s and sends GARPs at once, which update h1's and s1's
// entries for the VIPs. Packets sent in [10 s, ~13.02 s) are lost.
func TestFlowsCountLossAcrossFailover(t *testing.T) {
	l := newDPLab(t, dpOpts{seed: 1, flows: []node.FlowConfig{
		{Name: "ping", Kind: node.FlowPing, To: dpS1, Interval: 100 * time.Millisecond, Start: 5 * time.Second, Stop: 20 * time.Second},
		{Name: "udp", Kind: node.FlowStream, To: dpS1, Interval: 20 * time.Millisecond, Start: 5 * time.Second, Stop: 20 * time.Second},
	}})
	l.at(10*time.Second, l.r1.Crash)
	l.run(25 * time.Second)
	takeover := l.firstMaster("r2", "VI_1")
	if takeover < sim.Time(13*time.Second) || takeover > sim.Time(13050*time.Millisecond) {
		t.Fatalf("r2 master at %v, want about 13.02s", takeover)
	}
	for _, tc := range []struct {
		name     string
		interval time.Duration
	}{{"ping", 100 * time.Millisecond}, {"udp", 20 * time.Millisecond}} {
		var f *node.Flow
		for _, x := range l.h1.Flows() {
			if x.Name() == tc.name {
				f = x
			}
		}
		if f.Sent != f.Received+f.Lost {
			t.Errorf("%s: sent %d != received %d + lost %d", tc.name, f.Sent, f.Received, f.Lost)
		}
		lost, _ := l.flowEvents(tc.name, "lost")
		for i := 1; i < len(lost); i++ {
			if lost[i] != lost[i-1]+1 {
				t.Errorf("%s: losses %v are not one contiguous run", tc.name, lost)
				break
			}
		}
		// Packet seq n is sent at 5 s + (n-1)*interval; the first lost is
		// the first sent at or after the crash (none was in flight: a
		// round trip is tens of microseconds).
		firstLost := int64(5*time.Second/tc.interval) + 1
		if len(lost) == 0 || lost[0] != firstLost {
			t.Fatalf("%s: lost %v, want the run to start at seq %d", tc.name, lost, firstLost)
		}
		// The last lost is the last sent before traffic flows via r2.
		lastSent := sim.Time(5*time.Second) + sim.Time(time.Duration(lost[len(lost)-1]-1)*tc.interval)
		if lastSent > takeover || takeover-lastSent > sim.Time(tc.interval)+sim.Time(time.Millisecond) {
			t.Errorf("%s: last lost packet sent at %v, want within one interval before r2's takeover at %v", tc.name, lastSent, takeover)
		}
		t.Logf("%s: sent %d, lost %d (seq %d..%d)", tc.name, f.Sent, f.Lost, lost[0], lost[len(lost)-1])
	}
}

// TestSecondAddressIsSourceOnItsSubnet: a node with two subnets on one
// interface talks to the second subnet from its address there, as Linux
// does (the connected route's preferred source, inet_select_addr for the
// ARP sender). From the primary address the server, which only knows
// 192.168.5.0/24, could not answer, and its ARP entry for the host would
// be learned from an off-subnet sender.
func TestSecondAddressIsSourceOnItsSubnet(t *testing.T) {
	k := sim.New(1)
	var recs []sim.Record
	k.AddTracer(func(r *sim.Record) {
		c := *r
		c.Frame = append([]byte(nil), c.Frame...)
		recs = append(recs, c)
	})
	seg := lan.New(k, "lan", lan.Config{})
	h := node.New(k, node.Config{Name: "h", Kind: node.KindHost})
	addrs := []netip.Prefix{netip.MustParsePrefix("10.0.0.10/24"), netip.MustParsePrefix("192.168.5.10/24")}
	if _, err := h.AddInterface("eth0", dpMAC(10, 1), addrs, seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	s := node.New(k, node.Config{Name: "s", Kind: node.KindServer})
	if _, err := s.AddInterface("eth0", dpMAC(20, 1), dpPrefix("192.168.5.7/24"), seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	f, err := h.AddFlow(node.FlowConfig{Name: "p", Kind: node.FlowPing, To: netip.MustParseAddr("192.168.5.7"), Interval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h.Start()
	s.Start()
	k.Run(sim.Time(5*time.Second + 500*time.Millisecond))
	if f.Received != 6 || f.Lost != 0 {
		t.Errorf("ping: got %d received, %d lost, want 6 received, 0 lost", f.Received, f.Lost)
	}
	want := netip.MustParseAddr("192.168.5.10")
	dec := wire.NewDecoder()
	for _, r := range recs {
		var fr wire.Frame
		if r.Kind != sim.KindFrame || r.Comp != "h/eth0" || dec.Decode(r.Frame, &fr) != nil {
			continue
		}
		if fr.HasARP && fr.ARP.Op == wire.ARPRequest && fr.ARP.SenderIP != want {
			t.Errorf("ARP request for %v: sender %v, want %v", fr.ARP.TargetIP, fr.ARP.SenderIP, want)
		}
		if fr.HasIP && fr.IP.Src != want {
			t.Errorf("packet to %v: source %v, want %v", fr.IP.Dst, fr.IP.Src, want)
		}
	}
}

// TestRouterDoesNotForwardLinkLayerBroadcasts: RFC 1812 section 5.3.4 and
// Linux ip_forward (pkt_type != PACKET_HOST): a unicast IP packet that
// arrived in a broadcast or multicast Ethernet frame is not forwarded, or
// every router on the LAN would forward a copy; nor is the limited
// broadcast 255.255.255.255 (RFC 1812 section 5.3.5.1). The same packet
// to the router's own MAC is forwarded.
func TestRouterDoesNotForwardLinkLayerBroadcasts(t *testing.T) {
	bcastIP := netip.MustParseAddr("255.255.255.255")
	for _, tc := range []struct {
		name string
		dst  func(own wire.MAC) wire.MAC
		to   netip.Addr
		fwd  bool
	}{
		{"unicast frame", func(own wire.MAC) wire.MAC { return own }, dpS1, true},
		{"broadcast frame", func(wire.MAC) wire.MAC { return wire.Broadcast }, dpS1, false},
		{"multicast frame", func(wire.MAC) wire.MAC { return wire.MAC{0x01, 0x00, 0x5e, 0, 0, 1} }, dpS1, false},
		{"limited broadcast IP", func(wire.MAC) wire.MAC { return wire.Broadcast }, bcastIP, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newDPLab(t, dpOpts{seed: 1})
			l.run(5 * time.Second) // r1 is master of both groups
			r1eth0, _ := l.r1.Interface("eth0")
			l.at(6*time.Second, func() {
				r1eth0.Receive(icmpEcho(tc.dst(r1eth0.MAC()), l.probe.mac, dpH1, tc.to, 64, 7))
			})
			l.run(7 * time.Second)
			got := len(l.ipFrames("r1/eth1", wire.ProtoICMP, sim.Time(6*time.Second)))
			if tc.fwd && got != 1 || !tc.fwd && got != 0 {
				t.Errorf("forwarded %d frames, want forwarded=%v", got, tc.fwd)
			}
			if echo := l.ipFrames("r1/eth0", wire.ProtoICMP, sim.Time(6*time.Second)); !tc.fwd && len(echo) != 0 {
				t.Errorf("r1 sent %d ICMP frames on eth0, want none", len(echo))
			}
		})
	}
}
