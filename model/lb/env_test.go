package lb

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// sent is a packet the director handed to its Env.
type sent struct {
	next netip.Addr // OutputTo's neighbour; invalid for Output
	pkt  []byte
}

// testEnv runs the director's timers on a real kernel and records what it
// sends and traces.
type testEnv struct {
	k       *sim.Kernel
	out     []sent
	recs    []sim.Record
	unreach int
	src     netip.Addr // Source's answer
	fail    bool       // Output fails (no route)
	keep    bool       // keep copies of sent packets
}

func newTestEnv() *testEnv {
	return &testEnv{k: sim.New(1), src: netip.MustParseAddr("10.1.0.254"), keep: true}
}

func (e *testEnv) Now() sim.Time                         { return e.k.Now() }
func (e *testEnv) NewTimer(fn func()) sim.Resettable     { return e.k.NewTimer(fn) }
func (e *testEnv) Trace(r sim.Record)                    { r.At = e.k.Now(); e.recs = append(e.recs, r) }
func (e *testEnv) Rand() sched.Rand                      { return e.k.Stream("lb/test") }
func (e *testEnv) Source(netip.Addr) (netip.Addr, bool)  { return e.src, e.src.IsValid() }
func (e *testEnv) Unreachable([]byte)                    { e.unreach++ }
func (e *testEnv) Output(pkt []byte) error               { return e.OutputTo(netip.Addr{}, pkt) }
func (e *testEnv) OutputTo(n netip.Addr, p []byte) error { return e.record(n, p) }

func (e *testEnv) record(n netip.Addr, p []byte) error {
	if e.fail {
		return errors.New("no route to host")
	}
	if e.keep {
		e.out = append(e.out, sent{next: n, pkt: bytes.Clone(p)})
	}
	return nil
}

// last returns the last packet sent and forgets the others.
func (e *testEnv) last(t *testing.T) sent {
	t.Helper()
	if len(e.out) == 0 {
		t.Fatal("nothing sent")
	}
	s := e.out[len(e.out)-1]
	e.out = e.out[:0]
	return s
}

// events returns the trace events of kind IPVS named ev.
func (e *testEnv) events(ev string) []sim.Record {
	var out []sim.Record
	for _, r := range e.recs {
		if r.Kind == sim.KindIPVS && r.Event == ev {
			out = append(out, r)
		}
	}
	return out
}

// run advances virtual time by d.
func (e *testEnv) run(d time.Duration) { e.k.Run(e.k.Now().Add(d)) }

// tcp builds an IPv4/TCP packet (TTL 64) with the Encoder.
func tcp(t testing.TB, src, dst netip.AddrPort, flags uint8, data string) []byte {
	t.Helper()
	b, err := wire.NewEncoder().TCPPacket(wire.IPv4Header{TTL: 64, Src: src.Addr(), Dst: dst.Addr()},
		wire.TCPHeader{SrcPort: src.Port(), DstPort: dst.Port(), Flags: flags, Window: 65535}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}

func udp(t testing.TB, src, dst netip.AddrPort, data string) []byte {
	t.Helper()
	b, err := wire.NewEncoder().UDPPacket(wire.IPv4Header{TTL: 64, Src: src.Addr(), Dst: dst.Addr()},
		wire.UDPHeader{SrcPort: src.Port(), DstPort: dst.Port()}, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}

// hdr reads the addresses of an IPv4/TCP-or-UDP packet.
func hdr(t *testing.T, p []byte) (src, dst netip.AddrPort, ttl uint8) {
	t.Helper()
	l, err := wire.ParseL4(p)
	if err != nil {
		t.Fatal(err)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(p[12:16])), l.SrcPort),
		netip.AddrPortFrom(netip.AddrFrom4([4]byte(p[16:20])), l.DstPort), p[8]
}

var (
	vip     = netip.MustParseAddrPort("10.0.0.100:80")
	client  = netip.MustParseAddrPort("192.0.2.10:40000")
	client2 = netip.MustParseAddrPort("192.0.2.11:40000")
	realA   = netip.MustParseAddrPort("10.1.0.1:8080")
	realB   = netip.MustParseAddrPort("10.1.0.2:8080")
	poolIP  = netip.MustParseAddr("10.1.0.254")
)

const (
	syn    = wire.TCPSyn
	ack    = wire.TCPAck
	fin    = wire.TCPFin | wire.TCPAck
	rst    = wire.TCPRst
	synack = wire.TCPSyn | wire.TCPAck
)

// service returns a two-real rr service of kind k (A configured first,
// so B heads the list and rr picks B first).
func service(k Kind) ServiceConfig {
	c := ServiceConfig{Proto: ProtoTCP, VIP: vip, Sched: "rr", Kind: k, Reals: []RealConfig{
		{Name: "A", Addr: realA, Weight: 1},
		{Name: "B", Addr: realB, Weight: 1},
	}}
	if k == KindFULLNAT {
		c.LocalAddrs = []netip.Addr{poolIP}
	}
	if k == KindDR || k == KindTUN {
		c.Reals[0].Addr = netip.AddrPortFrom(realA.Addr(), 80)
		c.Reals[1].Addr = netip.AddrPortFrom(realB.Addr(), 80)
	}
	return c
}

func newDirector(t testing.TB, cfgs ...ServiceConfig) (*Director, *testEnv) {
	t.Helper()
	e := newTestEnv()
	d, err := New(cfgs, e)
	if err != nil {
		t.Fatal(err)
	}
	return d, e
}

func dest(t *testing.T, d *Director, name string) DestInfo {
	t.Helper()
	for _, s := range d.Services() {
		for _, x := range s.Dests {
			if x.Name == name {
				return x
			}
		}
	}
	t.Fatalf("no dest %s", name)
	return DestInfo{}
}

func mustIn(t *testing.T, d *Director, p []byte, want Verdict) {
	t.Helper()
	if v := d.In(p, nil); v != want {
		t.Fatalf("In: %v, want %v (stats %+v)", v, want, d.Stats())
	}
}

func mustOut(t *testing.T, d *Director, p []byte, want Verdict) {
	t.Helper()
	if v := d.Out(p, nil); v != want {
		t.Fatalf("Out: %v, want %v (stats %+v)", v, want, d.Stats())
	}
}
