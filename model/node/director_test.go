package node_test

// The LVS director on a node, on real frames: a client, a director and two
// real servers. The client and the servers are bare switch ports that
// answer ARP for their address and record what they receive, so every
// packet the director sends is checked as bytes on the wire.
//
//	NAT/TUN/FULLNAT: client 10.0.0.10 --- lan 10.0.0.0/24 --- d eth0 .1 (+ VIP 10.0.0.100)
//	                 s1 10.1.0.1, s2 10.1.0.2 --- srv 10.1.0.0/24 --- d eth1 .254
//	DR:              client, d, s1 10.0.0.21, s2 10.0.0.22 all on lan

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/arp"
	"github.com/vrrpsim/vrrpsim/model/lan"
	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/tcp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// lbHost is a switch port standing for a host: it answers ARP requests
// for ip and keeps every IPv4 frame it receives.
type lbHost struct {
	port *lan.Port
	mac  wire.MAC
	ip   netip.Addr
	enc  *wire.Encoder
	dec  *wire.Decoder
	got  [][]byte // IPv4 packets received (Ethernet header stripped)
	from []wire.MAC
	n    int  // IPv4 packets received
	drop bool // count only (benchmarks)
}

func (h *lbHost) Receive(b []byte) {
	var f wire.Frame
	if err := h.dec.Decode(b, &f); err != nil {
		return
	}
	if f.Dst != h.mac && !f.Dst.IsGroup() {
		return
	}
	switch {
	case f.HasARP && f.ARP.Op == wire.ARPRequest && f.ARP.TargetIP == h.ip:
		r := wire.ARP{Op: wire.ARPReply, SenderMAC: h.mac, SenderIP: h.ip, TargetMAC: f.ARP.SenderMAC, TargetIP: f.ARP.SenderIP}
		fr, err := h.enc.ARPFrame(f.ARP.SenderMAC, h.mac, r)
		if err == nil {
			h.port.Send(fr)
		}
	case f.HasIP && h.drop:
		h.n++
	case f.HasIP:
		h.n++
		h.got = append(h.got, append([]byte(nil), b[14:]...))
		h.from = append(h.from, f.Src)
	}
}

// send puts an IPv4 packet on the wire to MAC dst.
func (h *lbHost) send(dst wire.MAC, pkt []byte) {
	h.port.Send(h.enc.Ethernet(dst, h.mac, wire.EtherTypeIPv4, pkt))
}

// take returns the packets received so far and forgets them.
func (h *lbHost) take() [][]byte {
	g := h.got
	h.got, h.from = nil, nil
	return g
}

type lbLab struct {
	k          *sim.Kernel
	d          *node.Node
	dir        *lb.Director
	client     *lbHost
	s1, s2     *lbHost
	lan, srv   *lan.Segment
	dMAC0      wire.MAC
	dMAC1      wire.MAC
	recs       []sim.Record
	vip        netip.AddrPort
	clientAddr netip.AddrPort
}

func newLBHost(seg *lan.Segment, name string, mac wire.MAC, ip string) *lbHost {
	h := &lbHost{mac: mac, ip: netip.MustParseAddr(ip), enc: wire.NewEncoder(), dec: wire.NewDecoder()}
	h.port = seg.Attach(name, "eth0", h)
	return h
}

// newLBLab builds the lab for kind; the service is rr over s1 then s2
// (so s2, the newest, is picked first).
func newLBLab(t testing.TB, kind lb.Kind, mod func(*lb.ServiceConfig)) *lbLab {
	t.Helper()
	k := sim.New(1)
	l := &lbLab{k: k, dMAC0: wire.MAC{2, 0, 0, 0, 1, 1}, dMAC1: wire.MAC{2, 0, 0, 0, 1, 2},
		vip: netip.MustParseAddrPort("10.0.0.100:80"), clientAddr: netip.MustParseAddrPort("10.0.0.10:40000")}
	k.AddTracer(func(r *sim.Record) {
		if r.Kind != sim.KindFrame {
			l.recs = append(l.recs, *r)
		}
	})
	l.lan = lan.New(k, "lan", lan.Config{})
	l.srv = lan.New(k, "srv", lan.Config{})
	l.d = node.New(k, node.Config{Name: "d", Kind: node.KindRouter, Forwarding: true})
	eth0 := []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24"), netip.MustParsePrefix("10.0.0.100/24")}
	if _, err := l.d.AddInterface("eth0", l.dMAC0, eth0, l.lan, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.d.AddInterface("eth1", l.dMAC1, []netip.Prefix{netip.MustParsePrefix("10.1.0.254/24")}, l.srv, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	l.client = newLBHost(l.lan, "client", wire.MAC{2, 0, 0, 0, 10, 1}, "10.0.0.10")
	seg, s1, s2 := l.srv, "10.1.0.1", "10.1.0.2"
	if kind == lb.KindDR {
		seg, s1, s2 = l.lan, "10.0.0.21", "10.0.0.22"
	}
	l.s1 = newLBHost(seg, "s1", wire.MAC{2, 0, 0, 0, 21, 1}, s1)
	l.s2 = newLBHost(seg, "s2", wire.MAC{2, 0, 0, 0, 22, 1}, s2)
	port := uint16(8080)
	if kind == lb.KindDR || kind == lb.KindTUN {
		port = 80
	}
	cfg := lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: l.vip, Sched: "rr", Kind: kind, Reals: []lb.RealConfig{
		{Name: "s1", Addr: netip.AddrPortFrom(l.s1.ip, port), Weight: 1},
		{Name: "s2", Addr: netip.AddrPortFrom(l.s2.ip, port), Weight: 1},
	}}
	if kind == lb.KindFULLNAT {
		cfg.LocalAddrs = []netip.Addr{netip.MustParseAddr("10.1.0.254")}
	}
	if mod != nil {
		mod(&cfg)
	}
	dir, err := l.d.AddDirector([]lb.ServiceConfig{cfg})
	if err != nil {
		t.Fatal(err)
	}
	l.dir = dir
	l.d.Start()
	return l
}

func (l *lbLab) run(d time.Duration) { l.k.Run(l.k.Now().Add(d)) }

// lbTCP builds an IPv4/TCP packet (TTL 64) with the Encoder.
func lbTCP(t testing.TB, src, dst netip.AddrPort, flags uint8) []byte {
	t.Helper()
	b, err := wire.NewEncoder().TCPPacket(wire.IPv4Header{TTL: 64, Src: src.Addr(), Dst: dst.Addr()},
		wire.TCPHeader{SrcPort: src.Port(), DstPort: dst.Port(), Flags: flags, Window: 65535}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), b...)
}

func addrsOf(t *testing.T, p []byte) (src, dst netip.AddrPort) {
	t.Helper()
	l, err := wire.ParseL4(p)
	if err != nil {
		t.Fatalf("%v: % x", err, p)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(p[12:16])), l.SrcPort),
		netip.AddrPortFrom(netip.AddrFrom4([4]byte(p[16:20])), l.DstPort)
}

func one(t *testing.T, what string, got [][]byte) []byte {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("%s: %d packets, want 1", what, len(got))
	}
	return got[0]
}

// TestDirectorNATOnTheWire: ip_vs_nat_xmit on the LAN: the SYN reaches s2
// (rr, newest first) from the director's eth1 with the destination
// rewritten, TTL 63 and valid checksums; s2's SYN-ACK, routed back through
// the director, leaves it as VIP:80 -> client (ip_vs_out, handle_response).
func TestDirectorNATOnTheWire(t *testing.T) {
	l := newLBLab(t, lb.KindNAT, nil)
	l.client.send(l.dMAC0, lbTCP(t, l.clientAddr, l.vip, wire.TCPSyn))
	l.run(10 * time.Millisecond)
	p := one(t, "at s2", l.s2.take())
	if src, dst := addrsOf(t, p); src != l.clientAddr || dst != netip.MustParseAddrPort("10.1.0.2:8080") || p[8] != 63 {
		t.Fatalf("at s2: %v -> %v ttl %d", src, dst, p[8])
	}
	if err := wire.VerifyChecksums(p); err != nil {
		t.Fatal(err)
	}
	if len(l.s1.take()) != 0 {
		t.Fatal("s1 got a packet")
	}
	l.s2.send(l.dMAC1, lbTCP(t, netip.MustParseAddrPort("10.1.0.2:8080"), l.clientAddr, wire.TCPSyn|wire.TCPAck))
	l.run(10 * time.Millisecond)
	r := one(t, "at client", l.client.take())
	if src, dst := addrsOf(t, r); src != l.vip || dst != l.clientAddr || r[8] != 63 {
		t.Fatalf("reply %v -> %v ttl %d, want %v -> %v ttl 63", src, dst, r[8], l.vip, l.clientAddr)
	}
	if err := wire.VerifyChecksums(r); err != nil {
		t.Fatal(err)
	}
	cs := l.dir.Conns()
	if len(cs) != 1 || cs[0].Dest != "s2" || cs[0].State != lb.StateSynRecv {
		t.Fatalf("table %+v", cs)
	}
	var news []sim.Record
	for _, rec := range l.recs {
		if rec.Kind == sim.KindIPVS && rec.Event == "new" {
			news = append(news, rec)
		}
	}
	if len(news) != 1 || news[0].Node != "d" || news[0].To != "s2" || news[0].Comp != "TCP 10.0.0.100:80" {
		t.Fatalf("trace %+v", news)
	}
}

// TestDirectorDROnTheWire: ip_vs_dr_xmit changes only the Ethernet
// destination (and the TTL): the frame reaches s2's MAC still addressed
// to the VIP.
func TestDirectorDROnTheWire(t *testing.T) {
	l := newLBLab(t, lb.KindDR, nil)
	in := lbTCP(t, l.clientAddr, l.vip, wire.TCPSyn)
	l.client.send(l.dMAC0, in)
	l.run(10 * time.Millisecond)
	p := one(t, "at s2", l.s2.take())
	if src, dst := addrsOf(t, p); src != l.clientAddr || dst != l.vip || p[8] != 63 {
		t.Fatalf("at s2: %v -> %v ttl %d", src, dst, p[8])
	}
	if string(p[20:]) != string(in[20:]) {
		t.Fatal("DR changed the TCP segment")
	}
}

// TestDirectorTUNOnTheWire: ip_vs_tunnel_xmit: IPIP from the director's
// address on the route to the real server.
func TestDirectorTUNOnTheWire(t *testing.T) {
	l := newLBLab(t, lb.KindTUN, nil)
	l.client.send(l.dMAC0, lbTCP(t, l.clientAddr, l.vip, wire.TCPSyn))
	l.run(10 * time.Millisecond)
	p := one(t, "at s2", l.s2.take())
	if p[9] != wire.ProtoIPIP || netip.AddrFrom4([4]byte(p[12:16])) != netip.MustParseAddr("10.1.0.254") || netip.AddrFrom4([4]byte(p[16:20])) != l.s2.ip {
		t.Fatalf("outer header % x", p[:20])
	}
	if src, dst := addrsOf(t, p[20:]); src != l.clientAddr || dst != l.vip {
		t.Fatalf("inner %v -> %v", src, dst)
	}
}

// TestDirectorFULLNATOnTheWire: the real server sees the director's local
// address as the source; its reply to that address comes back out as
// VIP -> client.
func TestDirectorFULLNATOnTheWire(t *testing.T) {
	l := newLBLab(t, lb.KindFULLNAT, nil)
	l.client.send(l.dMAC0, lbTCP(t, l.clientAddr, l.vip, wire.TCPSyn))
	l.run(10 * time.Millisecond)
	p := one(t, "at s2", l.s2.take())
	src, dst := addrsOf(t, p)
	if src.Addr() != netip.MustParseAddr("10.1.0.254") || dst != netip.MustParseAddrPort("10.1.0.2:8080") {
		t.Fatalf("at s2: %v -> %v", src, dst)
	}
	l.s2.send(l.dMAC1, lbTCP(t, dst, src, wire.TCPSyn|wire.TCPAck))
	l.run(10 * time.Millisecond)
	r := one(t, "at client", l.client.take())
	if s, d := addrsOf(t, r); s != l.vip || d != l.clientAddr {
		t.Fatalf("reply %v -> %v", s, d)
	}
}

// TestDirectorNoDestSendsPortUnreachable: ip_vs_leave answers ICMP port
// unreachable from the VIP when every server is quiesced.
func TestDirectorNoDestSendsPortUnreachable(t *testing.T) {
	l := newLBLab(t, lb.KindNAT, func(c *lb.ServiceConfig) { c.Reals[0].Weight, c.Reals[1].Weight = 0, 0 })
	l.client.send(l.dMAC0, lbTCP(t, l.clientAddr, l.vip, wire.TCPSyn))
	l.run(10 * time.Millisecond)
	r := one(t, "at client", l.client.take())
	var f wire.Frame
	if err := wire.NewDecoder().DecodeIPv4(r, &f); err != nil {
		t.Fatal(err)
	}
	if !f.HasICMP || f.ICMP.Type != wire.ICMPUnreachable || f.ICMP.Code != 3 || f.IP.Src != l.vip.Addr() {
		t.Fatalf("got %+v %+v", f.IP, f.ICMP)
	}
}

// TestDirectorCrashFlushes: a crash loses the table; after the restart a
// segment of the old connection is not forwarded (tcp_conn_schedule
// schedules only SYNs) but handed to the local stack.
func TestDirectorCrashFlushes(t *testing.T) {
	l := newLBLab(t, lb.KindNAT, nil)
	l.client.send(l.dMAC0, lbTCP(t, l.clientAddr, l.vip, wire.TCPSyn))
	l.run(10 * time.Millisecond)
	l.s2.take()
	l.d.Crash()
	l.d.Restart()
	if c, _ := l.dir.Len(); c != 0 {
		t.Fatalf("%d entries after crash", c)
	}
	l.client.send(l.dMAC0, lbTCP(t, l.clientAddr, l.vip, wire.TCPAck))
	l.run(10 * time.Millisecond)
	if n := len(l.s1.take()) + len(l.s2.take()); n != 0 {
		t.Fatalf("%d packets forwarded for a flushed connection", n)
	}
	if l.dir.Stats().NotSyn != 1 {
		t.Fatalf("stats %+v", l.dir.Stats())
	}
}

// TestAddDirectorChecks: DR needs L2 adjacency; FULLNAT's pool must be
// local addresses.
func TestAddDirectorChecks(t *testing.T) {
	k := sim.New(1)
	seg := lan.New(k, "lan", lan.Config{})
	d := node.New(k, node.Config{Name: "d", Kind: node.KindRouter, Forwarding: true})
	if _, err := d.AddInterface("eth0", wire.MAC{2, 0, 0, 0, 1, 1}, []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24")}, seg, arp.Config{}); err != nil {
		t.Fatal(err)
	}
	vip := netip.MustParseAddrPort("10.0.0.100:80")
	far := lb.RealConfig{Name: "far", Addr: netip.MustParseAddrPort("10.9.0.1:80"), Weight: 1}
	cases := []struct {
		cfg  lb.ServiceConfig
		want string
	}{
		{lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: vip, Sched: "rr", Kind: lb.KindDR, Reals: []lb.RealConfig{far}}, "DR real server far (10.9.0.1) is not on a segment of the director: DR needs L2 adjacency"},
		{lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: vip, Sched: "rr", Kind: lb.KindTUN, Reals: []lb.RealConfig{far}}, "TUN real server far"},
		{lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: vip, Sched: "rr", Kind: lb.KindFULLNAT, LocalAddrs: []netip.Addr{netip.MustParseAddr("10.0.0.9")}}, "local address 10.0.0.9 is not an address of the node"},
		{lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: vip, Sched: "nope"}, "unknown scheduler"},
		{lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: vip, Sched: "rr", Reals: []lb.RealConfig{{Name: "self", Addr: netip.MustParseAddrPort("10.0.0.1:80"), Weight: 1}}}, "LOCALNODE"},
	}
	for _, c := range cases {
		_, err := d.AddDirector([]lb.ServiceConfig{c.cfg})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.cfg.Kind, err, c.want)
		}
	}
	if _, err := d.AddDirector(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddDirector(nil); err == nil {
		t.Fatal("second director accepted")
	}
}

// BenchmarkDirectorNATFrame: one client frame of an established NAT
// connection through the whole path: switch, decode, IPVS lookup and
// rewrite, neighbour cache, switch, real server.
func BenchmarkDirectorNATFrame(b *testing.B) {
	l := newLBLab(b, lb.KindNAT, nil)
	l.client.send(l.dMAC0, lbTCP(b, l.clientAddr, l.vip, wire.TCPSyn))
	l.client.send(l.dMAC0, lbTCP(b, l.clientAddr, l.vip, wire.TCPAck))
	l.run(10 * time.Millisecond)
	l.s2.drop, l.recs = true, nil
	pkt := lbTCP(b, l.clientAddr, l.vip, wire.TCPAck|wire.TCPPsh)
	b.ReportAllocs()
	for b.Loop() {
		l.client.send(l.dMAC0, pkt)
		l.run(time.Millisecond)
	}
	if l.s2.n < b.N {
		b.Fatalf("%d of %d frames reached s2", l.s2.n, b.N)
	}
}

// e2eLab is a director in front of two real node.Node servers running the
// UDP echo service, with a real host sending a stream to the VIP: every
// packet crosses the director (and, for NAT, comes back through it).
type e2eLab struct {
	k      *sim.Kernel
	h, d   *node.Node
	s      [2]*node.Node
	flow   *node.Flow
	recs   []sim.Record
	dir    *lb.Director
	dMAC0  wire.MAC
	vipUDP netip.AddrPort
	// replyFrom counts the sources of UDP datagrams for h on its LAN.
	replyFrom map[netip.Addr]int
}

func newE2ELab(t *testing.T, kind lb.Kind, ops bool) *e2eLab {
	t.Helper()
	return newE2ELabWith(t, kind, func(l *e2eLab, reals []lb.RealConfig) []lb.ServiceConfig {
		var err error
		l.flow, err = l.h.AddFlow(node.FlowConfig{Name: "echo", Kind: node.FlowStream, To: l.vipUDP.Addr(), Interval: 100 * time.Millisecond, Start: time.Second, Stop: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return []lb.ServiceConfig{{Proto: lb.ProtoUDP, VIP: l.vipUDP, Sched: "rr", Kind: kind, OPS: ops, Reals: reals}}
	})
}

// newE2ELabWith builds the lab, lets setup add services and traffic and
// name the director's services (reals: s1, s2 on the echo port), then
// runs it for 6 s.
func newE2ELabWith(t *testing.T, kind lb.Kind, setup func(l *e2eLab, reals []lb.RealConfig) []lb.ServiceConfig) *e2eLab {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	pfx := func(s string) []netip.Prefix { return []netip.Prefix{netip.MustParsePrefix(s)} }
	k := sim.New(1)
	l := &e2eLab{k: k, dMAC0: wire.MAC{2, 0, 0, 0, 1, 1}, vipUDP: netip.AddrPortFrom(netip.MustParseAddr("10.0.0.100"), node.DefaultStreamPort),
		replyFrom: map[netip.Addr]int{}}
	dec := wire.NewDecoder()
	var fr wire.Frame
	k.AddTracer(func(r *sim.Record) {
		if r.Kind != sim.KindFrame {
			l.recs = append(l.recs, *r)
			return
		}
		if r.Node == "lan" && dec.Decode(r.Frame, &fr) == nil && fr.HasUDP && fr.IP.Dst == netip.MustParseAddr("10.0.0.10") {
			l.replyFrom[fr.IP.Src]++
		}
	})
	lanSeg := lan.New(k, "lan", lan.Config{})
	srv := lan.New(k, "srv", lan.Config{})
	l.d = node.New(k, node.Config{Name: "d", Kind: node.KindRouter, Forwarding: true})
	_, err := l.d.AddInterface("eth0", l.dMAC0, []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24"), netip.MustParsePrefix("10.0.0.100/24")}, lanSeg, arp.Config{})
	must(err)
	_, err = l.d.AddInterface("eth1", wire.MAC{2, 0, 0, 0, 1, 2}, pfx("10.1.0.254/24"), srv, arp.Config{})
	must(err)
	l.h = node.New(k, node.Config{Name: "h", Kind: node.KindHost, Routes: []node.Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: netip.MustParseAddr("10.0.0.1")}}})
	_, err = l.h.AddInterface("eth0", wire.MAC{2, 0, 0, 0, 10, 1}, pfx("10.0.0.10/24"), lanSeg, arp.Config{})
	must(err)
	var reals []lb.RealConfig
	for i := range l.s {
		seg, addr, gw := srv, "10.1.0."+string(rune('1'+i)), "10.1.0.254"
		cfg := node.Config{Name: "s" + string(rune('1'+i)), Kind: node.KindServer}
		if kind == lb.KindDR {
			seg, addr, gw = lanSeg, "10.0.0.2"+string(rune('1'+i)), "10.0.0.1"
			cfg.ArpIgnore, cfg.ArpAnnounce = 1, 2 // the classic LVS-DR real server sysctls
		}
		cfg.Routes = []node.Route{{To: netip.MustParsePrefix("0.0.0.0/0"), Via: netip.MustParseAddr(gw)}}
		s := node.New(k, cfg)
		_, err := s.AddInterface("eth0", wire.MAC{2, 0, 0, 0, byte(21 + i), 1}, pfx(addr+"/24"), seg, arp.Config{})
		must(err)
		switch kind {
		case lb.KindDR:
			must(s.AddLoopback(pfx("10.0.0.100/32")))
		case lb.KindTUN:
			must(s.AddTunnel(pfx("10.0.0.100/32")))
		}
		l.s[i] = s
		reals = append(reals, lb.RealConfig{Name: cfg.Name, Addr: netip.AddrPortFrom(netip.MustParseAddr(addr), node.DefaultStreamPort), Weight: 1})
	}
	l.dir, err = l.d.AddDirector(setup(l, reals))
	must(err)
	for _, n := range []*node.Node{l.d, l.h, l.s[0], l.s[1]} {
		n.Start()
	}
	k.Run(sim.Time(6 * time.Second))
	return l
}

// picks counts the director's "new" records per real server.
func (l *e2eLab) picks() map[string]int {
	out := map[string]int{}
	for _, r := range l.recs {
		if r.Kind == sim.KindIPVS && r.Event == "new" {
			out[r.To]++
		}
	}
	return out
}

// TestDirectorEndToEnd: a UDP echo stream through the director to real
// servers that are node.Node machines, in each forwarding method. NAT
// replies come back through ip_vs_out; DR servers hold the VIP on lo with
// arp_ignore 1/arp_announce 2 and answer from it directly; TUN servers
// decapsulate on tunl0. Nothing is lost; one UDP entry carries the whole
// stream (same source port, 5 min timeout) unless one-packet scheduling
// spreads every datagram. The replies on the client's LAN come from the
// VIP (the host's stream matches replies by port only, so this is checked
// on the wire).
func TestDirectorEndToEnd(t *testing.T) {
	for _, c := range []struct {
		kind lb.Kind
		ops  bool
	}{{lb.KindNAT, false}, {lb.KindDR, false}, {lb.KindTUN, false}, {lb.KindNAT, true}} {
		t.Run(c.kind.String()+map[bool]string{true: "-ops"}[c.ops], func(t *testing.T) {
			l := newE2ELab(t, c.kind, c.ops)
			f := l.flow
			if f.Sent != 20 || f.Received != f.Sent || f.Lost != 0 {
				t.Fatalf("stream sent %d received %d lost %d", f.Sent, f.Received, f.Lost)
			}
			if c.ops {
				// One-packet scheduling keeps no entry, so ip_vs_out finds
				// none for the replies: they leave with the real servers'
				// addresses (--ops is meant for DR/TUN).
				if l.replyFrom[netip.MustParseAddr("10.1.0.1")] != 10 || l.replyFrom[netip.MustParseAddr("10.1.0.2")] != 10 {
					t.Fatalf("ops replies on the LAN came from %v, want 10 from each real server", l.replyFrom)
				}
			} else if len(l.replyFrom) != 1 || l.replyFrom[l.vipUDP.Addr()] != 20 {
				t.Fatalf("replies on the LAN came from %v, want 20 from the VIP only", l.replyFrom)
			}
			p := l.picks()
			if !c.ops && (len(p) != 1 || p["s2"] != 1) {
				t.Fatalf("picks %v, want one entry on s2 (newest first)", p)
			}
			if c.ops && (p["s1"] != 10 || p["s2"] != 10) {
				t.Fatalf("ops picks %v, want 10 each (rr per datagram)", p)
			}
			if c.kind == lb.KindDR {
				vip := 0
				for _, r := range l.recs {
					if r.Kind == sim.KindServe && r.Event == "vip" && r.Node == "s2" && wire.MAC(r.MAC) == l.dMAC0 {
						vip++
					}
				}
				if vip != 20 {
					t.Fatalf("s2 saw %d VIP frames from the director's MAC, want 20", vip)
				}
			}
		})
	}
}

// TestDirectorTCPEndToEnd: HTTP clients of model/tcp through the director
// to real servers' TCP services, in NAT, DR and TUN. Every connection
// completes, rr splits them evenly, the director saw each reach
// ESTABLISHED (NAT through its OUTPUT table, DR/TUN through INPUT-ONLY),
// and the table empties once the closing states time out.
func TestDirectorTCPEndToEnd(t *testing.T) {
	for _, kind := range []lb.Kind{lb.KindNAT, lb.KindDR, lb.KindTUN} {
		t.Run(kind.String(), func(t *testing.T) {
			l := newE2ELabWith(t, kind, func(l *e2eLab, reals []lb.RealConfig) []lb.ServiceConfig {
				for i, s := range l.s {
					if err := s.AddService(tcp.ServiceConfig{Port: 80, ResponseSize: 2000}); err != nil {
						t.Fatal(err)
					}
					reals[i].Addr = netip.AddrPortFrom(reals[i].Addr.Addr(), 80)
				}
				if _, err := l.h.AddClient(tcp.ClientConfig{Name: "web", To: netip.MustParseAddrPort("10.0.0.100:80"), Rate: 10,
					Start: time.Second, Stop: 3 * time.Second, ConnectTimeout: 3 * time.Second}); err != nil {
					t.Fatal(err)
				}
				return []lb.ServiceConfig{{Proto: lb.ProtoTCP, VIP: netip.MustParseAddrPort("10.0.0.100:80"), Sched: "rr", Kind: kind, Reals: reals}}
			})
			ok := map[string]int{}
			var failed []string
			for _, r := range l.recs {
				if r.Kind == sim.KindConn && r.Node == "h" {
					if r.Event == "ok" {
						ok[r.To]++
					} else {
						failed = append(failed, r.Event+"/"+r.Reason)
					}
				}
			}
			if len(failed) != 0 || ok["s1"] != 10 || ok["s2"] != 10 {
				t.Fatalf("served %v, failed %v; want 10 each, none failed", ok, failed)
			}
			est := 0
			for _, r := range l.recs {
				if r.Kind == sim.KindIPVS && r.Event == "state" && r.To == "ESTABLISHED" {
					est++
				}
			}
			if est != 20 {
				t.Fatalf("%d entries reached ESTABLISHED, want 20", est)
			}
			l.k.Run(l.k.Now().Add(3 * time.Minute))
			if c, _ := l.dir.Len(); c != 0 {
				t.Fatalf("%d entries left after the closing timeouts", c)
			}
			for _, x := range l.dir.Services()[0].Dests {
				if x.Active+x.Inactive != 0 {
					t.Fatalf("counters left %+v", x)
				}
			}
		})
	}
}
