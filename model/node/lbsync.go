package node

// keepalived's lvs_sync_daemon on a director: the IPVS sync daemon follows
// one VRRP instance (master daemon while it is master, backup daemon
// otherwise: vrrp.c vrrp_state_become_master / vrrp_state_leave_master ->
// ipvswrapper.c ipvs_syncd_master / ipvs_syncd_backup), and its messages
// are UDP multicast frames on the sync interface (ip_vs_sync.c
// make_send_sock: bound to the interface's address, multicast TTL
// mcast_ttl, no loopback, DF clear).

import (
	"fmt"
	"net/netip"

	"github.com/vrrpsim/vrrpsim/model/lb"
	"github.com/vrrpsim/vrrpsim/model/wire"
)

// SyncDaemonConfig is keepalived's lvs_sync_daemon INTERFACE
// VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR].
type SyncDaemonConfig struct {
	Interface string
	Instance  string
	SyncID    uint8
	MaxLen    int        // 0: the kernel's (a 1500-octet MTU)
	Port      uint16     // 0: 8848
	TTL       uint8      // 0: 1
	Group     netip.Addr // invalid: 224.0.0.81
}

// syncDaemon is the node's lvs_sync_daemon.
type syncDaemon struct {
	cfg   SyncDaemonConfig
	iface *Interface
	sport uint16 // the send socket's ephemeral port
}

// AddSyncDaemon configures lvs_sync_daemon: the node must be a director
// with the named interface and VRRP instance. keepalived starts the
// backup daemon at once (the instance starts in BACKUP); the instance's
// state moves it from then on.
func (n *Node) AddSyncDaemon(cfg SyncDaemonConfig) error {
	if n.director == nil {
		return fmt.Errorf("node %s: lvs_sync_daemon needs a director (virtual_server)", n.cfg.Name)
	}
	if n.syncd != nil {
		return fmt.Errorf("node %s: lvs_sync_daemon given twice", n.cfg.Name)
	}
	i, ok := n.Interface(cfg.Interface)
	if !ok {
		return fmt.Errorf("node %s: lvs_sync_daemon: no interface %q", n.cfg.Name, cfg.Interface)
	}
	if _, ok := n.Speaker(cfg.Instance); !ok {
		return fmt.Errorf("node %s: lvs_sync_daemon: no vrrp instance %q", n.cfg.Name, cfg.Instance)
	}
	if _, ok := i.Primary(); !ok {
		return fmt.Errorf("node %s: lvs_sync_daemon: interface %s has no IPv4 address to send from", n.cfg.Name, cfg.Interface)
	}
	if cfg.Port == 0 {
		cfg.Port = wire.IPVSSyncPort
	}
	if cfg.TTL == 0 {
		cfg.TTL = 1
	}
	if !cfg.Group.IsValid() {
		cfg.Group = wire.IPVSSyncGroup
	}
	if !cfg.Group.Is4() || !cfg.Group.IsMulticast() {
		return fmt.Errorf("node %s: lvs_sync_daemon: group %v is not an IPv4 multicast address", n.cfg.Name, cfg.Group)
	}
	// The kernel binds port 0: an ephemeral port (ip_local_port_range
	// 32768-60999), drawn from the node's own stream.
	sport := uint16(32768 + n.k.Stream("lbsync/"+n.cfg.Name).IntN(60999-32768+1))
	n.syncd = &syncDaemon{cfg: cfg, iface: i, sport: sport}
	return n.director.StartSyncBackup(n.syncd.lbConfig())
}

func (s *syncDaemon) lbConfig() lb.SyncConfig {
	return lb.SyncConfig{SyncID: s.cfg.SyncID, MaxLen: s.cfg.MaxLen}
}

// SyncDaemon returns the node's lvs_sync_daemon configuration.
func (n *Node) SyncDaemon() (SyncDaemonConfig, bool) {
	if n.syncd == nil {
		return SyncDaemonConfig{}, false
	}
	return n.syncd.cfg, true
}

// syncFollow moves the sync daemon with the VRRP instance's state:
// ipvs_syncd_master (stop backup, start master) when it takes the VIPs,
// ipvs_syncd_backup (stop master, start backup) when it gives them up.
//
// Without keepalived (stopped, killed, crashed) nothing moves them: a
// kill -9 leaves the kernel's threads as they were.
func (n *Node) syncFollow(instance string, master bool) {
	s := n.syncd
	if s == nil || s.cfg.Instance != instance || n.director == nil || !n.daemonUp {
		return
	}
	d := n.director
	if master {
		d.StopSync(lb.SyncBackup)
		if d.SyncState()&lb.SyncMaster == 0 {
			_ = d.StartSyncMaster(s.lbConfig(), n.sendSync) // cannot fail: checked at AddSyncDaemon
		}
		return
	}
	d.StopSync(lb.SyncMaster)
	if d.SyncState()&lb.SyncBackup == 0 {
		_ = d.StartSyncBackup(s.lbConfig())
	}
}

// syncStart is keepalived starting: the backup daemon runs from then on
// (vrrp_init_state; a crash lost the master daemon with the kernel).
func (n *Node) syncStart() {
	if n.syncd == nil || n.director == nil {
		return
	}
	if n.director.SyncState()&lb.SyncBackup == 0 {
		_ = n.director.StartSyncBackup(n.syncd.lbConfig())
	}
}

// syncStop is keepalived shutting down gracefully: it stops the daemon
// of the instance's current state before it gives the VIPs up
// (vrrp_terminate_phase1), so the master's unsent entries are lost.
func (n *Node) syncStop() {
	if n.syncd != nil && n.director != nil {
		n.director.StopSync(lb.SyncMaster | lb.SyncBackup)
	}
}

// sendSync sends one sync message from the sync interface's address to
// the group (ip_vs_send_sync_msg on the connected multicast socket).
func (n *Node) sendSync(msg []byte) {
	s := n.syncd
	i := s.iface
	if !n.up || !i.linkUp {
		return
	}
	p, _ := i.Primary()
	hdr := wire.IPv4Header{ID: n.nextID(), TTL: s.cfg.TTL, Protocol: wire.ProtoUDP, Src: p.Addr(), Dst: s.cfg.Group}
	pkt, err := n.shared.IP.UDPPacket(hdr, wire.UDPHeader{SrcPort: s.sport, DstPort: s.cfg.Port}, msg)
	if err != nil {
		n.drop(i.name, "encode")
		return
	}
	i.port.Send(n.shared.Frame.Ethernet(wire.MulticastMAC(s.cfg.Group), i.mac, wire.EtherTypeIPv4, pkt))
}

// receiveSync hands a sync message that arrived on the sync interface
// to the director (the backup socket is bound to the interface and has
// joined the group on it). True: it was one.
func (n *Node) receiveSync(i *Interface, f *wire.Frame) bool {
	s := n.syncd
	if s == nil || !f.HasUDP || i != s.iface || f.IP.Dst != s.cfg.Group || f.UDP.DstPort != s.cfg.Port {
		return false
	}
	// The daemons are kernel threads: a keepalived killed with -9
	// leaves them running.
	n.director.ReceiveSync(f.Payload)
	return true
}
