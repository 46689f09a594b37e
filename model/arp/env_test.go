package arp

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// fakeEnv implements Env on a sim.Kernel and records what the cache does.
type fakeEnv struct {
	k        *sim.Kernel
	rng      *rand.Rand
	requests []request
	tx       []txPacket
	unreach  []txPacket
	trace    []sim.Record
	quiet    bool // benchmarks: count transmissions, record nothing
	ntx      int
}

type request struct {
	at     sim.Time
	target netip.Addr
	dst    wire.MAC
}

type txPacket struct {
	at  sim.Time
	mac wire.MAC
	ip  netip.Addr
	pkt string
}

func newEnv(seed uint64) *fakeEnv {
	k := sim.New(seed)
	return &fakeEnv{k: k, rng: k.Stream("arp/test")}
}

func (f *fakeEnv) Now() sim.Time            { return f.k.Now() }
func (f *fakeEnv) NewTimer(fn func()) Timer { return f.k.NewTimer(fn) }
func (f *fakeEnv) Rand() *rand.Rand         { return f.rng }
func (f *fakeEnv) Trace(r sim.Record)       { r.At = f.k.Now(); f.trace = append(f.trace, r) }
func (f *fakeEnv) run(d time.Duration)      { f.k.Run(f.k.Now().Add(d)) }
func (f *fakeEnv) runUntil(t time.Duration) { f.k.Run(sim.D(t)) }
func (f *fakeEnv) SendRequest(target netip.Addr, dst wire.MAC) {
	f.requests = append(f.requests, request{f.k.Now(), target, dst})
}
func (f *fakeEnv) Transmit(mac wire.MAC, packet []byte) {
	if f.quiet {
		f.ntx++
		return
	}
	f.tx = append(f.tx, txPacket{at: f.k.Now(), mac: mac, pkt: string(packet)})
}
func (f *fakeEnv) Unreachable(ip netip.Addr, packet []byte) {
	f.unreach = append(f.unreach, txPacket{at: f.k.Now(), ip: ip, pkt: string(packet)})
}

// transitions returns the "FROM>TO" of every KindNeigh record.
func (f *fakeEnv) transitions() []string {
	var out []string
	for _, r := range f.trace {
		out = append(out, r.From+">"+r.To+":"+r.Reason)
	}
	return out
}

func ip(n byte) netip.Addr { return netip.AddrFrom4([4]byte{10, 0, 0, n}) }
func mac(n byte) wire.MAC  { return wire.MAC{0x02, 0, 0, 0, 0, n} }

var (
	us    = ip(1)
	usMAC = mac(1)
	gw    = ip(254)
	macA  = mac(0xa)
	macB  = mac(0xb)
)

// reply is an ARP reply from sender (sip, sha) to us.
func reply(sip netip.Addr, sha wire.MAC) *wire.ARP {
	return &wire.ARP{Op: wire.ARPReply, SenderIP: sip, SenderMAC: sha, TargetIP: us, TargetMAC: usMAC}
}

// requestFor is a request from (sip, sha) asking for tip.
func requestFor(sip netip.Addr, sha wire.MAC, tip netip.Addr) *wire.ARP {
	return &wire.ARP{Op: wire.ARPRequest, SenderIP: sip, SenderMAC: sha, TargetIP: tip}
}

// garp is the gratuitous ARP request a new VRRP master broadcasts
// (RFC 3768 section 6.4.2; keepalived sends requests).
func garp(sip netip.Addr, sha wire.MAC) *wire.ARP {
	return &wire.ARP{Op: wire.ARPRequest, SenderIP: sip, SenderMAC: sha, TargetIP: sip}
}

// newCache builds a cache for the state-machine tests. Unless cfg sets HZ
// they run with exact timers (HZ -1), so their times read as the sysctls;
// wheel_test.go covers the timer wheel the default HZ adds.
func newCache(t *testing.T, cfg Config) (*Cache, *fakeEnv) {
	t.Helper()
	if cfg.HZ == 0 {
		cfg.HZ = -1
	}
	env := newEnv(1)
	return New(cfg, env), env
}

func mustState(t *testing.T, c *Cache, a netip.Addr, want State) Entry {
	t.Helper()
	e, ok := c.Lookup(a)
	if !ok {
		if want == StateNone {
			return Entry{}
		}
		t.Fatalf("%v: no entry, want %v", a, want)
	}
	if e.State != want {
		t.Fatalf("%v state: got %v, want %v", a, e.State, want)
	}
	return e
}

// resolve brings gw to REACHABLE with MAC m at the current time.
func resolve(t *testing.T, c *Cache, env *fakeEnv, m wire.MAC) {
	t.Helper()
	c.Output(gw, []byte("p0"))
	c.HandleARP(reply(gw, m), true, true)
	mustState(t, c, gw, StateReachable)
	env.requests, env.tx, env.trace = nil, nil, nil
}

// makeStale brings gw to STALE with MAC m (a request for us creates it).
func makeStale(t *testing.T, c *Cache, env *fakeEnv, m wire.MAC) {
	t.Helper()
	c.HandleARP(requestFor(gw, m, us), false, true)
	mustState(t, c, gw, StateStale)
	env.requests, env.tx, env.trace = nil, nil, nil
}

func requestTimes(rs []request) []time.Duration {
	var out []time.Duration
	for _, r := range rs {
		out = append(out, time.Duration(r.at))
	}
	return out
}

func pkts(ps []txPacket) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.pkt)
	}
	return out
}
