package lb

import (
	"errors"
	"net/netip"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// connKey is a lookup key of the connection table: the protocol and the
// packet's (source, destination), packed into two integers because the
// director looks it up on every packet and hashing netip.AddrPort (with
// its zone) is several times dearer. Services and packets are IPv4 only
// (Config.validate, wire.ParseL4), so an address fits in 32 bits.
type connKey struct {
	addrs uint64 // source address << 32 | destination address
	ports uint64 // protocol << 32 | source port << 16 | destination port
}

func keyOf(proto uint8, src, dst netip.AddrPort) connKey {
	return connKey{
		addrs: uint64(addr32(src.Addr()))<<32 | uint64(addr32(dst.Addr())),
		ports: uint64(proto)<<32 | uint64(src.Port())<<16 | uint64(dst.Port()),
	}
}

// addr32 is an IPv4 address as a number; the zero Addr (an unset FULLNAT
// local address) gives 0.
func addr32(a netip.Addr) uint32 {
	if !a.Is4() {
		return 0
	}
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// tmplKey is a persistence template's key as ip_vs_sched_persist fills
// it: <protocol, client network, 0, virtual address, virtual port>; a
// fwmark template is <IPPROTO_IP, client network, 0, fwmark, 0>.
type tmplKey struct {
	proto  uint8
	client netip.Addr
	vaddr  netip.Addr
	vport  uint16
	fwmark uint32
}

// Conn is a connection entry or a persistence template (struct
// ip_vs_conn).
type Conn struct {
	d     *Director
	svc   *Service
	timer sim.Resettable
	seq   uint64 // creation order, for stable listings

	proto  uint8
	client netip.AddrPort // caddr:cport (a template: client network, port 0)
	vaddr  netip.AddrPort // vaddr:vport
	real   netip.AddrPort // daddr:dport
	local  netip.AddrPort // FULLNAT: laddr:lport
	dest   *sched.Dest
	state  State

	inactive bool // IP_VS_CONN_F_INACTIVE: counted in dest.Inactive
	noOutput bool // IP_VS_CONN_F_NOOUTPUT: no reply seen (DR, TUN)
	template bool // IP_VS_CONN_F_TEMPLATE
	viaTmpl  bool // scheduled by an existing template

	control  *Conn // the template controlling this entry
	nControl int   // entries this template controls
	tkey     tmplKey

	timeout time.Duration // cp->timeout: re-armed on every packet
	expires sim.Time

	// sync.go: client packets (in_pkts), the state last synced
	// (old_state) and sync_endtime with its retry count.
	inPkts      int
	oldState    State
	syncEnd     sim.Time
	syncRetries uint8
}

// outKey is how ip_vs_conn_out_get finds the entry from a reply: from
// the real server to the client for NAT, to the local address for
// FULLNAT; DR and TUN replies come from the VIP itself, and only pass
// through the director when the real server routes them that way.
func (c *Conn) outKey() connKey {
	switch c.svc.cfg.Kind {
	case KindNAT:
		return keyOf(c.proto, c.real, c.client)
	case KindFULLNAT:
		return keyOf(c.proto, c.real, c.local)
	}
	return keyOf(c.proto, c.vaddr, c.client)
}

// arm restarts the entry's timer with its timeout (ip_vs_conn_put).
func (c *Conn) arm() {
	c.expires = c.d.env.Now().Add(c.timeout)
	c.timer.Reset(c.timeout)
}

// newEntry takes an entry from the free list or allocates one with its
// timer; the timer's callback is bound once per entry object.
func (d *Director) newEntry() *Conn {
	d.seq++
	if n := len(d.free); n > 0 {
		c := d.free[n-1]
		d.free = d.free[:n-1]
		c.seq, c.syncEnd = d.seq, d.env.Now()
		return c
	}
	c := &Conn{d: d, seq: d.seq, syncEnd: d.env.Now()} // ip_vs_conn_new: sync_endtime = jiffies
	c.timer = d.env.NewTimer(c.fire)
	return c
}

// release returns an entry to the free list, keeping its timer.
func (d *Director) release(c *Conn) {
	t := c.timer
	*c = Conn{d: d, timer: t}
	d.free = append(d.free, c)
}

func (c *Conn) fire() { c.d.expire(c) }

func isTCP(p uint8) bool { return p == wire.ProtoTCP }

// In handles a packet addressed to a local address of the director: the
// LOCAL_IN hook, ip_vs_in. pkt is the IPv4 packet (no Ethernet header);
// it is never modified, and f is its decoded view.
func (d *Director) In(pkt []byte, f *wire.Frame) Verdict {
	if len(pkt) > 9 && pkt[9] == wire.ProtoICMP {
		return d.inICMP(pkt)
	}
	l, src, dst, err := parse(pkt, f)
	if err != nil {
		if errors.Is(err, wire.ErrUnsupported) {
			return Pass
		}
		// tcp_conn_schedule/udp_conn_schedule: no header, NF_DROP.
		return d.drop(&d.stats.BadPacket, "ipvs_bad_packet")
	}
	// A FULLNAT reply comes back to a local address of the pool.
	k := keyOf(l.Proto, src, dst)
	if d.fullNAT {
		if c := d.outs[k]; c != nil && c.svc.cfg.Kind == KindFULLNAT {
			return d.response(c, pkt, &l)
		}
	}
	c := d.conns[k]
	// conn_reuse_mode 1: a SYN on an entry in TIME_WAIT or CLOSE that no
	// template controls expires it and is scheduled afresh (ip_vs_in_hook:
	// "cp && !cp->control", is_new_conn_expected; without conntrack the
	// SYN is never dropped).
	if c != nil && isTCP(l.Proto) && l.Flags&wire.TCPSyn != 0 && c.control == nil &&
		(c.state == StateTimeWait || c.state == StateClose) {
		d.stats.Reused++
		if c.nControl == 0 {
			d.expireNow(c)
		}
		c = nil
	}
	// Check the server status: an entry whose real server was removed
	// has its packets dropped and its timer left alone
	// (expire_nodest_conn 0).
	if c != nil && !c.dest.Available {
		if d.sysctl.ExpireNodestConn {
			d.expireNow(c) // expire_nodest_conn 1: the entry goes now
		}
		return d.drop(&d.stats.DestUnavailable, "ipvs_dest_unavailable")
	}
	if c == nil {
		svc := d.lookupService(l.Proto, dst)
		if svc == nil {
			return Pass
		}
		// tcp_conn_schedule: only a SYN without RST schedules (with
		// sloppy_tcp any packet without RST); anything else continues to
		// the local stack.
		if isTCP(l.Proto) && (l.Flags&wire.TCPRst != 0 || (l.Flags&wire.TCPSyn == 0 && !d.sysctl.SloppyTCP)) {
			d.stats.NotSyn++
			return Pass
		}
		var v Verdict
		c, v = d.schedule(svc, pkt, &l, src, dst)
		if c == nil {
			return v
		}
	}
	d.setState(c, DirInput, l.Flags)
	v := d.xmit(c, pkt[:l.TotalLen])
	d.syncIn(c) // in_pkts, ip_vs_sync_conn (sync.go)
	if c.svc.cfg.OPS && c.proto == wire.ProtoUDP && !c.template {
		// IP_VS_CONN_F_ONE_PACKET: the entry is never hashed and goes
		// with its packet.
		d.expire(c)
		return v
	}
	c.arm()
	return v
}

// Out handles a packet the director forwards (the FORWARD hook,
// ip_vs_out): a NAT real server's reply is rewritten to come from the
// virtual service; a FULLNAT reply (normally addressed to the director
// and seen by In) is rewritten too. Anything else passes.
func (d *Director) Out(pkt []byte, f *wire.Frame) Verdict {
	if len(pkt) > 9 && pkt[9] == wire.ProtoICMP {
		return d.outICMP(pkt)
	}
	l, src, dst, err := parse(pkt, f)
	if err != nil {
		return Pass // not a connection's: the router forwards it as it is
	}
	c := d.outs[keyOf(l.Proto, src, dst)]
	if c == nil {
		return Pass
	}
	return d.response(c, pkt, &l)
}

// parse reads the addresses and ports of pkt. Protocols other than TCP
// and UDP, and fragments, give an error wrapping wire.ErrUnsupported.
func parse(pkt []byte, f *wire.Frame) (l wire.L4, src, dst netip.AddrPort, err error) {
	if f != nil && f.HasIP && f.IP.Protocol != wire.ProtoTCP && f.IP.Protocol != wire.ProtoUDP {
		return l, src, dst, wire.ErrUnsupported
	}
	if l, err = wire.ParseL4(pkt); err != nil {
		return l, src, dst, err
	}
	src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(pkt[12:16])), l.SrcPort)
	dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(pkt[16:20])), l.DstPort)
	return l, src, dst, nil
}

// lookupService is ip_vs_service_find: a fwmark service first, then
// <protocol, vaddr, vport>, then a port-zero service on vaddr.
func (d *Director) lookupService(proto uint8, dst netip.AddrPort) *Service {
	var mark uint32
	for i := range d.marks {
		if d.marks[i].match(proto, dst) {
			mark = d.marks[i].Mark
			break
		}
	}
	if s := d.markService(mark); s != nil {
		return s
	}
	var zero *Service
	for _, s := range d.svcs {
		if s.cfg.FWMark != 0 || s.cfg.Proto != proto || s.cfg.VIP.Addr() != dst.Addr() {
			continue
		}
		switch s.cfg.VIP.Port() {
		case dst.Port():
			return s
		case 0:
			zero = s
		}
	}
	return zero
}

// markService is __ip_vs_svc_fwm_find: the service of firewall mark
// mark, nil for mark 0 (no mark).
func (d *Director) markService(mark uint32) *Service {
	if mark == 0 {
		return nil
	}
	for _, s := range d.svcs {
		if s.cfg.FWMark == mark {
			return s
		}
	}
	return nil
}

// schedule is ip_vs_schedule: persistence first, else one pick and a new
// entry. On failure the packet is dropped and the client told (ip_vs_leave).
func (d *Director) schedule(s *Service, pkt []byte, l *wire.L4, src, dst netip.AddrPort) (*Conn, Verdict) {
	if s.cfg.PersistenceTimeout > 0 {
		return d.schedPersist(s, pkt, l, src, dst)
	}
	if s.cfg.FWMark == 0 && dst.Port() != s.cfg.VIP.Port() {
		return nil, d.drop(&d.stats.PortMismatch, "ipvs_port_mismatch")
	}
	x := s.svc.Schedule(&sched.Request{Proto: l.Proto, Client: src, Dst: dst, Now: time.Duration(d.env.Now())})
	if x == nil {
		return nil, d.noDest(s, pkt, src)
	}
	port := x.Addr.Port()
	if port == 0 {
		port = dst.Port()
	}
	return d.newConn(s, l.Proto, src, dst, netip.AddrPortFrom(x.Addr.Addr(), port), x, nil, false)
}

// noDest is the end of ip_vs_leave: ICMP port unreachable, drop.
func (d *Director) noDest(s *Service, pkt []byte, src netip.AddrPort) Verdict {
	d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: s.name, Event: "nodest", Addr: src.Addr(), Value: int64(src.Port())})
	d.env.Unreachable(pkt)
	return d.drop(&d.stats.NoDest, "ipvs_nodest")
}

// schedPersist is ip_vs_sched_persist: find or make the template of the
// client's network, then an entry controlled by it.
func (d *Director) schedPersist(s *Service, pkt []byte, l *wire.L4, src, dst netip.AddrPort) (*Conn, Verdict) {
	snet, _ := src.Addr().Prefix(s.cfg.granularity())
	svcPort := s.cfg.VIP.Port()
	key := tmplKey{proto: l.Proto, client: snet.Addr(), vaddr: dst.Addr()}
	switch {
	case s.cfg.FWMark == 0 && dst.Port() == svcPort:
		key.vport = dst.Port() // <protocol, caddr, 0, vaddr, vport>
	case s.cfg.FWMark != 0:
		key = tmplKey{client: snet.Addr(), fwmark: s.cfg.FWMark} // <IPPROTO_IP, caddr, 0, fwmark, 0>
	}
	ct := d.tmpls[key]
	reused := ct != nil && d.checkTemplate(ct)
	if !reused {
		x := s.svc.Schedule(&sched.Request{Proto: l.Proto, Client: src, Dst: dst, Now: time.Duration(d.env.Now())})
		if x == nil {
			return nil, d.noDest(s, pkt, src)
		}
		var tport uint16
		if s.cfg.FWMark == 0 && dst.Port() == svcPort {
			tport = x.Addr.Port()
		}
		ct = d.newTemplate(s, key, x, tport)
	}
	x := ct.dest
	port := dst.Port()
	if port == svcPort && x.Addr.Port() != 0 {
		port = x.Addr.Port()
	}
	c, v := d.newConn(s, l.Proto, src, dst, netip.AddrPortFrom(x.Addr.Addr(), port), x, ct, reused)
	if c != nil {
		ct.arm() // ip_vs_conn_put(ct): the template's timer restarts
	}
	return c, v
}

// checkTemplate is ip_vs_check_template without a connection's dest: a
// template whose server was removed is invalidated (rehashed out of
// reach, its timer left to run). A quiesced server (weight 0) keeps its
// templates: expire_quiescent_template is 0.
func (d *Director) checkTemplate(ct *Conn) bool {
	if ct.dest.Available {
		return true
	}
	delete(d.tmpls, ct.tkey)
	d.dead[ct] = true
	d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: ct.svc.name, Event: "template", To: ct.dest.Name, Addr: ct.client.Addr(), Reason: "invalidate"})
	return false
}

func (d *Director) newTemplate(s *Service, key tmplKey, x *sched.Dest, port uint16) *Conn {
	ct := d.newEntry()
	ct.svc, ct.proto, ct.template, ct.dest, ct.tkey = s, key.proto, true, x, key
	ct.client = netip.AddrPortFrom(key.client, 0)
	ct.vaddr = netip.AddrPortFrom(key.vaddr, key.vport)
	ct.real = netip.AddrPortFrom(x.Addr.Addr(), port)
	ct.timeout = s.cfg.PersistenceTimeout // ct->timeout = svc->timeout
	d.hashTemplate(ct, "create")
	ct.arm()
	return ct
}

// hashTemplate binds the template ct to its dest and puts it in the
// table under ct.tkey (reason: "create", or "sync" from a message).
func (d *Director) hashTemplate(ct *Conn, reason string) {
	sched.BindTemplate(ct.dest)
	d.tmpls[ct.tkey] = ct
	d.nTmpl++
	d.stats.Templates++
	d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: ct.svc.name, Event: "template", To: ct.dest.Name, Addr: ct.tkey.client, Reason: reason})
}

// newConn is ip_vs_conn_new + ip_vs_bind_dest: a new entry, counted
// inactive on its dest, hashed both ways for NAT and FULLNAT.
func (d *Director) newConn(s *Service, proto uint8, src, dst, real netip.AddrPort, x *sched.Dest, ct *Conn, viaTmpl bool) (*Conn, Verdict) {
	var local netip.AddrPort
	if s.cfg.Kind == KindFULLNAT {
		var ok bool
		if local, ok = d.localPort(s, proto, real); !ok {
			return nil, d.drop(&d.stats.NoLocalPort, "ipvs_no_local_port")
		}
	}
	c := d.newEntry()
	c.viaTmpl = viaTmpl
	c.svc, c.proto, c.client, c.vaddr, c.real, c.local, c.dest = s, proto, src, dst, real, local, x
	c.state = StateNone
	if !isTCP(proto) {
		c.state = StateUDP
	}
	c.timeout = 3 * time.Second // ip_vs_conn_new; the state sets the real one
	if ct != nil {
		c.control = ct // ip_vs_control_add
		ct.nControl++
	}
	d.bindConn(c, !(s.cfg.OPS && proto == wire.ProtoUDP))
	var via int64
	if viaTmpl {
		via = 1
	}
	d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: c.svc.name, Event: "new", To: c.dest.Name,
		Addr: c.client.Addr(), Value: int64(c.client.Port()), Value2: via})
	return c, Consumed
}

// bindConn is ip_vs_bind_dest for a new entry: it starts inactive on
// its dest, with IP_VS_CONN_F_NOOUTPUT for every method but NAT
// (__ip_vs_update_dest), and is entered in both tables when hash (not a
// one-packet entry).
func (d *Director) bindConn(c *Conn, hash bool) {
	c.noOutput = c.svc.cfg.Kind == KindDR || c.svc.cfg.Kind == KindTUN
	c.inactive = true
	sched.Bind(c.dest)
	if hash {
		d.conns[keyOf(c.proto, c.client, c.vaddr)] = c
		d.outs[c.outKey()] = c
	}
	d.live++
	d.stats.Conns++
}

// localPort picks a FULLNAT local address and port not in use towards
// real: the pool round robin, ports from 1024 upwards.
func (d *Director) localPort(s *Service, proto uint8, real netip.AddrPort) (netip.AddrPort, bool) {
	const lo, n = 1024, 65536 - 1024
	for range len(s.cfg.LocalAddrs) {
		a := s.cfg.LocalAddrs[s.lnext%len(s.cfg.LocalAddrs)]
		s.lnext++
		for range n {
			if s.lport < lo {
				s.lport = lo
			}
			p := netip.AddrPortFrom(a, s.lport)
			s.lport++
			if d.outs[keyOf(proto, real, p)] == nil {
				return p, true
			}
		}
	}
	return netip.AddrPort{}, false
}

// setState is the protocol's state_transition: set_tcp_state for TCP
// (moving the dest between active and inactive when ESTABLISHED is
// entered or left), udp_state_transition for UDP.
func (d *Director) setState(c *Conn, dir Direction, flags uint8) {
	if !isTCP(c.proto) {
		c.timeout = timeouts[StateUDP]
		return
	}
	if c.noOutput {
		if dir == DirOutput {
			c.noOutput = false
		} else {
			dir = DirInputOnly
		}
	}
	next := NextTCPState(c.state, dir, flags)
	if next != c.state {
		setInactive(c, next != StateEstablished)
		d.traceState(c, next, "")
		c.state = next
	}
	c.timeout = timeouts[next]
}

// setInactive moves c between its dest's active and inactive counts.
func setInactive(c *Conn, inactive bool) {
	if c.inactive == inactive {
		return
	}
	if inactive {
		sched.Deactivate(c.dest)
	} else {
		sched.Activate(c.dest)
	}
	c.inactive = inactive
}

// traceState records c's state change to next (reason "sync" when a
// sync message set it).
func (d *Director) traceState(c *Conn, next State, reason string) {
	d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: c.svc.name, Event: "state", From: c.state.String(), To: next.String(),
		Addr: c.client.Addr(), Value: int64(c.client.Port()), Reason: reason})
}

// expireNow is ip_vs_conn_expire_now: the entry goes at once.
func (d *Director) expireNow(c *Conn) {
	c.timer.Stop()
	d.expire(c)
}

// expire is ip_vs_conn_expire: a template that still controls entries
// waits another 60 s; anything else is unhashed, leaves its template,
// is unbound from its dest (the overload hysteresis runs) and freed.
func (d *Director) expire(c *Conn) {
	if c.nControl > 0 {
		c.timeout = 60 * time.Second // expire_later
		c.arm()
		return
	}
	s, x := c.svc, c.dest
	if c.template {
		if d.tmpls[c.tkey] == c {
			delete(d.tmpls, c.tkey)
		}
		delete(d.dead, c)
		d.nTmpl--
		sched.UnbindTemplate(x)
		d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: s.name, Event: "template", To: x.Name, Addr: c.client.Addr(), Reason: "expire"})
	} else {
		k := keyOf(c.proto, c.client, c.vaddr)
		if d.conns[k] == c {
			delete(d.conns, k)
		}
		if ok := c.outKey(); d.outs[ok] == c {
			delete(d.outs, ok)
		}
		if ct := c.control; ct != nil {
			ct.nControl-- // ip_vs_control_del; the template keeps its timer
		}
		sched.Unbind(x, !c.inactive)
		d.live--
		d.env.Trace(sim.Record{Kind: sim.KindIPVS, Comp: s.name, Event: "expire", To: x.Name, Addr: c.client.Addr(), Value: int64(c.client.Port())})
	}
	s.releaseDest(x)
	d.release(c)
}

// xmit sends a client's packet to the entry's real server: the
// packet_xmit of its forwarding method (ip_vs_xmit.c). Every method
// routes and decrements the TTL first (__ip_vs_get_out_rt ->
// decrement_ttl).
func (d *Director) xmit(c *Conn, pkt []byte) Verdict {
	kind := c.svc.cfg.Kind
	if kind == KindTUN {
		d.inner = append(d.inner[:0], pkt...)
		if err := wire.DecTTL(d.inner); err != nil {
			return d.drop(&d.stats.TTLExceeded, "ipvs_ttl_exceeded")
		}
		// ip_vs_tunnel_xmit: outer source is the route's source towards
		// the real server; TOS, TTL and DF come from the inner header.
		src, ok := d.env.Source(c.real.Addr())
		if !ok {
			return d.drop(&d.stats.OutputErr, "ipvs_output_error")
		}
		d.ipID++
		out, err := d.enc.IPIPPacket(wire.IPv4Header{TOS: d.inner[1], ID: d.ipID, TTL: d.inner[8], Src: src, Dst: c.real.Addr()}, d.inner)
		if err == nil && wire.DF(d.inner) {
			err = wire.SetDF(out)
		}
		if err != nil {
			return d.drop(&d.stats.OutputErr, "ipvs_output_error")
		}
		return d.output(d.env.Output(out), &d.stats.InPkts)
	}
	d.buf = append(d.buf[:0], pkt...)
	if err := wire.DecTTL(d.buf); err != nil {
		return d.drop(&d.stats.TTLExceeded, "ipvs_ttl_exceeded")
	}
	switch kind {
	case KindDR:
		// ip_vs_dr_xmit: the packet as it came, to the real server's MAC.
		return d.output(d.env.OutputTo(c.real.Addr(), d.buf), &d.stats.InPkts)
	case KindFULLNAT:
		if err := wire.RewriteSrc(d.buf, c.local); err != nil {
			return d.drop(&d.stats.BadPacket, "ipvs_bad_packet")
		}
	}
	// ip_vs_nat_xmit: tcp_dnat_handler/udp_dnat_handler, then the
	// destination address and the IPv4 checksum.
	if err := wire.RewriteDst(d.buf, c.real); err != nil {
		return d.drop(&d.stats.BadPacket, "ipvs_bad_packet")
	}
	return d.output(d.env.Output(d.buf), &d.stats.InPkts)
}

// response is handle_response: the reply moves the state machine in the
// OUTPUT direction and leaves rewritten to come from the virtual service
// (tcp_snat_handler); FULLNAT also puts the client back as destination.
func (d *Director) response(c *Conn, pkt []byte, l *wire.L4) Verdict {
	d.setState(c, DirOutput, l.Flags)
	c.arm()
	d.buf = append(d.buf[:0], pkt[:l.TotalLen]...)
	if err := wire.DecTTL(d.buf); err != nil {
		return d.drop(&d.stats.TTLExceeded, "ipvs_ttl_exceeded")
	}
	if err := wire.RewriteSrc(d.buf, c.vaddr); err != nil {
		return d.drop(&d.stats.BadPacket, "ipvs_bad_packet")
	}
	if c.svc.cfg.Kind == KindFULLNAT {
		if err := wire.RewriteDst(d.buf, c.client); err != nil {
			return d.drop(&d.stats.BadPacket, "ipvs_bad_packet")
		}
	}
	return d.output(d.env.Output(d.buf), &d.stats.OutPkts)
}

func (d *Director) output(err error, ok *uint64) Verdict {
	if err != nil {
		return d.drop(&d.stats.OutputErr, "ipvs_output_error")
	}
	*ok++
	return Consumed
}

// drop counts a dropped packet and traces it (KindDrop, Reason = the
// counter's name).
func (d *Director) drop(n *uint64, reason string) Verdict {
	*n++
	d.env.Trace(sim.Record{Kind: sim.KindDrop, Comp: "ipvs", Reason: reason})
	return Dropped
}

// quoted returns the entry an ICMP error is about, looked up in table by
// the quoted packet's addresses reversed ("the embedded headers contain
// source and dest in reverse order"), and the quote's offset.
func quoted(pkt []byte, table map[connKey]*Conn) (*Conn, int) {
	_, off, err := wire.ICMPQuote(pkt)
	if err != nil {
		return nil, 0
	}
	q := pkt[off:]
	hl := int(q[0]&0x0f) * 4
	src := netip.AddrPortFrom(netip.AddrFrom4([4]byte(q[12:16])), uint16(q[hl])<<8|uint16(q[hl+1]))
	dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte(q[16:20])), uint16(q[hl+2])<<8|uint16(q[hl+3]))
	c := table[keyOf(q[9], dst, src)]
	if c == nil || c.template {
		return nil, 0
	}
	return c, off
}

// inICMP is ip_vs_in_icmp: an ICMP error from a client about a packet it
// got from the virtual service goes to the entry's real server, through
// the forwarding method (ip_vs_icmp_xmit): DR and TUN as any packet, NAT
// with the outer destination and the quoted source rewritten
// (ip_vs_nat_icmp). Other ICMP passes. FULLNAT's is not relayed.
func (d *Director) inICMP(pkt []byte) Verdict {
	c, off := quoted(pkt, d.conns)
	if c == nil {
		return Pass
	}
	total := int(pkt[2])<<8 | int(pkt[3])
	switch c.svc.cfg.Kind {
	case KindDR, KindTUN:
		return d.xmit(c, pkt[:total])
	case KindNAT:
		return d.natICMP(pkt[:total], off, c.real, false, &d.stats.InPkts)
	}
	return Pass
}

// outICMP is ip_vs_out_icmp with handle_response_icmp: a NAT real
// server's ICMP error about a client's packet leaves as if the virtual
// service sent it about a packet to itself. Only MASQ entries are
// translated; anything else passes.
func (d *Director) outICMP(pkt []byte) Verdict {
	c, off := quoted(pkt, d.outs)
	if c == nil || c.svc.cfg.Kind != KindNAT {
		return Pass
	}
	total := int(pkt[2])<<8 | int(pkt[3])
	return d.natICMP(pkt[:total], off, c.vaddr, true, &d.stats.OutPkts)
}

// natICMP forwards a copy of the ICMP error pkt with its TTL decremented
// and the address a (the real server in, the VIP out) written by
// wire.NATICMP into the quote at off (ip_vs_nat_icmp), counted in n.
func (d *Director) natICMP(pkt []byte, off int, a netip.AddrPort, out bool, n *uint64) Verdict {
	d.buf = append(d.buf[:0], pkt...)
	if err := wire.DecTTL(d.buf); err != nil {
		return d.drop(&d.stats.TTLExceeded, "ipvs_ttl_exceeded")
	}
	if err := wire.NATICMP(d.buf, off, a, out); err != nil {
		return d.drop(&d.stats.BadPacket, "ipvs_bad_packet")
	}
	return d.output(d.env.Output(d.buf), n)
}
