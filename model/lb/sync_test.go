package lb

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// sentSync is a message the master daemon sent.
type sentSync struct {
	at  sim.Time
	msg wire.IPVSSync
}

func startMaster(t *testing.T, d *Director, e *testEnv, cfg SyncConfig) *[]sentSync {
	t.Helper()
	var out []sentSync
	if err := d.StartSyncMaster(cfg, func(b []byte) {
		var m wire.IPVSSync
		if err := wire.ParseIPVSSync(bytes.Clone(b), &m); err != nil {
			t.Fatalf("master sent a message that does not decode: %v", err)
		}
		out = append(out, sentSync{e.k.Now(), m})
	}); err != nil {
		t.Fatal(err)
	}
	return &out
}

// establish runs a client's SYN, ACK and first data segment through d (a
// DR service: the director sees the client's half only): the third
// client packet is the one sync_threshold 3 syncs.
func establish(t *testing.T, d *Director, from netip.AddrPort) {
	t.Helper()
	mustIn(t, d, tcp(t, from, vip, syn, ""), Consumed)
	mustIn(t, d, tcp(t, from, vip, ack, ""), Consumed)
	mustIn(t, d, tcp(t, from, vip, ack|wire.TCPPsh, "GET / HTTP/1.0\r\n\r\n"), Consumed)
}

// TestSyncConnNeeded follows ip_vs_sync_conn_needed case by case.
func TestSyncConnNeeded(t *testing.T) {
	d, _ := newDirector(t, service(KindDR))
	svc := d.svcs[0]
	def := DefaultSysctls()
	noPeriod := def
	noPeriod.SyncPeriod = 0
	tests := []struct {
		name     string
		sys      Sysctls
		proto    uint8
		template bool
		state    State
		old      State
		pkts     int
		want     bool
	}{
		{"ESTABLISHED at sync_threshold (3 % 50 == 3)", def, ProtoTCP, false, StateEstablished, StateNone, 3, true},
		{"ESTABLISHED entered but pkts 2: a state change to ES is not forced", def, ProtoTCP, false, StateEstablished, StateSynRecv, 2, false},
		{"ESTABLISHED every sync_period (53)", def, ProtoTCP, false, StateEstablished, StateEstablished, 53, true},
		{"ESTABLISHED between (4)", def, ProtoTCP, false, StateEstablished, StateEstablished, 4, false},
		{"SYN_RECV is never synced", def, ProtoTCP, false, StateSynRecv, StateNone, 3, false},
		{"FIN_WAIT entered: forced whatever pkts", def, ProtoTCP, false, StateFinWait, StateEstablished, 7, true},
		{"FIN_WAIT again: by the packet rule", def, ProtoTCP, false, StateFinWait, StateFinWait, 7, false},
		{"TIME_WAIT entered: forced", def, ProtoTCP, false, StateTimeWait, StateFinWait, 9, true},
		{"UDP at threshold", def, ProtoUDP, false, StateUDP, StateNone, 3, true},
		{"UDP off threshold", def, ProtoUDP, false, StateUDP, StateNone, 4, false},
		{"template: whenever its entry is synced", def, ProtoTCP, true, StateNone, StateNone, 8, true},
		{"sync_period 0: only at the threshold", noPeriod, ProtoTCP, false, StateEstablished, StateEstablished, 3, true},
		{"sync_period 0: never again", noPeriod, ProtoTCP, false, StateEstablished, StateEstablished, 53, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.sysctl = tc.sys
			c := &Conn{d: d, svc: svc, proto: tc.proto, template: tc.template, state: tc.state, oldState: tc.old, timeout: timeouts[tc.state]}
			if got := d.syncNeeded(c, tc.pkts); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if tc.want && c.oldState != c.state {
				t.Fatalf("old_state %v not updated to %v", c.oldState, c.state)
			}
		})
	}
}

// TestSyncRefreshPeriod: with sync_refresh_period an entry synced a
// moment ago is skipped unless retries are left and refresh/8 passed
// (ip_vs_sync_conn_needed, the abs(diff) < min(...) branch).
func TestSyncRefreshPeriod(t *testing.T) {
	d, e := newDirector(t, service(KindDR))
	d.sysctl.SyncRefreshPeriod = 80 * time.Second
	d.sysctl.SyncPeriod = 0
	c := &Conn{d: d, svc: d.svcs[0], proto: ProtoUDP, state: StateUDP, timeout: 5 * time.Minute}
	c.syncEnd = e.Now().Add(c.timeout) // just synced
	if d.syncNeeded(c, 10) {
		t.Fatal("synced again at once with no retries")
	}
	d.sysctl.SyncRetries = 1
	e.run(5 * time.Second)
	if d.syncNeeded(c, 11) {
		t.Fatal("retried before refresh/8 (10 s)")
	}
	e.run(6 * time.Second)
	if !d.syncNeeded(c, 12) || c.syncRetries != 1 {
		t.Fatalf("retry after refresh/8: retries %d, want 1", c.syncRetries)
	}
	if d.syncNeeded(c, 13) {
		t.Fatal("second retry with sync_retries 1")
	}
	e.run(100 * time.Second) // expiry moved by more than the period
	if !d.syncNeeded(c, 14) || c.syncRetries != 0 {
		t.Fatalf("refresh after the period: retries %d, want 0", c.syncRetries)
	}
}

// TestSyncMasterFlushesAfterTwoSeconds: a buffer that never fills leaves
// when the thread, asleep IPVS_SYNC_CHECK_PERIOD (1 s) at a time since it
// started, finds it IPVS_SYNC_FLUSH_TIME (2 s) old (next_sync_buff).
func TestSyncMasterFlushesAfterTwoSeconds(t *testing.T) {
	d, e := newDirector(t, service(KindDR))
	sent := startMaster(t, d, e, SyncConfig{SyncID: 9})
	e.run(500 * time.Millisecond)
	establish(t, d, client)
	e.run(2400 * time.Millisecond) // to 2.9 s: wakes at 1 s and 2 s find it 0.5 and 1.5 s old
	if len(*sent) != 0 {
		t.Fatalf("sent at %v, before the buffer was 2 s old at a wake-up", (*sent)[0].at)
	}
	e.run(200 * time.Millisecond)
	if len(*sent) != 1 {
		t.Fatalf("%d messages by 3.1 s, want 1", len(*sent))
	}
	s := (*sent)[0]
	if want := sim.Time(3 * time.Second); s.at != want {
		t.Fatalf("sent at %v, want %v (the wake-up at 3 s)", s.at, want)
	}
	c := s.msg.Conns[0]
	if s.msg.SyncID != 9 || len(s.msg.Conns) != 1 || c.State != uint16(StateEstablished) || c.Timeout != 900 ||
		c.Flags != wire.IPVSConnDRoute|wire.IPVSConnNoOutput || c.Client != client || c.Virtual != vip || c.Dest.Addr() != realB.Addr() {
		t.Fatalf("message %+v", s.msg)
	}
}

// TestSyncFlagsByMethod: an entry's flags in the message carry the
// forwarding method and IP_VS_CONN_F_NOOUTPUT, which
// __ip_vs_update_dest sets for every method but masquerading (NAT)
// and ip_vs_bind_dest copies into the entry; the client's packets alone
// never clear it (handle_response does).
func TestSyncFlagsByMethod(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		want uint32
	}{
		{KindNAT, wire.IPVSConnMasq},
		{KindDR, wire.IPVSConnDRoute | wire.IPVSConnNoOutput},
		{KindTUN, wire.IPVSConnTunnel | wire.IPVSConnNoOutput},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			d, e := newDirector(t, service(tc.kind))
			sent := startMaster(t, d, e, SyncConfig{})
			establish(t, d, client)
			e.run(3100 * time.Millisecond) // the 2 s flush at the 3 s wake-up
			if len(*sent) != 1 || len((*sent)[0].msg.Conns) != 1 {
				t.Fatalf("sent %+v, want one message with one entry", *sent)
			}
			if got := (*sent)[0].msg.Conns[0].Flags; got != tc.want {
				t.Fatalf("flags %#x, want %#x", got, tc.want)
			}
		})
	}
}

// TestSyncMasterFullBuffer: a 1472-octet message holds 40 entries; the
// 41st queues the full buffer (sb_queue_tail), which leaves
// IPVS_SYNC_SEND_DELAY (20 ms) later (master_wakeup_work).
func TestSyncMasterFullBuffer(t *testing.T) {
	d, e := newDirector(t, service(KindDR))
	sent := startMaster(t, d, e, SyncConfig{})
	e.run(100 * time.Millisecond)
	for i := range 41 {
		establish(t, d, netip.AddrPortFrom(client.Addr(), uint16(30000+i)))
	}
	e.run(19 * time.Millisecond)
	if len(*sent) != 0 {
		t.Fatal("sent before the send delay")
	}
	e.run(time.Millisecond)
	if len(*sent) != 1 || len((*sent)[0].msg.Conns) != 40 || wire.IPVSSyncLen(40) > 1472 || wire.IPVSSyncLen(41) <= 1472 {
		t.Fatalf("got %d messages, want one of 40 entries at 120 ms", len(*sent))
	}
}

// TestSyncMasterWakeupRate: the IPVS_SYNC_WAKEUP_RATE-th (8th) queued
// buffer wakes the thread at once; maxlen 1 makes every entry its own
// message (the buffer is never smaller than one entry).
func TestSyncMasterWakeupRate(t *testing.T) {
	d, e := newDirector(t, service(KindDR))
	sent := startMaster(t, d, e, SyncConfig{MaxLen: 1})
	e.run(100 * time.Millisecond)
	for i := range 9 { // the 9th entry queues the 8th buffer
		establish(t, d, netip.AddrPortFrom(client.Addr(), uint16(30000+i)))
	}
	e.run(0)
	if len(*sent) != 8 || (*sent)[7].at != sim.Time(100*time.Millisecond) {
		t.Fatalf("got %d messages at once, want 8", len(*sent))
	}
}

// TestSyncMasterStopDropsBuffers: stop_sync_thread frees what was not
// sent (keepalived stops the master daemon when the instance leaves
// master).
func TestSyncMasterStopDropsBuffers(t *testing.T) {
	d, e := newDirector(t, service(KindDR))
	sent := startMaster(t, d, e, SyncConfig{})
	establish(t, d, client)
	d.StopSync(SyncMaster)
	e.run(5 * time.Second)
	if len(*sent) != 0 || d.SyncStats().Dropped != 1 || d.SyncState() != 0 {
		t.Fatalf("sent %d, stats %+v, state %v", len(*sent), d.SyncStats(), d.SyncState())
	}
}

// syncPair returns a master and a backup director with the same service,
// the master's messages delivered to the backup at once.
func syncPair(t *testing.T, cfg ServiceConfig) (m, b *Director, me, be *testEnv) {
	t.Helper()
	m, me = newDirector(t, cfg)
	b, be = newDirector(t, cfg)
	me.k = be.k // one clock
	if err := b.StartSyncBackup(SyncConfig{}); err != nil {
		t.Fatal(err)
	}
	if err := m.StartSyncMaster(SyncConfig{}, func(p []byte) { b.ReceiveSync(bytes.Clone(p)) }); err != nil {
		t.Fatal(err)
	}
	return m, b, me, be
}

// TestSyncBackupTakesOver: the backup creates the entry the master
// synced (ip_vs_proc_conn: state and timeout from the message, the
// activity preserved: IP_VS_CONN_F_SYNC in ip_vs_bind_dest), so after a
// takeover the client's next segment is forwarded to the same real
// server; without it the segment is no SYN and passes to the local stack
// (tcp_conn_schedule).
func TestSyncBackupTakesOver(t *testing.T) {
	m, b, _, be := syncPair(t, service(KindDR))
	establish(t, m, client)
	be.run(3 * time.Second)
	if got := b.SyncStats(); got.Created != 1 || got.Received != 1 {
		t.Fatalf("backup stats %+v", got)
	}
	cs := b.Conns()
	// established at 0, sent at the 2 s wake-up with the master's 900 s:
	// at 3 s 899 s are left
	if len(cs) != 1 || cs[0].State != StateEstablished || cs[0].Left != 899*time.Second || cs[0].Dest != "B" {
		t.Fatalf("backup entries %+v", cs)
	}
	if x := dest(t, b, "B"); x.Active != 1 || x.Inactive != 0 {
		t.Fatalf("backup dest B active %d inactive %d, want 1 0", x.Active, x.Inactive)
	}
	be.out = nil
	mustIn(t, b, tcp(t, client, vip, ack, ""), Consumed)
	if s := be.last(t); s.next != realB.Addr() {
		t.Fatalf("forwarded to %v, want %v", s.next, realB.Addr())
	}
	other, _ := newDirector(t, service(KindDR))
	mustIn(t, other, tcp(t, client, vip, ack, ""), Pass)
	if other.Stats().NotSyn != 1 {
		t.Fatal("an unsynced director did not count the non-SYN")
	}
}

// TestSyncStateChangesFollow: FIN_WAIT is synced at once (forced) and
// updates the backup's entry, timeout 120 s.
func TestSyncStateChangesFollow(t *testing.T) {
	m, b, _, be := syncPair(t, service(KindDR))
	establish(t, m, client)
	be.run(3 * time.Second)
	mustIn(t, m, tcp(t, client, vip, fin, ""), Consumed)
	be.run(3 * time.Second)
	cs := b.Conns()
	if len(cs) != 1 || cs[0].State != StateFinWait || b.SyncStats().Updated != 1 {
		t.Fatalf("backup entries %+v stats %+v", cs, b.SyncStats())
	}
	if x := dest(t, b, "B"); x.Active != 0 || x.Inactive != 1 {
		t.Fatalf("dest B active %d inactive %d, want 0 1 (the INACTIVE flag followed)", x.Active, x.Inactive)
	}
}

// TestSyncTemplates: a persistent service's template is synced with its
// entry, so a new connection of the client on the backup goes to the
// same real server (ip_vs_sync_conn's control loop, ip_vs_ct_in_get).
func TestSyncTemplates(t *testing.T) {
	cfg := service(KindDR)
	cfg.PersistenceTimeout = 300 * time.Second
	m, b, _, be := syncPair(t, cfg)
	establish(t, m, client)
	be.run(3 * time.Second)
	if conns, tmpls := b.Len(); conns != 1 || tmpls != 1 {
		t.Fatalf("backup has %d entries and %d templates, want 1 1", conns, tmpls)
	}
	want := m.Conns()[0].Real.Addr()
	for i := range 4 {
		be.out = nil
		mustIn(t, b, tcp(t, netip.AddrPortFrom(client.Addr(), uint16(50000+i)), vip, syn, ""), Consumed)
		if s := be.last(t); s.next != want {
			t.Fatalf("connection %d went to %v, want %v (the template's)", i, s.next, want)
		}
	}
}

// TestSyncProcConnReplacement: an entry with the same client but another
// real server is expired and replaced when the message says active, and
// the message ignored when it says inactive (ip_vs_proc_conn).
func TestSyncProcConnReplacement(t *testing.T) {
	b, _ := newDirector(t, service(KindNAT))
	if err := b.StartSyncBackup(SyncConfig{}); err != nil {
		t.Fatal(err)
	}
	mustIn(t, b, tcp(t, client, vip, syn, ""), Consumed) // rr: B
	msg := func(flags uint32) []byte {
		p, err := wire.AppendIPVSSync(nil, &wire.IPVSSync{Conns: []wire.IPVSSyncConn{{Protocol: ProtoTCP, Flags: flags,
			State: uint16(StateEstablished), Client: client, Virtual: vip, Dest: realA, Timeout: 900}}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	b.ReceiveSync(msg(wire.IPVSConnInactive))
	if cs := b.Conns(); cs[0].Dest != "B" {
		t.Fatalf("an inactive message replaced the entry: %+v", cs)
	}
	b.ReceiveSync(msg(0))
	if cs := b.Conns(); len(cs) != 1 || cs[0].Dest != "A" || cs[0].State != StateEstablished {
		t.Fatalf("entries %+v, want one to A", cs)
	}
}

// TestSyncBackupFilters: no backup daemon, another sync ID or a bad
// message: nothing is created (ip_vs_process_message).
func TestSyncBackupFilters(t *testing.T) {
	good, _ := wire.AppendIPVSSync(nil, &wire.IPVSSync{SyncID: 2, Conns: []wire.IPVSSyncConn{{Protocol: ProtoTCP,
		State: uint16(StateEstablished), Client: client, Virtual: vip, Dest: realA, Timeout: 900}}})
	// the count says 2, the second entry is cut short
	badSecond := append(bytes.Clone(good), make([]byte, 10)...)
	badSecond[3], badSecond[4] = byte(len(badSecond)), 2
	tests := []struct {
		name   string
		start  bool
		id     uint8
		msg    []byte
		stats  SyncStats
		create bool
	}{
		{"no backup daemon", false, 0, good, SyncStats{}, false},
		{"any id accepted by syncid 0", true, 0, good, SyncStats{Received: 1, RecvConns: 1, Created: 1}, true},
		{"same id", true, 2, good, SyncStats{Received: 1, RecvConns: 1, Created: 1}, true},
		{"other id", true, 3, good, SyncStats{OtherID: 1}, false},
		{"truncated", true, 0, good[:20], SyncStats{Bad: 1}, false},
		{"bad second entry: the first applied", true, 0, badSecond, SyncStats{Bad: 1, Created: 1}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := newDirector(t, service(KindNAT))
			if tc.start {
				if err := b.StartSyncBackup(SyncConfig{SyncID: tc.id}); err != nil {
					t.Fatal(err)
				}
			}
			b.ReceiveSync(tc.msg)
			if n, _ := b.Len(); (n == 1) != tc.create || b.SyncStats() != tc.stats {
				t.Fatalf("entries %d, stats %+v; want created %v, stats %+v", n, b.SyncStats(), tc.create, tc.stats)
			}
		})
	}
}

// TestSyncEntryState follows ip_vs_proc_sync_conn's state check: an
// entry whose state is not below its protocol's num_states (TCP:
// IP_VS_TCP_S_LAST, 11; UDP: IP_VS_UDP_S_LAST, 1), or whose protocol has
// no ip_vs_protocol, is dropped alone (a positive retc, "Single msg
// dropped"): the next entry of the message is still applied.
func TestSyncEntryState(t *testing.T) {
	other := netip.MustParseAddrPort("192.0.2.99:40000")
	tests := []struct {
		name  string
		proto uint8
		state uint16
		ok    bool
	}{
		{"TCP NONE", ProtoTCP, 0, true},
		{"TCP ESTABLISHED", ProtoTCP, uint16(StateEstablished), true},
		{"TCP SYNACK, the last", ProtoTCP, 10, true},
		{"TCP 11: IP_VS_TCP_S_LAST", ProtoTCP, 11, false},
		{"TCP 12", ProtoTCP, 12, false},
		{"UDP NORMAL", ProtoUDP, 0, true},
		{"UDP 1: IP_VS_UDP_S_LAST", ProtoUDP, 1, false},
		{"ICMP: no ip_vs_protocol", wire.ProtoICMP, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vs := service(KindNAT)
			vs.Proto = tc.proto
			if tc.proto == wire.ProtoICMP {
				vs.Proto = ProtoTCP
			}
			b, _ := newDirector(t, vs)
			if err := b.StartSyncBackup(SyncConfig{}); err != nil {
				t.Fatal(err)
			}
			// the entry under test, then a good one on another client
			msg, err := wire.AppendIPVSSync(nil, &wire.IPVSSync{Conns: []wire.IPVSSyncConn{
				{Protocol: tc.proto, State: tc.state, Client: client, Virtual: vip, Dest: realA, Timeout: 60},
				{Protocol: vs.Proto, Client: other, Virtual: vip, Dest: realA, Timeout: 60},
			}})
			if err != nil {
				t.Fatal(err)
			}
			b.ReceiveSync(msg)
			st := b.SyncStats()
			wantBad, wantCreated := uint64(0), uint64(2)
			if !tc.ok {
				wantBad, wantCreated = 1, 1
			}
			if st.BadEntries != wantBad || st.Created != wantCreated || st.Received != 1 {
				t.Fatalf("stats %+v; want BadEntries %d, Created %d, Received 1", st, wantBad, wantCreated)
			}
		})
	}
}

// TestSloppyTCP: with sloppy_tcp a mid-stream ACK creates an entry
// (tcp_conn_schedule), which starts in CLOSE (tcp_states: INPUT, ack,
// sNO -> sCL).
func TestSloppyTCP(t *testing.T) {
	d, _ := newDirector(t, service(KindDR))
	s := d.Sysctls()
	s.SloppyTCP = true
	if err := d.SetSysctls(s); err != nil {
		t.Fatal(err)
	}
	mustIn(t, d, tcp(t, client, vip, ack, ""), Consumed)
	mustIn(t, d, tcp(t, client2, vip, rst, ""), Pass) // never a RST
	if cs := d.Conns(); len(cs) != 1 || cs[0].State != StateClose {
		t.Fatalf("entries %+v", cs)
	}
}

// TestExpireNodestConn: with expire_nodest_conn the entry of a removed
// real server goes on its next packet (ip_vs_in); without, it stays.
func TestExpireNodestConn(t *testing.T) {
	for _, on := range []bool{false, true} {
		d, _ := newDirector(t, service(KindDR))
		s := d.Sysctls()
		s.ExpireNodestConn = on
		if err := d.SetSysctls(s); err != nil {
			t.Fatal(err)
		}
		mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
		if err := d.RemoveReal(vip.String(), "B"); err != nil {
			if err = d.RemoveReal(d.svcs[0].name, "B"); err != nil {
				t.Fatal(err)
			}
		}
		mustIn(t, d, tcp(t, client, vip, ack, ""), Dropped)
		if n, _ := d.Len(); (n == 0) != on {
			t.Fatalf("expire_nodest_conn %v: %d entries left", on, n)
		}
	}
}

func TestSysctlsValidate(t *testing.T) {
	ok := DefaultSysctls()
	tests := []struct {
		name string
		f    func(*Sysctls)
		bad  bool
	}{
		{"defaults", func(*Sysctls) {}, false},
		{"threshold equal to period", func(s *Sysctls) { s.SyncThreshold = 50 }, true},
		{"period 0 allows any threshold", func(s *Sysctls) { s.SyncPeriod, s.SyncThreshold = 0, 100 }, false},
		{"negative threshold", func(s *Sysctls) { s.SyncThreshold = -1 }, true},
		{"retries 4", func(s *Sysctls) { s.SyncRetries = 4 }, true},
		{"qlen 0", func(s *Sysctls) { s.SyncQLenMax = 0 }, true},
	}
	for _, tc := range tests {
		s := ok
		tc.f(&s)
		if err := s.Validate(); (err != nil) != tc.bad {
			t.Errorf("%s: got %v, want error %v", tc.name, err, tc.bad)
		}
	}
}

// TestSyncSkipsFULLNAT: a FULLNAT entry's local address has no place in
// the kernel's message, so FULLNAT (not mainline) is not synced.
func TestSyncSkipsFULLNAT(t *testing.T) {
	d, e := newDirector(t, service(KindFULLNAT))
	sent := startMaster(t, d, e, SyncConfig{})
	from := client
	mustIn(t, d, tcp(t, from, vip, syn, ""), Consumed)
	mustIn(t, d, tcp(t, from, vip, ack, ""), Consumed)
	mustIn(t, d, tcp(t, from, vip, ack, "x"), Consumed)
	e.run(4 * time.Second)
	if len(*sent) != 0 {
		t.Fatalf("sent %d messages for a FULLNAT entry", len(*sent))
	}
}

// BenchmarkSyncMasterConn: a DR connection's three client packets and a
// RST, without and with a sync master (two entries synced per
// connection: ESTABLISHED at the third packet, CLOSE at the RST), the
// messages encoded and handed over.
func BenchmarkSyncMasterConn(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run(map[bool]string{false: "off", true: "master"}[on], func(b *testing.B) { benchSyncConn(b, on) })
	}
}

func benchSyncConn(b *testing.B, on bool) {
	d, e := newDirector(b, service(KindDR))
	e.keep = false
	if on {
		if err := d.StartSyncMaster(SyncConfig{}, func([]byte) {}); err != nil {
			b.Fatal(err)
		}
	}
	type four [4][]byte
	pkts := make([]four, 1024)
	for i := range pkts {
		c := netip.AddrPortFrom(client.Addr(), uint16(10000+i))
		pkts[i] = four{tcp(b, c, vip, syn, ""), tcp(b, c, vip, ack, ""), tcp(b, c, vip, ack, "GET"), tcp(b, c, vip, rst, "")}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for _, p := range pkts[i&1023] {
			d.In(p, nil)
		}
		i++
		if i&1023 == 0 {
			e.run(11 * time.Second)
			e.recs = e.recs[:0] // the fake keeps every record
		}
	}
}

// FuzzReceiveSync: any datagram handed to a backup daemon is refused or
// applied without a panic, and leaves the table consistent: every entry
// listed, the dest counters matching the entries.
func FuzzReceiveSync(f *testing.F) {
	good, _ := wire.AppendIPVSSync(nil, &wire.IPVSSync{Conns: []wire.IPVSSyncConn{
		{Protocol: ProtoTCP, State: uint16(StateEstablished), Client: client, Virtual: vip, Dest: realA, Timeout: 900},
		{Protocol: ProtoTCP, Flags: wire.IPVSConnTemplate, Client: netip.AddrPortFrom(client.Addr(), 0), Virtual: vip, Dest: realB, Timeout: 300},
		{Protocol: ProtoUDP, Client: client2, Virtual: vip, Dest: realB, Timeout: 0},
	}})
	f.Add(good)
	f.Add([]byte{0, 0, 0, 8, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg := service(KindNAT)
		cfg.PersistenceTimeout = time.Minute
		d, e := newDirector(t, cfg)
		if err := d.StartSyncBackup(SyncConfig{}); err != nil {
			t.Fatal(err)
		}
		d.ReceiveSync(b)
		d.ReceiveSync(b) // and again: the update path
		conns, tmpls := d.Len()
		if got := len(d.Conns()); got != conns+tmpls {
			t.Fatalf("Len %d+%d, Conns lists %d", conns, tmpls, got)
		}
		act, inact, pers := 0, 0, 0
		for _, x := range d.Services()[0].Dests {
			act, inact, pers = act+x.Active, inact+x.Inactive, pers+x.Persist
		}
		if act+inact != conns || pers != tmpls {
			t.Fatalf("dest counters %d+%d / %d, entries %d / %d", act, inact, pers, conns, tmpls)
		}
		e.run(time.Hour) // what is left has a longer synced timeout
		for _, c := range d.Conns() {
			if c.Left <= 0 {
				t.Fatalf("entry %+v outlived its timer", c)
			}
		}
	})
}

// TestSyncFWMarkTemplate: a fwmark service's template travels as
// <IPPROTO_IP, client, fwmark as the virtual address, port 0> with the
// mark, and its entries with the mark (ip_vs_sync_conn copies
// cp->fwmark); the backup finds the service by mark (ip_vs_find_dest),
// so the client's next connection, to another port, goes to the same
// real server.
func TestSyncFWMarkTemplate(t *testing.T) {
	cfg := service(KindNAT)
	cfg.VIP, cfg.FWMark, cfg.PersistenceTimeout = netip.AddrPort{}, 7, time.Minute
	cfg.Reals[0].Addr = netip.AddrPortFrom(realA.Addr(), 0)
	cfg.Reals[1].Addr = netip.AddrPortFrom(realB.Addr(), 0)
	m, b, _, be := syncPair(t, cfg)
	rule := MarkRule{Proto: ProtoTCP, Dst: netip.PrefixFrom(vip.Addr(), 32), PortLo: 80, PortHi: 443, Mark: 7}
	m.AddMarkRule(rule)
	b.AddMarkRule(rule)
	to443 := netip.AddrPortFrom(vip.Addr(), 443)
	for _, fl := range []uint8{syn, ack, ack} {
		mustIn(t, m, tcp(t, client, to443, fl, ""), Consumed)
	}
	be.run(3 * time.Second)
	if conns, tmpls := b.Len(); conns != 1 || tmpls != 1 {
		t.Fatalf("backup has %d entries and %d templates, want 1 1", conns, tmpls)
	}
	want := m.Conns()[0].Real.Addr()
	be.out = nil
	mustIn(t, b, tcp(t, netip.AddrPortFrom(client.Addr(), 50000), vip, syn, ""), Consumed)
	if _, dst, _ := hdr(t, be.last(t).pkt); dst.Addr() != want {
		t.Fatalf("the client's next connection went to %v, want %v (its template's)", dst.Addr(), want)
	}
}

// TestSyncQueueFull: with sync_qlen_max buffers waiting, a further full
// buffer is dropped (sb_queue_tail) and counted.
func TestSyncQueueFull(t *testing.T) {
	d, e := newDirector(t, service(KindDR))
	d.sysctl.SyncQLenMax = 2
	sent := startMaster(t, d, e, SyncConfig{MaxLen: 1})
	for i := range 4 { // the 2nd, 3rd and 4th entries queue the 1st, 2nd, 3rd buffers
		establish(t, d, netip.AddrPortFrom(client.Addr(), uint16(30000+i)))
	}
	e.run(25 * time.Millisecond)
	if len(*sent) != 2 || d.SyncStats().Dropped != 1 {
		t.Fatalf("sent %d, stats %+v; want 2 sent and 1 dropped", len(*sent), d.SyncStats())
	}
}

// TestSyncTemplateOnEveryPacket: ip_vs_sync_conn goes on to the
// controlling template whether or not the entry itself was synced, and
// a template is always needed (sync_period applies to entries only): a
// SYN (entry in SYN_RECV, not synced) syncs the template, and so does
// each later packet.
func TestSyncTemplateOnEveryPacket(t *testing.T) {
	cfg := service(KindDR)
	cfg.PersistenceTimeout = 300 * time.Second
	d, e := newDirector(t, cfg)
	sent := startMaster(t, d, e, SyncConfig{})
	mustIn(t, d, tcp(t, client, vip, syn, ""), Consumed)
	mustIn(t, d, tcp(t, client, vip, ack, ""), Consumed)
	e.run(3 * time.Second)
	if len(*sent) != 1 {
		t.Fatalf("%d messages, want 1", len(*sent))
	}
	var tmpl, conns int
	for _, c := range (*sent)[0].msg.Conns {
		if c.Flags&wire.IPVSConnTemplate != 0 {
			tmpl++
			if c.Timeout != 300 || c.Client.Port() != 0 {
				t.Errorf("template %+v", c)
			}
		} else {
			conns++
		}
	}
	if tmpl != 2 || conns != 0 {
		t.Fatalf("%d templates and %d entries synced, want 2 and 0", tmpl, conns)
	}
}
