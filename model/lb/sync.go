package lb

// The IPVS connection synchronisation daemon (linux
// net/netfilter/ipvs/ip_vs_sync.c) and the net.ipv4.vs sysctls that steer
// it. The master daemon adds an entry to the current sync buffer when
// ip_vs_sync_conn_needed says so (after a client packet, ip_vs_in); a
// full buffer is queued (sb_queue_tail) and the sending thread woken after
// IPVS_SYNC_SEND_DELAY, or at once when IPVS_SYNC_WAKEUP_RATE buffers
// wait; a buffer that never fills leaves when the thread, waking every
// IPVS_SYNC_CHECK_PERIOD, finds it IPVS_SYNC_FLUSH_TIME old
// (sync_thread_master, next_sync_buff). The backup daemon creates or
// updates entries from each message (ip_vs_process_message,
// ip_vs_proc_conn). keepalived starts the master daemon when the VRRP
// instance named by lvs_sync_daemon becomes master and the backup daemon
// when it leaves master (vrrp.c vrrp_state_become_master,
// vrrp_state_leave_master -> ipvswrapper.c ipvs_syncd_master,
// ipvs_syncd_backup); the node does that (model/node/lbsync.go).

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// Sysctls are the net.ipv4.vs sysctls the director follows. The zero
// value is not the kernel's: start from DefaultSysctls.
type Sysctls struct {
	// SloppyTCP lets any non-RST TCP packet create an entry
	// (tcp_conn_schedule), so a takeover director picks up connections
	// it never saw start. Default 0.
	SloppyTCP bool
	// ExpireNodestConn expires an entry whose real server was removed on
	// its next packet instead of keeping it until its timer (ip_vs_in).
	// Default 0.
	ExpireNodestConn bool
	// SyncThreshold and SyncPeriod are sync_threshold's two values: an
	// entry is synced when its client packet count modulo SyncPeriod
	// equals SyncThreshold. Defaults 3 and 50.
	SyncThreshold, SyncPeriod int
	// SyncRefreshPeriod, when set, syncs an entry again only after its
	// expiry moved by that much (or half its timeout), retried
	// SyncRetries (0..3) times every SyncRefreshPeriod/8. Defaults 0.
	SyncRefreshPeriod time.Duration
	SyncRetries       int
	// SyncQLenMax is the most sync buffers queued for sending; more are
	// dropped. The kernel's default is a 32nd of the free buffer pages;
	// DefaultSyncQLenMax is a 4 GiB machine's.
	SyncQLenMax int
}

// Sync defaults (ip_vs_ctl.c ip_vs_control_net_init_sysctl,
// ip_vs_sync.c).
const (
	DefaultSyncThreshold = 3
	DefaultSyncPeriod    = 50
	DefaultSyncQLenMax   = 32768

	syncSendDelay   = 20 * time.Millisecond // IPVS_SYNC_SEND_DELAY (HZ/50)
	syncCheckPeriod = time.Second           // IPVS_SYNC_CHECK_PERIOD
	syncFlushTime   = 2 * time.Second       // IPVS_SYNC_FLUSH_TIME
	syncWakeupRate  = 8                     // IPVS_SYNC_WAKEUP_RATE
	// syncMasterMTU: the master sizes its buffers for a 1500-octet MTU
	// whatever the device's (start_sync_thread), less IPv4 and UDP.
	syncMasterMTU = 1500 - 20 - 8
)

// DefaultSysctls returns the kernel's defaults.
func DefaultSysctls() Sysctls {
	return Sysctls{SyncThreshold: DefaultSyncThreshold, SyncPeriod: DefaultSyncPeriod, SyncQLenMax: DefaultSyncQLenMax}
}

// Validate refuses what the kernel's sysctl handlers refuse
// (proc_do_sync_threshold, sync_retries 0..3, sync_qlen_max >= 1).
func (s Sysctls) Validate() error {
	if s.SyncThreshold < 0 || s.SyncPeriod < 0 || (s.SyncPeriod > 0 && s.SyncThreshold >= s.SyncPeriod) {
		return fmt.Errorf("sync_threshold %d %d; valid: 0 <= threshold < period, or period 0", s.SyncThreshold, s.SyncPeriod)
	}
	if s.SyncRetries < 0 || s.SyncRetries > 3 {
		return fmt.Errorf("sync_retries %d; valid: 0..3", s.SyncRetries)
	}
	if s.SyncRefreshPeriod < 0 {
		return fmt.Errorf("sync_refresh_period %v is negative", s.SyncRefreshPeriod)
	}
	if s.SyncQLenMax < 1 {
		return fmt.Errorf("sync_qlen_max %d; valid: 1 or more", s.SyncQLenMax)
	}
	return nil
}

// SetSysctls changes the director's sysctls.
func (d *Director) SetSysctls(s Sysctls) error {
	if err := s.Validate(); err != nil {
		return err
	}
	d.sysctl = s
	return nil
}

// Sysctls returns the director's sysctls.
func (d *Director) Sysctls() Sysctls { return d.sysctl }

// SyncConfig is a sync daemon's configuration (ipvsadm --start-daemon,
// keepalived lvs_sync_daemon).
type SyncConfig struct {
	// SyncID is put in the master's messages; a backup with a non-zero
	// SyncID ignores other IDs.
	SyncID uint8
	// MaxLen is keepalived's maxlen (sync_maxlen): the largest message,
	// without IPv4 and UDP headers. 0: 1472, a 1500-octet MTU.
	MaxLen int
}

// SyncState is which daemons run (ipvsadm -L --daemon).
type SyncState uint8

// Daemon states, as the kernel's IP_VS_STATE_* bits.
const (
	SyncMaster SyncState = 1 << iota
	SyncBackup
)

func (s SyncState) String() string {
	switch s {
	case 0:
		return "none"
	case SyncMaster:
		return "master"
	case SyncBackup:
		return "backup"
	case SyncMaster | SyncBackup:
		return "master+backup"
	}
	return fmt.Sprintf("SyncState(%d)", uint8(s))
}

// SyncStats counts the sync daemon's work.
type SyncStats struct {
	Sent       uint64 // messages the master sent
	SentConns  uint64 // entries in them
	Dropped    uint64 // buffers dropped: queue full, or the master stopped with them unsent
	Received   uint64 // messages the backup accepted
	RecvConns  uint64 // entries in them
	Created    uint64 // entries the backup created
	Updated    uint64 // entries the backup updated
	Bad        uint64 // messages refused by the decoder (ip_vs_process_message)
	OtherID    uint64 // messages with another sync ID
	Unbound    uint64 // entries whose service or real server the backup lacks (not modelled: skipped)
	BadEntries uint64 // entries with an unknown protocol or state (ip_vs_proc_sync_conn)
}

// syncBuf is a sync buffer (struct ip_vs_sync_buff).
type syncBuf struct {
	msg   wire.IPVSSync
	size  int
	first sim.Time // firstuse
}

// syncMaster is the master daemon and its one sending thread.
type syncMaster struct {
	cfg  SyncConfig
	send func(msg []byte)
	// maxLen is the largest message: maxlen, or the kernel's, but never
	// below one entry's message (ip_vs_sync_conn adds one to any buffer).
	maxLen int
	cur    *syncBuf
	queue  []*syncBuf
	delay  int // sync_queue_delay
	// workPending: master_wakeup_work is armed (syncer.work).
	workPending bool
	buf         []byte
	free        []*syncBuf // sent buffers, reused
}

// syncer is the director's sync state.
type syncer struct {
	state  SyncState
	master *syncMaster
	backup SyncConfig
	stats  SyncStats
	msg    wire.IPVSSync // decode scratch
	// The master's timers, made once and kept across restarts: thread
	// is the sending thread asleep in schedule_timeout, kick wakes it
	// (wake_up_process), work is master_wakeup_work.
	thread, kick, work sim.Resettable
}

func (d *Director) syncr() *syncer {
	if d.sync == nil {
		d.sync = &syncer{}
	}
	return d.sync
}

// SyncState returns which daemons run.
func (d *Director) SyncState() SyncState {
	if d.sync == nil {
		return 0
	}
	return d.sync.state
}

// SyncStats returns the daemon counters.
func (d *Director) SyncStats() SyncStats {
	if d.sync == nil {
		return SyncStats{}
	}
	return d.sync.stats
}

// StartSyncMaster starts the master daemon (start_sync_thread with
// IP_VS_STATE_MASTER); send gets each message's UDP payload. The thread
// starts asleep for IPVS_SYNC_CHECK_PERIOD.
func (d *Director) StartSyncMaster(cfg SyncConfig, send func(msg []byte)) error {
	s := d.syncr()
	if s.state&SyncMaster != 0 {
		return fmt.Errorf("sync daemon: master already running")
	}
	if cfg.MaxLen < 0 || cfg.MaxLen > 65535-28 {
		return fmt.Errorf("sync daemon: maxlen %d; valid: 1..%d, or 0 for the kernel's", cfg.MaxLen, 65535-28)
	}
	if s.thread == nil {
		s.thread = d.env.NewTimer(func() { d.syncThread() })
		s.kick = d.env.NewTimer(func() { d.syncWake() })
		s.work = d.env.NewTimer(func() { d.syncWork() })
	}
	m := &syncMaster{cfg: cfg, send: send, maxLen: syncMasterMTU}
	if cfg.MaxLen > 0 {
		m.maxLen = max(cfg.MaxLen, wire.IPVSSyncLen(1))
	}
	s.master = m
	s.state |= SyncMaster
	s.thread.Reset(syncCheckPeriod)
	d.traceSync("start", "master", 0)
	return nil
}

// StartSyncBackup starts the backup daemon: from now on ReceiveSync
// processes messages.
func (d *Director) StartSyncBackup(cfg SyncConfig) error {
	s := d.syncr()
	if s.state&SyncBackup != 0 {
		return fmt.Errorf("sync daemon: backup already running")
	}
	s.backup = cfg
	s.state |= SyncBackup
	d.traceSync("start", "backup", 0)
	return nil
}

// StopSync stops the daemons in state (stop_sync_thread). The master's
// queued and current buffers are freed unsent, as the thread's exit path
// frees them.
func (d *Director) StopSync(state SyncState) {
	s := d.sync
	if s == nil {
		return
	}
	if state&SyncMaster != 0 && s.state&SyncMaster != 0 {
		m := s.master
		n := len(m.queue)
		if m.cur != nil {
			n++
		}
		s.stats.Dropped += uint64(n)
		s.thread.Stop()
		s.kick.Stop()
		s.work.Stop()
		s.master = nil
		s.state &^= SyncMaster
		d.traceSync("stop", "master", n)
	}
	if state&SyncBackup != 0 && s.state&SyncBackup != 0 {
		s.state &^= SyncBackup
		d.traceSync("stop", "backup", 0)
	}
}

func (d *Director) traceSync(event, to string, n int) {
	d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: SyncComp, Event: event, To: to, Value: int64(n)})
}

// SyncComp is the trace component of the sync daemon's records.
const SyncComp = "ipvs-sync"

// syncIn is the tail of ip_vs_in: count the client packet and, on a sync
// master, offer the entry (and its template) to ip_vs_sync_conn.
func (d *Director) syncIn(c *Conn) {
	ops := c.svc.cfg.OPS && c.proto == wire.ProtoUDP && !c.template
	var pkts int
	if ops && c.control != nil {
		pkts = d.sysctl.SyncThreshold
	} else {
		c.inPkts++
		pkts = c.inPkts
	}
	// FULLNAT (not in mainline Linux) has no local address in the
	// message: its entries are not synced.
	if d.sync == nil || d.sync.state&SyncMaster == 0 || c.svc.cfg.Kind == KindFULLNAT {
		if ops && c.control != nil {
			c.control.inPkts++
		}
		return
	}
	// ip_vs_sync_conn: a one-packet entry is never synced, its template
	// is; each controller follows with its own packet count.
	for cp := c; cp != nil; {
		if !(cp == c && ops) && d.syncNeeded(cp, pkts) {
			d.syncAdd(cp)
		}
		next := cp.control
		if next == nil {
			break
		}
		if next.template {
			next.inPkts++
			pkts = next.inPkts
		} else {
			pkts = d.sysctl.SyncThreshold
		}
		cp = next
	}
}

// syncStates are the TCP states worth syncing (ip_vs_sync_conn_needed).
var syncStates = [numStates]bool{StateEstablished: true, StateFinWait: true, StateClose: true, StateCloseWait: true, StateTimeWait: true}

// syncNeeded is ip_vs_sync_conn_needed: a TCP entry in one of syncStates
// is synced at once when its state changed to anything but ESTABLISHED;
// otherwise when pkts % sync_period == sync_threshold (templates
// whenever asked), subject to sync_refresh_period.
func (d *Director) syncNeeded(c *Conn, pkts int) bool {
	s := &d.sysctl
	now := d.env.Now()
	n := now.Add(c.timeout) // the new sync_endtime
	retries := uint8(0)
	if !c.template && isTCP(c.proto) {
		if !syncStates[c.state] {
			return false
		}
		if c.state != c.oldState && c.state != StateEstablished {
			return d.syncSet(c, n, retries) // force
		}
	}
	if s.SyncRefreshPeriod > 0 {
		diff := n.Sub(c.syncEnd)
		if diff < 0 {
			diff = -diff
		}
		minDiff := max(c.timeout/2, 10*time.Second)
		if diff < min(s.SyncRefreshPeriod, minDiff) {
			if int(c.syncRetries) >= s.SyncRetries {
				return false
			}
			if now < c.syncEnd.Add(-c.timeout+s.SyncRefreshPeriod/8) {
				return false
			}
			retries = c.syncRetries + 1
		}
	}
	if s.SyncPeriod > 0 {
		if !c.template && pkts%s.SyncPeriod != s.SyncThreshold {
			return false
		}
	} else if s.SyncRefreshPeriod == 0 && pkts != s.SyncThreshold {
		return false
	}
	return d.syncSet(c, n, retries)
}

func (d *Director) syncSet(c *Conn, end sim.Time, retries uint8) bool {
	c.oldState = c.state
	c.syncEnd, c.syncRetries = end, retries
	return true
}

// syncFlags are the entry's IP_VS_CONN_F_* flags as a sync message
// carries them.
func (c *Conn) syncFlags() uint32 {
	var f uint32
	switch c.svc.cfg.Kind {
	case KindDR:
		f = wire.IPVSConnDRoute
	case KindTUN:
		f = wire.IPVSConnTunnel
	}
	if c.noOutput {
		f |= wire.IPVSConnNoOutput
	}
	if c.inactive {
		f |= wire.IPVSConnInactive
	}
	if c.template {
		f |= wire.IPVSConnTemplate
	}
	return f
}

// syncAdd puts c in the current buffer, queueing a full one first
// (ip_vs_sync_conn: "check if there is a space for this one").
func (d *Director) syncAdd(c *Conn) {
	s := d.sync
	m := s.master
	if m.cur != nil && (m.cur.size+wire.IPVSSyncConnLen > m.maxLen || len(m.cur.msg.Conns) == 255) {
		d.syncQueueTail()
	}
	if m.cur == nil { // ip_vs_sync_buff_create
		m.cur = m.newBuf(d.env.Now())
	}
	sc := wire.IPVSSyncConn{Protocol: c.proto, Flags: c.syncFlags(), Client: c.client, Virtual: c.vaddr, Dest: c.real,
		FWMark: c.svc.cfg.FWMark, Timeout: uint32(c.timeout / time.Second)}
	if !c.template && isTCP(c.proto) {
		sc.State = uint16(c.state)
	}
	if c.template && c.tkey.fwmark != 0 {
		// a fwmark template: <IPPROTO_IP, caddr, 0, fwmark, 0>
		var a [4]byte
		a[0], a[1], a[2], a[3] = byte(c.tkey.fwmark>>24), byte(c.tkey.fwmark>>16), byte(c.tkey.fwmark>>8), byte(c.tkey.fwmark)
		sc.Virtual = netip.AddrPortFrom(netip.AddrFrom4(a), 0)
		sc.FWMark = c.tkey.fwmark
	}
	m.cur.msg.Conns = append(m.cur.msg.Conns, sc)
	m.cur.size += wire.IPVSSyncConnLen
}

// syncQueueTail is sb_queue_tail: queue the current buffer (or drop it
// when sync_qlen_max buffers wait); the first queued arms
// master_wakeup_work, the IPVS_SYNC_WAKEUP_RATE-th wakes the thread.
func (d *Director) syncQueueTail() {
	s := d.sync
	m := s.master
	sb := m.cur
	m.cur = nil
	if len(m.queue) >= d.sysctl.SyncQLenMax {
		s.stats.Dropped++
		return
	}
	if len(m.queue) == 0 && !m.workPending {
		m.workPending = true
		s.work.Reset(syncSendDelay)
	}
	m.queue = append(m.queue, sb)
	if m.delay++; m.delay == syncWakeupRate {
		s.kick.Reset(0)
	}
}

// syncWork is master_wakeup_work_handler.
func (d *Director) syncWork() {
	m := d.sync.master
	if m == nil {
		return
	}
	m.workPending = false
	if len(m.queue) > 0 && m.delay < syncWakeupRate {
		m.delay = syncWakeupRate
		d.syncWake()
	}
}

// syncWake is wake_up_process on the sleeping thread.
func (d *Director) syncWake() {
	if d.sync.master != nil {
		d.sync.thread.Stop()
		d.syncThread()
	}
}

// syncThread is one wake-up of sync_thread_master: send every queued
// buffer, then the current one if it is IPVS_SYNC_FLUSH_TIME old, then
// sleep IPVS_SYNC_CHECK_PERIOD.
func (d *Director) syncThread() {
	s := d.sync
	m := s.master
	if m == nil {
		return
	}
	for {
		var sb *syncBuf
		if len(m.queue) > 0 { // sb_dequeue
			sb = m.queue[0]
			n := copy(m.queue, m.queue[1:])
			m.queue[n] = nil
			m.queue = m.queue[:n]
			if len(m.queue) == 0 {
				m.delay = 0
			}
		} else if m.cur != nil && d.env.Now().Sub(m.cur.first) >= syncFlushTime { // get_curr_sync_buff
			sb, m.cur = m.cur, nil
		}
		if sb == nil {
			s.thread.Reset(syncCheckPeriod)
			return
		}
		var err error
		m.buf, err = wire.AppendIPVSSync(m.buf[:0], &sb.msg)
		if err != nil {
			s.stats.Dropped++
			continue
		}
		s.stats.Sent++
		s.stats.SentConns += uint64(len(sb.msg.Conns))
		d.traceSync("send", "", len(sb.msg.Conns))
		m.send(m.buf)
		m.free = append(m.free, sb)
	}
}

// newBuf returns an empty sync buffer, reusing a sent one.
func (m *syncMaster) newBuf(now sim.Time) *syncBuf {
	var sb *syncBuf
	if n := len(m.free); n > 0 {
		sb = m.free[n-1]
		m.free = m.free[:n-1]
		sb.msg.Conns = sb.msg.Conns[:0]
	} else {
		per := (m.maxLen - wire.IPVSSyncHeaderLen) / wire.IPVSSyncConnLen
		sb = &syncBuf{msg: wire.IPVSSync{Conns: make([]wire.IPVSSyncConn, 0, min(per, 255))}}
	}
	sb.msg.SyncID, sb.size, sb.first = m.cfg.SyncID, wire.IPVSSyncHeaderLen, now
	return sb
}

// ReceiveSync handles a sync message's UDP payload on the backup
// (sync_thread_backup -> ip_vs_process_message). Without a backup daemon
// there is no socket and nothing happens. A message with a bad header is
// dropped whole; one with a bad entry has the entries before it applied
// and the rest dropped, as the kernel walks it.
func (d *Director) ReceiveSync(payload []byte) {
	s := d.sync
	if s == nil || s.state&SyncBackup == 0 {
		return
	}
	err := wire.ParseIPVSSync(payload, &s.msg)
	if err != nil && len(s.msg.Conns) == 0 {
		d.syncBad()
		return
	}
	if s.backup.SyncID != 0 && s.msg.SyncID != s.backup.SyncID {
		s.stats.OtherID++
		return
	}
	for i := range s.msg.Conns {
		d.procSyncConn(&s.msg.Conns[i])
	}
	if err != nil {
		d.syncBad()
		return
	}
	s.stats.Received++
	s.stats.RecvConns += uint64(len(s.msg.Conns))
	d.traceSync("recv", "", len(s.msg.Conns))
}

func (d *Director) syncBad() {
	d.sync.stats.Bad++
	d.env.Trace(sim.Record{Kind: sim.KindDrop, Comp: SyncComp, Reason: "ipvs_sync_bad_message"})
}

// syncedState maps a message's state onto the entry's: TCP states are
// the kernel's numbers; UDP has one state (IP_VS_UDP_S_NORMAL, 0).
func syncedState(proto uint8, st uint16) (State, bool) {
	switch proto {
	case wire.ProtoTCP:
		if st <= uint16(StateSynAck) { // below IP_VS_TCP_S_LAST
			return State(st), true
		}
	case wire.ProtoUDP:
		if st == 0 {
			return StateUDP, true
		}
	}
	return 0, false
}

// procSyncConn is ip_vs_proc_sync_conn and ip_vs_proc_conn for one
// entry: update the entry with the same client and virtual address, or
// create it bound to the real server with that address
// (ip_vs_find_dest); in_pkts starts at sync_threshold, the state and
// the timeout are the master's (timeout 0: the state's, or 3 min for a
// template).
func (d *Director) procSyncConn(sc *wire.IPVSSyncConn) {
	s := d.sync
	flags := sc.Flags&wire.IPVSConnBackupMask | wire.IPVSConnSync
	template := flags&wire.IPVSConnTemplate != 0
	inactive := flags&wire.IPVSConnInactive != 0
	state := StateNone
	if !template {
		st, ok := syncedState(sc.Protocol, sc.State)
		if !ok {
			s.stats.BadEntries++
			return
		}
		state = st
	}
	var c *Conn
	var tk tmplKey
	if template {
		tk = tmplKey{proto: sc.Protocol, client: sc.Client.Addr(), vaddr: sc.Virtual.Addr(), vport: sc.Virtual.Port()}
		if sc.Protocol == 0 && sc.FWMark != 0 {
			tk = tmplKey{client: sc.Client.Addr(), fwmark: sc.FWMark}
		}
		c = d.tmpls[tk]
	} else {
		c = d.conns[keyOf(sc.Protocol, sc.Client, sc.Virtual)]
		if c != nil && c.real != sc.Dest {
			if inactive {
				return // the expiry of an entry already replaced
			}
			d.expireNow(c)
			c = nil
		}
	}
	if c != nil {
		if !template {
			setInactive(c, inactive)
		}
		s.stats.Updated++
	} else if c = d.syncNew(sc, tk, template, inactive, state); c == nil {
		s.stats.Unbound++
		return
	} else {
		s.stats.Created++
	}
	c.inPkts = d.sysctl.SyncThreshold
	if c.state != state && !template {
		d.traceState(c, state, "sync")
	}
	c.state, c.oldState = state, state
	switch {
	case sc.Timeout > 0:
		c.timeout = time.Duration(sc.Timeout) * time.Second
	case template:
		c.timeout = 3 * time.Minute
	default:
		c.timeout = timeouts[state]
	}
	c.arm()
}

// syncNew creates an entry from a sync message (ip_vs_conn_new with
// IP_VS_CONN_F_SYNC, ip_vs_bind_dest): the activity flag is the
// master's, the forwarding method the local real server's. Without the
// service or the real server nil: the kernel keeps such an entry unbound,
// which is not modelled.
func (d *Director) syncNew(sc *wire.IPVSSyncConn, tk tmplKey, template, inactive bool, state State) *Conn {
	var svc *Service
	if sc.FWMark != 0 {
		svc = d.markService(sc.FWMark)
	} else {
		svc = d.lookupService(sc.Protocol, sc.Virtual)
	}
	if svc == nil {
		return nil
	}
	var x *sched.Dest
	for _, r := range svc.svc.Dests {
		if r.Addr.Addr() == sc.Dest.Addr() && (r.Addr.Port() == sc.Dest.Port() || r.Addr.Port() == 0) {
			x = r
			break
		}
	}
	if x == nil {
		return nil
	}
	c := d.newEntry()
	c.svc, c.proto, c.client, c.vaddr, c.real, c.dest = svc, sc.Protocol, sc.Client, sc.Virtual, sc.Dest, x
	c.state = state
	if template {
		c.template, c.tkey = true, tk
		d.hashTemplate(c, "sync")
		return c
	}
	d.bindConn(c, true)
	setInactive(c, inactive) // the master's activity flag
	d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: svc.name, Event: "sync", To: x.Name,
		Addr: c.client.Addr(), Value: int64(c.client.Port())})
	return c
}

// syncFlush is what a crash does to the daemons: the master's buffers
// are lost with the kernel's memory (keepalived starts the backup daemon
// again when it restarts; the node does that).
func (d *Director) syncFlush() {
	if d.sync != nil && d.sync.state&SyncMaster != 0 {
		d.StopSync(SyncMaster)
	}
}
