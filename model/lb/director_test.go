package lb

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// TestValidate: the checks of ip_vs_add_service/ip_vs_add_dest and the
// loader's errors.
func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		mod  func(c *ServiceConfig)
		want string
	}{
		{"ok", func(c *ServiceConfig) {}, ""},
		{"protocol", func(c *ServiceConfig) { c.Proto = 1 }, "valid: TCP (6), UDP (17)"},
		{"unknown sched", func(c *ServiceConfig) { c.Sched = "fastest" }, "valid: rr, wrr"},
		{"weight above", func(c *ServiceConfig) { c.Reals[0].Weight = 65536 }, "weight 65536; valid: 0..65535"},
		{"weight negative", func(c *ServiceConfig) { c.Reals[1].Weight = -1 }, "weight -1"},
		{"duplicate address", func(c *ServiceConfig) { c.Reals[1].Addr = c.Reals[0].Addr }, "already used by A"},
		{"duplicate name", func(c *ServiceConfig) { c.Reals[1].Name = "A" }, `two real servers named "A"`},
		{"lthreshold above", func(c *ServiceConfig) { c.Reals[0].UThreshold, c.Reals[0].LThreshold = 5, 6 }, "lthreshold 6 above uthreshold 5"},
		{"fullnat without pool", func(c *ServiceConfig) { c.Kind = KindFULLNAT }, "local address pool"},
		{"kind", func(c *ServiceConfig) { c.Kind = 9 }, "valid: NAT, DR, TUN, FULLNAT"},
		{"granularity", func(c *ServiceConfig) { c.PersistenceGranularity = 33 }, "/33"},
		{"port zero", func(c *ServiceConfig) { c.VIP = netip.AddrPortFrom(vip.Addr(), 0) }, "needs persistence_timeout"},
		{"fwmark with vip", func(c *ServiceConfig) { c.FWMark = 1 }, "fwmark service has no virtual address"},
		{"sorry", func(c *ServiceConfig) { c.Sorry = &RealConfig{Name: "S", Weight: 1} }, "sorry_server"},
	}
	for _, c := range cases {
		cfg := service(KindNAT)
		c.mod(&cfg)
		err := cfg.Validate()
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to say %q", c.name, err, c.want)
		}
	}
	if _, err := ParseKind("MASQ"); err == nil || !strings.Contains(err.Error(), "NAT, DR, TUN, FULLNAT") {
		t.Errorf("ParseKind: %v", err)
	}
}

// TestRealsNewestFirst: reals are added in config order, as keepalived's
// init_service_rs walks vs->rs, and the kernel links each at the head
// (__ip_vs_update_dest: list_add_rcu).
func TestRealsNewestFirst(t *testing.T) {
	d, _ := newDirector(t, service(KindNAT))
	ds := d.Services()[0].Dests
	if len(ds) != 2 || ds[0].Name != "B" || ds[1].Name != "A" {
		t.Fatalf("dests %+v, want B then A", ds)
	}
}

// TestNATForwarding follows ip_vs_in -> ip_vs_nat_xmit and ip_vs_out ->
// handle_response: the client's packets go to the real server with the
// destination rewritten and TTL-1, replies come back from the VIP, and
// the entry moves through set_tcp_state's INPUT/OUTPUT tables with the
// dest going inactive -> active -> inactive.
func TestNATForwarding(t *testing.T) {
	d, e := newDirector(t, service(KindNAT))
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	s := e.last(t)
	src, dst, ttl := hdr(t, s.pkt)
	if src != client || dst != realB || ttl != 63 || s.next.IsValid() {
		t.Fatalf("to real: %v -> %v ttl %d next %v, want %v -> %v ttl 63 routed", src, dst, ttl, s.next, client, realB)
	}
	if err := wire.VerifyChecksums(s.pkt); err != nil {
		t.Fatal(err)
	}
	if x := dest(t, d, "B"); x.Inactive != 1 || x.Active != 0 {
		t.Fatalf("after SYN: %+v, want inactive 1", x)
	}
	// The reply is forwarded through the director.
	mustOut(t, d, tcp(t, realB, client, synack, ""), Consumed)
	src, dst, _ = hdr(t, e.last(t).pkt)
	if src != vip || dst != client {
		t.Fatalf("reply %v -> %v, want %v -> %v", src, dst, vip, client)
	}
	mustIn(t, d, tcp(t, client, vip, ack, "GET / HTTP/1.0\r\n\r\n"), Consumed)
	if x := dest(t, d, "B"); x.Active != 1 || x.Inactive != 0 {
		t.Fatalf("after ACK: %+v, want active 1", x)
	}
	var f wire.Frame
	if err := wire.NewDecoder().DecodeIPv4(e.last(t).pkt, &f); err != nil {
		t.Fatalf("decoder refuses the rewritten packet: %v", err)
	}
	mustOut(t, d, tcp(t, realB, client, fin, ""), Consumed)
	if x := dest(t, d, "B"); x.Active != 0 || x.Inactive != 1 {
		t.Fatalf("after server FIN: %+v, want inactive 1", x)
	}
	cs := d.Conns()
	if len(cs) != 1 || cs[0].State != StateFinWait || cs[0].Left != 2*time.Minute || cs[0].Real != realB {
		t.Fatalf("entries %+v, want one FIN_WAIT with 2m left", cs)
	}
	var states []string
	for _, r := range e.events("state") {
		states = append(states, r.From+">"+r.To)
	}
	if got := strings.Join(states, " "); got != "NONE>SYN_RECV SYN_RECV>ESTABLISHED ESTABLISHED>FIN_WAIT" {
		t.Fatalf("state trace %q", got)
	}
	if n := e.events("new"); len(n) != 1 || n[0].To != "B" || n[0].Addr != client.Addr() || n[0].Value != int64(client.Port()) || n[0].Comp != "TCP 10.0.0.100:80" {
		t.Fatalf("new trace %+v", n)
	}
	// A packet from a real server that is no entry's reply is not IPVS's.
	mustOut(t, d, tcp(t, realA, client2, ack, ""), Pass)
}

// TestDRInputOnly: ip_vs_dr_xmit sends the packet unchanged but for the
// TTL to the real server as next hop; the entry carries NOOUTPUT so
// set_tcp_state reads the INPUT-ONLY table.
func TestDRInputOnly(t *testing.T) {
	d, e := newDirector(t, service(KindDR))
	in := tcp(t, client, vip, syn, "")
	mustIn(t, d, in, Consumed)
	s := e.last(t)
	want := bytes.Clone(in)
	_ = wire.DecTTL(want)
	if !bytes.Equal(s.pkt, want) || s.next != realB.Addr() {
		t.Fatalf("DR sent to %v\n% x\nwant to %v\n% x", s.next, s.pkt, realB.Addr(), want)
	}
	mustIn(t, d, tcp(t, client, vip, ack, "x"), Consumed)
	mustIn(t, d, tcp(t, client, vip, fin, ""), Consumed)
	cs := d.Conns()
	if len(cs) != 1 || cs[0].State != StateFinWait {
		t.Fatalf("entries %+v, want FIN_WAIT (INPUT-ONLY fin from ESTABLISHED)", cs)
	}
	if x := dest(t, d, "B"); x.Active != 0 || x.Inactive != 1 {
		t.Fatalf("dest %+v", x)
	}
	// A real server that routes its replies through the director: they
	// come from the VIP (ip_vs_conn_out_get matches vaddr for non-MASQ),
	// go out unchanged, and clear NOOUTPUT, so the OUTPUT table applies.
	d, e = newDirector(t, service(KindDR))
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	mustOut(t, d, tcp(t, vip, client, synack, ""), Consumed)
	if src, dst, _ := hdr(t, e.last(t).pkt); src != vip || dst != client {
		t.Fatalf("DR reply %v -> %v", src, dst)
	}
	mustIn(t, d, tcp(t, client, vip, ack, ""), Consumed)
	mustIn(t, d, tcp(t, client, vip, fin, ""), Consumed)
	if cs := d.Conns(); cs[0].State != StateCloseWait {
		t.Fatalf("state %v, want CLOSE_WAIT (INPUT table once a reply was seen)", cs[0].State)
	}
}

// TestTUNEncapsulation: ip_vs_tunnel_xmit wraps the packet (TTL-1) in
// IPIP from the director's source on the route to the real server, with
// the inner TOS, TTL and DF.
func TestTUNEncapsulation(t *testing.T) {
	d, e := newDirector(t, service(KindTUN))
	in := tcp(t, client, vip, syn, "")
	in[1] = 0x28 // DSCP AF11
	_ = wire.SetChecksums(in)
	_ = wire.SetDF(in)
	mustIn(t, d, in, Consumed)
	s := e.last(t)
	if len(s.pkt) != 20+len(in) || s.pkt[9] != wire.ProtoIPIP {
		t.Fatalf("outer: % x", s.pkt[:20])
	}
	osrc, odst := netip.AddrFrom4([4]byte(s.pkt[12:16])), netip.AddrFrom4([4]byte(s.pkt[16:20]))
	if osrc != e.src || odst != realB.Addr() || s.pkt[8] != 63 || !wire.DF(s.pkt) || s.pkt[1] != 0x28 {
		t.Fatalf("outer %v -> %v ttl %d tos %#x DF %v", osrc, odst, s.pkt[8], s.pkt[1], wire.DF(s.pkt))
	}
	if err := wire.VerifyChecksums(s.pkt[20:]); err != nil {
		t.Fatal(err)
	}
	inner := s.pkt[20:]
	want := bytes.Clone(in)
	_ = wire.DecTTL(want)
	if !bytes.Equal(inner, want) {
		t.Fatalf("inner changed\n% x\nwant\n% x", inner, want)
	}
}

// TestFULLNAT: both addresses rewritten towards the real server (source
// from the local pool), the reply comes back to the local address and
// leaves from the VIP to the client.
func TestFULLNAT(t *testing.T) {
	d, e := newDirector(t, service(KindFULLNAT))
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	src, dst, _ := hdr(t, e.last(t).pkt)
	local := netip.AddrPortFrom(poolIP, 1024)
	if src != local || dst != realB {
		t.Fatalf("to real: %v -> %v, want %v -> %v", src, dst, local, realB)
	}
	mustIn(t, d, tcp(t, client2, vip, syn, ""), Consumed) // rr: A, its own local port
	if src, _, _ := hdr(t, e.last(t).pkt); src != netip.AddrPortFrom(poolIP, 1025) {
		t.Fatalf("second local %v", src)
	}
	mustIn(t, d, tcp(t, realB, local, synack, ""), Consumed)
	s := e.last(t)
	src, dst, _ = hdr(t, s.pkt)
	if src != vip || dst != client {
		t.Fatalf("reply %v -> %v, want %v -> %v", src, dst, vip, client)
	}
	if err := wire.VerifyChecksums(s.pkt); err != nil {
		t.Fatal(err)
	}
}

// TestExpiryFreesAndUnbinds: ip_vs_conn_expire after the state's timeout
// unhashes the entry and ip_vs_unbind_dest drops the counter; a packet
// restarts the timer (ip_vs_conn_put).
func TestExpiryFreesAndUnbinds(t *testing.T) {
	d, e := newDirector(t, service(KindNAT))
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed) // SYN_RECV: 60 s
	e.run(59 * time.Second)
	if n, _ := d.Len(); n != 1 {
		t.Fatalf("at 59 s: %d entries", n)
	}
	mustIn(t, d, tcp(t, client, vip, ack, ""), Consumed) // ESTABLISHED: 15 min from now
	e.run(15*time.Minute - time.Second)
	if n, _ := d.Len(); n != 1 || dest(t, d, "B").Active != 1 {
		t.Fatalf("1 s before the ESTABLISHED timeout: %d entries, %+v", n, dest(t, d, "B"))
	}
	e.run(2 * time.Second)
	if n, _ := d.Len(); n != 0 {
		t.Fatalf("after timeout: %d entries", n)
	}
	if x := dest(t, d, "B"); x.Active != 0 || x.Inactive != 0 {
		t.Fatalf("after expiry %+v", x)
	}
	ex := e.events("expire")
	if len(ex) != 1 || ex[0].To != "B" || ex[0].At != sim.D(59*time.Second+15*time.Minute) {
		t.Fatalf("expire trace %+v", ex)
	}
	// The freed entry is gone: a non-SYN is handed to the local stack.
	mustIn(t, d, tcp(t, client, vip, ack, ""), Pass)
	if d.Stats().NotSyn != 1 {
		t.Fatalf("stats %+v", d.Stats())
	}
}

// TestConnReuse: conn_reuse_mode 1 (is_new_conn_expected): a SYN on an
// entry in TIME_WAIT expires it and is scheduled afresh.
func TestConnReuse(t *testing.T) {
	d, e := newDirector(t, service(KindNAT))
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	mustIn(t, d, tcp(t, client, vip, fin, ""), Consumed) // SYN_RECV -> TIME_WAIT
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != realA {
		t.Fatalf("rescheduled to %v, want %v (rr moved on)", dst, realA)
	}
	if n, _ := d.Len(); n != 1 || d.Stats().Reused != 1 {
		t.Fatalf("%d entries, stats %+v", n, d.Stats())
	}
	if x := dest(t, d, "B"); x.Active+x.Inactive != 0 {
		t.Fatalf("old dest still counts %+v", x)
	}
}

// TestNoDest: with every server quiesced, ip_vs_schedule finds no dest and
// ip_vs_leave answers ICMP port unreachable and drops.
func TestNoDest(t *testing.T) {
	cfg := service(KindNAT)
	cfg.Reals[0].Weight, cfg.Reals[1].Weight = 0, 0
	d, e := newDirector(t, cfg)
	mustIn(t, d, tcp(t, client, vip, syn, ""), Dropped)
	if d.Stats().NoDest != 1 || e.unreach != 1 || len(e.events("nodest")) != 1 {
		t.Fatalf("stats %+v unreach %d", d.Stats(), e.unreach)
	}
	// Another service's port is not IPVS's at all.
	mustIn(t, d, tcp(t, client, netip.AddrPortFrom(vip.Addr(), 22), syn, ""), Pass)
}

// TestWeightZeroVersusRemove: weight 0 quiesces (existing entries keep
// flowing, no new ones); removal (ipvsadm -d) drops the entries' packets
// without restarting their timers (ip_vs_in, expire_nodest_conn 0) and the
// dest lives in the trash until its last entry expires.
func TestWeightZeroVersusRemove(t *testing.T) {
	d, e := newDirector(t, service(KindNAT))
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed) // B
	mustIn(t, d, tcp(t, client, vip, ack, ""), Consumed)
	if err := d.SetWeight("TCP 10.0.0.100:80", "B", 0); err != nil {
		t.Fatal(err)
	}
	mustIn(t, d, tcp(t, client, vip, ack, "more"), Consumed)
	mustIn(t, d, tcp(t, client2, vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != realA {
		t.Fatalf("new client to %v while B quiesced", dst)
	}
	if err := d.RemoveReal("TCP 10.0.0.100:80", "B"); err != nil {
		t.Fatal(err)
	}
	e.run(time.Minute)
	mustIn(t, d, tcp(t, client, vip, ack, "lost"), Dropped)
	if d.Stats().DestUnavailable != 1 {
		t.Fatalf("stats %+v", d.Stats())
	}
	cs := d.Conns()
	if len(cs) != 1 || cs[0].Dest != "B" || cs[0].Left != 14*time.Minute {
		t.Fatalf("entries %+v, want only B's entry with 14m left (timer not restarted; A's SYN_RECV expired)", cs)
	}
	e.run(14*time.Minute + time.Second)
	if len(d.svcs[0].trash) != 0 {
		t.Fatalf("trash %v after the last entry expired", d.svcs[0].trash)
	}
	var reasons []string
	for _, r := range e.events("dest") {
		reasons = append(reasons, r.To+":"+r.Reason)
	}
	if got := strings.Join(reasons, " "); got != "A:add B:add B:weight B:remove" {
		t.Fatalf("dest trace %q", got)
	}
}

// TestPersistence follows ip_vs_sched_persist and ip_vs_conn_expire for
// templates: one client network sticks to its server, the template lives
// while it controls entries (re-armed 60 s at a time, expire_later), and
// then its own timeout.
func TestPersistence(t *testing.T) {
	cfg := service(KindNAT)
	cfg.PersistenceTimeout = 300 * time.Second
	cfg.PersistenceGranularity = 24
	d, e := newDirector(t, cfg)
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	mustIn(t, d, tcp(t, client, vip, ack, ""), Consumed) // ESTABLISHED: 15 min
	// Another port and another host of the same /24: same server.
	other := netip.AddrPortFrom(client2.Addr(), 40001)
	mustIn(t, d, tcp(t, other, vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != realB {
		t.Fatalf("same /24 went to %v", dst)
	}
	news := e.events("new")
	if len(news) != 2 || news[0].Value2 != 0 || news[1].Value2 != 1 {
		t.Fatalf("new trace %+v, want the second chosen by the template", news)
	}
	if x := dest(t, d, "B"); x.Persist != 1 {
		t.Fatalf("B %+v, want one template", x)
	}
	tm := e.events("template")
	if len(tm) != 1 || tm[0].Addr != netip.MustParseAddr("192.0.2.0") || tm[0].Reason != "create" {
		t.Fatalf("template trace %+v", tm)
	}
	// The template fires at 300 s while it controls an entry: 60 s more,
	// again and again until the ESTABLISHED entry (15 min) is gone.
	e.run(15*time.Minute - time.Second)
	if c, n := d.Len(); c != 1 || n != 1 {
		t.Fatalf("at 14:59: %d entries %d templates, want the template alive past its 300 s", c, n)
	}
	e.run(2 * time.Minute)
	if c, n := d.Len(); c != 0 || n != 0 {
		t.Fatalf("at 17 min: %d entries %d templates", c, n)
	}
	if x := dest(t, d, "B"); x.Persist != 0 {
		t.Fatalf("B %+v after template expiry", x)
	}
}

// TestPersistenceTemplateOutlivesConns: the template keeps the client on
// its server after the entries are gone; each new entry restarts the
// template's timer (ip_vs_conn_put(ct) in ip_vs_sched_persist), which
// then frees it (ip_vs_conn_expire with n_control 0).
func TestPersistenceTemplateOutlivesConns(t *testing.T) {
	cfg := service(KindNAT)
	cfg.PersistenceTimeout = 300 * time.Second
	d, e := newDirector(t, cfg)
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed) // -> B, entry lives 60 s
	e.run(200 * time.Second)
	if c, n := d.Len(); c != 0 || n != 1 {
		t.Fatalf("at 200 s: %d entries %d templates", c, n)
	}
	mustIn(t, d, tcp(t, netip.AddrPortFrom(client.Addr(), 40001), vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != realB {
		t.Fatalf("at 200 s the client went to %v, want B by its template", dst)
	}
	e.run(299 * time.Second) // t = 499 s
	if _, n := d.Len(); n != 1 {
		t.Fatal("template gone before 300 s after its last entry was created")
	}
	e.run(2 * time.Second) // t = 501 s
	if _, n := d.Len(); n != 0 {
		t.Fatal("template alive 300 s after its last entry was created")
	}
	mustIn(t, d, tcp(t, netip.AddrPortFrom(client.Addr(), 40002), vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != realA {
		t.Fatalf("after the template: %v, want rr's next pick A", dst)
	}
}

// TestPersistenceQuiescedAndRemoved: ip_vs_check_template keeps a
// template whose server has weight 0 (expire_quiescent_template 0) and
// invalidates one whose server was removed.
func TestPersistenceQuiescedAndRemoved(t *testing.T) {
	cfg := service(KindNAT)
	cfg.PersistenceTimeout = 300 * time.Second
	d, e := newDirector(t, cfg)
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed) // template -> B
	_ = d.SetWeight("TCP 10.0.0.100:80", "B", 0)
	mustIn(t, d, tcp(t, netip.AddrPortFrom(client.Addr(), 40001), vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != realB {
		t.Fatalf("quiesced: client moved to %v, want it kept on B", dst)
	}
	mustIn(t, d, tcp(t, client2, vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != realA {
		t.Fatalf("quiesced: new client sent to %v", dst)
	}
	_ = d.RemoveReal("TCP 10.0.0.100:80", "B")
	mustIn(t, d, tcp(t, netip.AddrPortFrom(client.Addr(), 40002), vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != realA {
		t.Fatalf("removed: client sent to %v, want rescheduled to A", dst)
	}
	var why []string
	for _, r := range e.events("template") {
		why = append(why, r.To+":"+r.Reason)
	}
	if got := strings.Join(why, " "); got != "B:create A:create B:invalidate A:create" {
		t.Fatalf("template trace %q", got)
	}
	// The invalidated template still counts on B until its timer frees it.
	if _, n := d.Len(); n != 3 {
		t.Fatalf("%d templates, want 3 (one invalidated)", n)
	}
}

// TestUDPAndOPS: UDP entries live 5 min in one state (ip_vs_proto_udp.c);
// with one-packet scheduling every datagram is scheduled alone and no
// entry stays (IP_VS_CONN_F_ONE_PACKET).
func TestUDPAndOPS(t *testing.T) {
	cfg := service(KindNAT)
	cfg.Proto = ProtoUDP
	d, e := newDirector(t, cfg)
	mustIn(t, d, udp(t, client, vip, "q"), Consumed)
	cs := d.Conns()
	if len(cs) != 1 || cs[0].State != StateUDP || cs[0].Left != 5*time.Minute {
		t.Fatalf("udp entries %+v", cs)
	}
	if x := dest(t, d, "B"); x.Inactive != 1 || x.Active != 0 {
		t.Fatalf("udp counts %+v, want inactive", x)
	}
	cfg.OPS = true
	d, e = newDirector(t, cfg)
	var got []netip.AddrPort
	for range 4 {
		mustIn(t, d, udp(t, client, vip, "q"), Consumed)
		_, dst, _ := hdr(t, e.last(t).pkt)
		got = append(got, dst)
	}
	if got[0] != realB || got[1] != realA || got[2] != realB || got[3] != realA {
		t.Fatalf("ops picks %v, want alternating", got)
	}
	if n, _ := d.Len(); n != 0 || dest(t, d, "A").Inactive != 0 {
		t.Fatalf("ops kept %d entries", n)
	}
}

// TestUpperThreshold: ip_vs_bind_dest sets IP_VS_DEST_F_OVERLOAD when a
// dest's connections reach u_threshold, so the scheduler skips it;
// ip_vs_unbind_dest clears it when the entry expires (no l_threshold:
// below 3/4 of u_threshold).
func TestUpperThreshold(t *testing.T) {
	cfg := service(KindNAT)
	cfg.Reals[1].UThreshold = 1 // B
	d, e := newDirector(t, cfg)
	for i, want := range []netip.AddrPort{realB, realA, realA} {
		mustIn(t, d, tcp(t, netip.AddrPortFrom(client.Addr(), uint16(1000+i)), vip, syn, ""), Consumed)
		if _, dst, _ := hdr(t, e.last(t).pkt); dst != want {
			t.Fatalf("conn %d to %v, want %v", i, dst, want)
		}
	}
	if !dest(t, d, "B").Overloaded {
		t.Fatal("B not overloaded at its threshold")
	}
	e.run(61 * time.Second) // the SYN_RECV entries expire
	if dest(t, d, "B").Overloaded {
		t.Fatal("B still overloaded with no connection")
	}
}

// TestSorryServer: with no real server left, keepalived puts the
// sorry_server in the service; it leaves when a real server is back.
func TestSorryServer(t *testing.T) {
	cfg := service(KindNAT)
	sorry := netip.MustParseAddrPort("10.1.0.9:8080")
	cfg.Sorry = &RealConfig{Name: "S", Addr: sorry, Weight: 1}
	d, e := newDirector(t, cfg)
	_ = d.RemoveReal("TCP 10.0.0.100:80", "A")
	_ = d.RemoveReal("TCP 10.0.0.100:80", "B")
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, e.last(t).pkt); dst != sorry {
		t.Fatalf("sent to %v, want sorry server", dst)
	}
	if err := d.AddReal("TCP 10.0.0.100:80", RealConfig{Name: "A", Addr: realA, Weight: 1}); err != nil {
		t.Fatal(err)
	}
	if ds := d.Services()[0].Dests; len(ds) != 1 || ds[0].Name != "A" {
		t.Fatalf("dests %+v", ds)
	}
	// The sorry server kept its entry (trash); back in service, it is
	// taken out of the trash again.
	_ = d.RemoveReal("TCP 10.0.0.100:80", "A")
	if ds := d.Services()[0].Dests; len(ds) != 1 || !ds[0].Sorry || ds[0].Inactive != 1 || len(d.svcs[0].trash) != 0 {
		t.Fatalf("sorry back: dests %+v, trash %d", ds, len(d.svcs[0].trash))
	}
}

// TestFlush: a crash loses the whole table; no timer fires afterwards.
func TestFlush(t *testing.T) {
	cfg := service(KindNAT)
	cfg.PersistenceTimeout = time.Minute
	d, e := newDirector(t, cfg)
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	mustIn(t, d, tcp(t, client2, vip, syn, ""), Consumed)
	d.Flush()
	if c, n := d.Len(); c != 0 || n != 0 || len(d.Conns()) != 0 {
		t.Fatalf("after flush %d %d", c, n)
	}
	if x := dest(t, d, "B"); x.Active+x.Inactive != 0 || x.Persist != 0 {
		t.Fatalf("counters %+v", x)
	}
	before := len(e.recs)
	e.run(time.Hour)
	if len(e.recs) != before {
		t.Fatalf("records after flush: %+v", e.recs[before:])
	}
	mustIn(t, d, tcp(t, client, vip, ack, ""), Pass)
}

// TestFWMark: a fwmark service takes what the mark rule marks
// (ip_vs_service_find tries fwmark first); persistence keys the template
// by the mark with port 0, so every port of the client sticks.
func TestFWMark(t *testing.T) {
	cfg := service(KindNAT)
	cfg.VIP, cfg.FWMark, cfg.PersistenceTimeout = netip.AddrPort{}, 7, time.Minute
	cfg.Reals[0].Addr = netip.AddrPortFrom(realA.Addr(), 0)
	cfg.Reals[1].Addr = netip.AddrPortFrom(realB.Addr(), 0)
	d, e := newDirector(t, cfg)
	d.AddMarkRule(MarkRule{Proto: ProtoTCP, Dst: netip.PrefixFrom(vip.Addr(), 32), PortLo: 80, PortHi: 443, Mark: 7})
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	mustIn(t, d, tcp(t, client, netip.AddrPortFrom(vip.Addr(), 443), syn, ""), Consumed)
	_, dst, _ := hdr(t, e.last(t).pkt)
	if dst != netip.AddrPortFrom(realB.Addr(), 443) {
		t.Fatalf("443 went to %v, want B port 443", dst)
	}
	mustIn(t, d, tcp(t, client, netip.AddrPortFrom(vip.Addr(), 8443), syn, ""), Pass)
}

// TestTTLAndOutputErrors: decrement_ttl refuses TTL 1; a failed route is
// a drop with its own counter.
func TestTTLAndOutputErrors(t *testing.T) {
	d, e := newDirector(t, service(KindNAT))
	p := tcp(t, client, vip, syn, "")
	p[8] = 1
	_ = wire.SetChecksums(p)
	mustIn(t, d, p, Dropped)
	e.fail = true
	mustIn(t, d, tcp(t, client2, vip, syn, ""), Dropped)
	if s := d.Stats(); s.TTLExceeded != 1 || s.OutputErr != 1 {
		t.Fatalf("stats %+v", s)
	}
	short := tcp(t, client, vip, syn, "")[:30]
	short[3] = 30
	mustIn(t, d, short, Dropped)
	if d.Stats().BadPacket != 1 {
		t.Fatalf("stats %+v", d.Stats())
	}
}

// TestTableBoundedByLiveConns: many short connections (SYN, ACK, RST ->
// CLOSE, 10 s) never grow the table past what is alive, and it empties;
// freed entries are reused.
func TestTableBoundedByLiveConns(t *testing.T) {
	d, e := newDirector(t, service(KindNAT))
	e.keep = false
	peak := 0
	for i := range 5000 {
		c := netip.AddrPortFrom(client.Addr(), uint16(10000+i))
		mustIn(t, d, tcp(t, c, vip, syn, ""), Consumed)
		mustIn(t, d, tcp(t, c, vip, ack, ""), Consumed)
		mustIn(t, d, tcp(t, c, vip, rst, ""), Consumed)
		e.run(20 * time.Millisecond) // 50 new connections per second
		n, _ := d.Len()
		peak = max(peak, n)
	}
	if peak > 501 {
		t.Fatalf("peak %d entries, want at most 10 s worth (500)", peak)
	}
	e.run(11 * time.Second)
	if n, _ := d.Len(); n != 0 || len(d.conns) != 0 || len(d.outs) != 0 {
		t.Fatalf("after the last CLOSE timeout: %d entries", n)
	}
	if len(d.free) > peak+1 {
		t.Fatalf("%d pooled entries for a peak of %d", len(d.free), peak)
	}
	for _, x := range d.Services()[0].Dests {
		if x.Active+x.Inactive != 0 {
			t.Fatalf("counters left %+v", x)
		}
	}
}

func FuzzDirector(f *testing.F) {
	f.Add(tcp(f, client, vip, syn, ""), true)
	f.Add(tcp(f, realB, client, synack, "x"), false)
	f.Add(udp(f, client, vip, "q"), true)
	quote := tcp(f, client, realB, syn, "")
	unreach, _ := wire.NewEncoder().ICMPPacket(wire.IPv4Header{TTL: 64, Src: realB.Addr(), Dst: client.Addr()},
		wire.ICMPEcho{Type: wire.ICMPUnreachable, Code: 3}, quote[:28])
	f.Add(bytes.Clone(unreach), false)
	syn1 := tcp(f, client, vip, syn, "")
	f.Fuzz(func(t *testing.T, pkt []byte, in bool) {
		for _, k := range []Kind{KindNAT, KindDR, KindTUN, KindFULLNAT} {
			d, _ := newDirector(t, service(k))
			d.In(syn1, nil) // an entry for the packet to be about
			p := bytes.Clone(pkt)
			if in {
				d.In(p, nil)
				d.In(p, nil)
			} else {
				d.Out(p, nil)
			}
			if !bytes.Equal(p, pkt) {
				t.Fatal("the director modified its input")
			}
		}
	})
}

// BenchmarkNATForward: an established NAT connection's packets through
// conn lookup, state machine, TTL and rewrite (ip_vs_in steady state).
func BenchmarkNATForward(b *testing.B) {
	d, e := newDirector(b, service(KindNAT))
	e.keep = false
	d.In(tcp(b, client, vip, syn, ""), nil)
	d.In(tcp(b, client, vip, ack, ""), nil)
	p := tcp(b, client, vip, ack, strings.Repeat("x", 100))
	b.ReportAllocs()
	for b.Loop() {
		if d.In(p, nil) != Consumed {
			b.Fatal("not forwarded")
		}
	}
}

// BenchmarkNewConn: a new connection per SYN with the entries recycled
// (the table stays small: each is closed by RST and expired).
func BenchmarkNewConn(b *testing.B) {
	d, e := newDirector(b, service(KindNAT))
	e.keep = false
	pkts := make([][]byte, 1024)
	rsts := make([][]byte, 1024)
	for i := range pkts {
		c := netip.AddrPortFrom(client.Addr(), uint16(10000+i))
		pkts[i] = tcp(b, c, vip, syn, "")
		rsts[i] = tcp(b, c, vip, rst, "")
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.In(pkts[i&1023], nil)
		d.In(rsts[i&1023], nil)
		i++
		if i&1023 == 0 {
			e.run(11 * time.Second)
		}
	}
}

// icmpAbout builds the ICMP port unreachable that from sends about pkt.
func icmpAbout(t *testing.T, from netip.Addr, pkt []byte) []byte {
	t.Helper()
	b, err := wire.NewEncoder().ICMPPacket(wire.IPv4Header{TTL: 64, Src: from, Dst: netip.AddrFrom4([4]byte(pkt[12:16]))},
		wire.ICMPEcho{Type: wire.ICMPUnreachable, Code: 3}, pkt[:28])
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}

// TestICMPRelated follows ip_vs_out_icmp and ip_vs_in_icmp: ICMP errors
// about a connection's packets cross the director like the connection
// (NAT: rewritten by ip_vs_nat_icmp; DR: forwarded unchanged to the real
// server); ICMP about nothing IPVS knows, and echo, pass.
func TestICMPRelated(t *testing.T) {
	cfg := service(KindNAT)
	cfg.Proto = ProtoUDP
	d, e := newDirector(t, cfg)
	mustIn(t, d, udp(t, client, vip, "q"), Consumed)
	atReal := e.last(t).pkt
	// The real server has no listener: its error goes back as the VIP's.
	mustOut(t, d, icmpAbout(t, realB.Addr(), atReal), Consumed)
	var f wire.Frame
	if err := wire.NewDecoder().DecodeIPv4(e.last(t).pkt, &f); err != nil || f.IP.Src != vip.Addr() || f.IP.Dst != client.Addr() || !f.HasICMP {
		t.Fatalf("out: %v %+v", err, f.IP)
	}
	if q := f.Payload; netip.AddrFrom4([4]byte(q[16:20])) != vip.Addr() {
		t.Fatalf("quoted destination %v, want the VIP", netip.AddrFrom4([4]byte(q[16:20])))
	}
	// The client's error about a reply from the VIP reaches the real server.
	mustIn(t, d, icmpAbout(t, client.Addr(), udp(t, vip, client, "r")), Consumed)
	if err := wire.NewDecoder().DecodeIPv4(e.last(t).pkt, &f); err != nil || f.IP.Dst != realB.Addr() {
		t.Fatalf("in: %v %+v", err, f.IP)
	}
	// Unrelated: another client, or an echo request.
	mustIn(t, d, icmpAbout(t, client2.Addr(), udp(t, vip, client2, "r")), Pass)
	echo, _ := wire.NewEncoder().ICMPPacket(wire.IPv4Header{TTL: 64, Src: client.Addr(), Dst: vip.Addr()}, wire.ICMPEcho{Type: wire.ICMPEchoRequest}, nil)
	mustIn(t, d, bytes.Clone(echo), Pass)

	d, e = newDirector(t, service(KindDR))
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	m := icmpAbout(t, client.Addr(), tcp(t, vip, client, synack, ""))
	mustIn(t, d, m, Consumed)
	s := e.last(t)
	if s.next != realB.Addr() || !bytes.Equal(s.pkt[20:], m[20:]) {
		t.Fatalf("DR: sent to %v % x", s.next, s.pkt)
	}
}

// TestLBLCTableAgesOnTheDirectorsTimer: ip_vs_lblc_init_svc arms
// ip_vs_lblc_check_expire every CHECK_EXPIRE_INTERVAL (60 s), and that
// timer, not a lookup, frees an entry unused for lblc_expiration (24 h).
// A VIP's entry binds it to A; while the entry lives, a new connection
// follows it even when B (the head of the list, newest first) would win a
// fresh pick; once the timer has collected it, the fresh pick goes to B.
func TestLBLCTableAgesOnTheDirectorsTimer(t *testing.T) {
	cfg := service(KindNAT)
	cfg.Sched = "lblc"
	d, e := newDirector(t, cfg)
	if err := d.SetWeight("TCP 10.0.0.100:80", "B", 0); err != nil {
		t.Fatal(err)
	}
	dest := func(from netip.AddrPort) netip.AddrPort {
		t.Helper()
		mustIn(t, d, tcp(t, from, vip, syn, ""), Consumed)
		_, dst, _ := hdr(t, e.last(t).pkt)
		mustIn(t, d, tcp(t, from, vip, rst, ""), Consumed)
		return dst
	}
	if got := dest(client); got != realA {
		t.Fatalf("first pick %v, want A (B quiesced)", got)
	}
	if err := d.SetWeight("TCP 10.0.0.100:80", "B", 1); err != nil {
		t.Fatal(err)
	}
	e.run(time.Hour)
	if got := dest(client2); got != realA {
		t.Fatalf("after 1 h: %v, want A (the VIP's entry is still fresh)", got)
	}
	e.run(25*time.Hour + 31*time.Minute)
	if got := dest(netip.MustParseAddrPort("192.0.2.12:40000")); got != realB {
		t.Fatalf("after the entry aged out: %v, want B, the head of the list", got)
	}
}
