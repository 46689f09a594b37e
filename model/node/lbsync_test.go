package node_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/node"
	"github.com/vrrpsim/vrrpsim/model/wire"
)

// pairWorld is two directors running VRRP for VIP 10.0.0.254 with the
// same DR service, keepalived's lvs_sync_daemon on eth0 following VI_1,
// two real servers and a client, all on one LAN.
type pairWorld struct {
	w      *fidWorld
	r1, r2 *node.Node
	client *lbHost
	s1, s2 *lbHost
	vip    netip.AddrPort
}

func newPairWorld(t *testing.T, syncd bool) *pairWorld {
	t.Helper()
	w := newFidWorld(t)
	p := &pairWorld{w: w, vip: netip.AddrPortFrom(fidVIP, 80)}
	p.client = newLBHost(w.seg, "client", wire.MAC{2, 0, 0, 0, 10, 1}, "10.0.0.10")
	p.s1 = newLBHost(w.seg, "s1", wire.MAC{2, 0, 0, 0, 21, 1}, "10.0.0.21")
	p.s2 = newLBHost(w.seg, "s2", wire.MAC{2, 0, 0, 0, 22, 1}, "10.0.0.22")
	p.r1 = w.router("r1", 1, 0, vi(51, 150))
	p.r2 = w.router("r2", 2, 0, vi(51, 100))
	for _, n := range []*node.Node{p.r1, p.r2} {
		cfg := lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: p.vip, Sched: "rr", Kind: lb.KindDR, Reals: []lb.RealConfig{
			{Name: "s1", Addr: netip.AddrPortFrom(p.s1.ip, 80), Weight: 1},
			{Name: "s2", Addr: netip.AddrPortFrom(p.s2.ip, 80), Weight: 1},
		}}
		if _, err := n.AddDirector([]lb.ServiceConfig{cfg}); err != nil {
			t.Fatal(err)
		}
		if syncd {
			if err := n.AddSyncDaemon(node.SyncDaemonConfig{Interface: "eth0", Instance: "VI_1", SyncID: 51}); err != nil {
				t.Fatal(err)
			}
		}
		n.Start()
	}
	return p
}

// open sends a client's SYN, ACK and request segment to the MAC of the
// VIP's holder: three client packets, the third synced (sync_threshold).
func (p *pairWorld) open(t *testing.T, to *node.Node, port uint16) {
	t.Helper()
	from := netip.AddrPortFrom(p.client.ip, port)
	mac := to.Interfaces()[0].MAC()
	for _, fl := range []uint8{wire.TCPSyn, wire.TCPAck, wire.TCPAck | wire.TCPPsh} {
		p.client.send(mac, lbTCP(t, from, p.vip, fl))
	}
}

// TestSyncDaemonFollowsVRRPAndSurvivesTakeover: the master's sync
// messages are UDP frames from its eth0 address to 224.0.0.81:8848, TTL
// 1, Ethernet 01:00:5e:00:00:51 (ip_vs_sync.c make_send_sock defaults);
// the backup creates the entry, so after r1 crashes r2 forwards the
// connection's next segment to the same real server; without the daemon
// r2 passes it to its own stack (no SYN: tcp_conn_schedule).
func TestSyncDaemonFollowsVRRPAndSurvivesTakeover(t *testing.T) {
	for _, syncd := range []bool{true, false} {
		p := newPairWorld(t, syncd)
		w := p.w
		w.run(5 * time.Second) // r1 master at 3.414 s
		if syncd && (p.r1.Director().SyncState() != lb.SyncMaster || p.r2.Director().SyncState() != lb.SyncBackup) {
			t.Fatalf("sync states r1 %v r2 %v, want master and backup", p.r1.Director().SyncState(), p.r2.Director().SyncState())
		}
		p.open(t, p.r1, 40000)
		w.run(9 * time.Second)
		var syncFrames int
		for _, fr := range w.frames {
			f := fr.f
			if !f.HasUDP || f.UDP.DstPort != wire.IPVSSyncPort {
				continue
			}
			syncFrames++
			if f.Dst != wire.MulticastMAC(wire.IPVSSyncGroup) || f.IP.Dst != wire.IPVSSyncGroup || f.IP.TTL != 1 ||
				f.IP.Src != netip.MustParseAddr("10.0.0.1") || f.Src != p.r1.Interfaces()[0].MAC() {
				t.Fatalf("sync frame %+v", f)
			}
			var m wire.IPVSSync
			if err := wire.ParseIPVSSync(f.Payload, &m); err != nil || m.SyncID != 51 || len(m.Conns) != 1 {
				t.Fatalf("sync message %+v: %v", m, err)
			}
		}
		if want := map[bool]int{true: 1, false: 0}[syncd]; syncFrames != want {
			t.Fatalf("syncd %v: %d sync frames, want %d", syncd, syncFrames, want)
		}
		first := p.toVIP()
		p.r1.Crash()
		w.run(14 * time.Second) // r2 master after Master_Down_Interval
		// the connection's next segment, now to r2
		p.client.send(p.r2.Interfaces()[0].MAC(), lbTCP(t, netip.AddrPortFrom(p.client.ip, 40000), p.vip, wire.TCPAck))
		w.run(15 * time.Second)
		got := p.toVIP() - first
		want := map[bool]int{true: 1, false: 0}[syncd]
		if got != want {
			t.Fatalf("syncd %v: %d packets reached a real server after the takeover, want %d", syncd, got, want)
		}
		if syncd && p.r2.Director().SyncState() != lb.SyncMaster {
			t.Fatalf("r2 sync state %v after takeover, want master", p.r2.Director().SyncState())
		}
	}
}

// toVIP counts the TCP packets for the VIP the real servers received.
func (p *pairWorld) toVIP() int {
	n := 0
	for _, h := range []*lbHost{p.s1, p.s2} {
		for _, pkt := range h.got {
			if pkt[9] == wire.ProtoTCP && netip.AddrFrom4([4]byte(pkt[16:20])) == p.vip.Addr() {
				n++
			}
		}
	}
	return n
}

// TestAddSyncDaemonChecks: lvs_sync_daemon names an interface and a
// VRRP instance of a director.
func TestAddSyncDaemonChecks(t *testing.T) {
	w := newFidWorld(t)
	r := w.router("r1", 1, 0, vi(51, 150))
	if err := r.AddSyncDaemon(node.SyncDaemonConfig{Interface: "eth0", Instance: "VI_1"}); err == nil {
		t.Fatal("accepted without a director")
	}
	cfg := lb.ServiceConfig{Proto: lb.ProtoTCP, VIP: netip.AddrPortFrom(fidVIP, 80), Reals: []lb.RealConfig{{Name: "a", Addr: netip.MustParseAddrPort("10.0.0.21:80"), Weight: 1}}}
	if _, err := r.AddDirector([]lb.ServiceConfig{cfg}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []node.SyncDaemonConfig{
		{Interface: "eth9", Instance: "VI_1"},
		{Interface: "eth0", Instance: "VI_9"},
		{Interface: "eth0", Instance: "VI_1", Group: netip.MustParseAddr("10.0.0.1")},
	} {
		if err := r.AddSyncDaemon(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := r.AddSyncDaemon(node.SyncDaemonConfig{Interface: "eth0", Instance: "VI_1"}); err != nil {
		t.Fatal(err)
	}
	if r.Director().SyncState() != lb.SyncBackup {
		t.Fatal("keepalived starts the backup daemon")
	}
}

// TestBackupDirectorLeavesTheVIPAlone: IPVS sits on LOCAL_IN, and the VIP
// is a local address of the VRRP master only (keepalived adds it on
// becoming master), so a SYN for the VIP sent to the backup's MAC is not
// scheduled there: the backup routes it to the master like any packet.
func TestBackupDirectorLeavesTheVIPAlone(t *testing.T) {
	p := newPairWorld(t, false)
	p.w.run(5 * time.Second) // r1 master, r2 backup
	p.client.send(p.r2.Interfaces()[0].MAC(), lbTCP(t, netip.AddrPortFrom(p.client.ip, 40000), p.vip, wire.TCPSyn))
	p.w.run(6 * time.Second)
	if n := p.r2.Director().Stats().Conns; n != 0 {
		t.Fatalf("the backup scheduled %d connections for a VIP it does not hold", n)
	}
	if n := p.r1.Director().Stats().Conns; n != 1 {
		t.Fatalf("the master scheduled %d connections, want the 1 the backup forwarded", n)
	}
}

// TestSyncDaemonWithKeepalivedStopKillCrash: a graceful stop stops the
// daemons (vrrp_terminate_phase1) and starting keepalived again starts
// the backup one; a kill -9 leaves the kernel's master thread running; a
// crash loses it, and the restarted keepalived starts the backup one.
func TestSyncDaemonWithKeepalivedStopKillCrash(t *testing.T) {
	tests := []struct {
		name         string
		down, up     func(n *node.Node)
		whileDown    lb.SyncState
		afterRestart lb.SyncState
	}{
		{"stop", (*node.Node).StopDaemon, (*node.Node).StartDaemon, 0, lb.SyncBackup},
		{"kill -9", (*node.Node).KillDaemon, (*node.Node).StartDaemon, lb.SyncMaster, lb.SyncMaster | lb.SyncBackup},
		{"crash", (*node.Node).Crash, (*node.Node).Restart, 0, lb.SyncBackup},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPairWorld(t, true)
			p.w.run(5 * time.Second)
			d := p.r1.Director()
			if d.SyncState() != lb.SyncMaster {
				t.Fatalf("r1 sync state %v, want master", d.SyncState())
			}
			tc.down(p.r1)
			p.w.run(6 * time.Second)
			if got := d.SyncState(); got != tc.whileDown {
				t.Fatalf("while down: %v, want %v", got, tc.whileDown)
			}
			tc.up(p.r1)
			p.w.run(6*time.Second + 100*time.Millisecond) // r1 not master again yet (3.414 s after)
			if got := d.SyncState(); got != tc.afterRestart {
				t.Fatalf("after keepalived starts: %v, want %v", got, tc.afterRestart)
			}
		})
	}
}
