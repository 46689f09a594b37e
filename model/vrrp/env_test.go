package vrrp_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/model/vrrp"
	"github.com/vrrpsim/vrrpsim/model/wire"
	"github.com/vrrpsim/vrrpsim/sim"
)

// lan is a tiny in-test wire: every advert reaches every other router's
// speakers after delay, unless a router is cut off.
type lan struct {
	t       *testing.T
	k       *sim.Kernel
	delay   time.Duration
	routers []*router
	trace   []sim.Record
}

// router is the fake Env of one speaker: it records what the speaker did.
type router struct {
	lan      *lan
	name     string
	sp       *vrrp.Speaker
	cut      bool // partitioned from the LAN
	ttl      uint8
	master   bool
	adverts  []sentAdvert
	garps    []sim.Time
	masterAt []sim.Time // SetMaster(true) times
	lastFire sim.Time
	fires    int
}

type sentAdvert struct {
	at       sim.Time
	dst      netip.Addr
	priority uint8
}

func newLAN(t *testing.T) *lan {
	return &lan{t: t, k: sim.New(1), delay: 100 * time.Microsecond}
}

func (r *router) Now() sim.Time { return r.lan.k.Now() }
func (r *router) NewTimer(fn func()) vrrp.Timer {
	return r.lan.k.NewTimer(func() {
		// Guard against a runaway timer loop at one instant (fuzzing).
		if r.lan.k.Now() != r.lastFire {
			r.lastFire, r.fires = r.lan.k.Now(), 0
		}
		if r.fires++; r.fires > 10000 {
			panic(fmt.Sprintf("%s: more than 10000 timer expiries at %v", r.name, r.lastFire))
		}
		fn()
	})
}
func (r *router) SendGARP(vip netip.Addr) { r.garps = append(r.garps, r.Now()) }
func (r *router) Trace(rec sim.Record) {
	rec.Node, rec.At = r.name, r.Now()
	r.lan.trace = append(r.lan.trace, rec)
}
func (r *router) SetMaster(m bool) {
	r.master = m
	if m {
		r.masterAt = append(r.masterAt, r.Now())
	}
}

func (r *router) SendAdvert(src, dst netip.Addr, sent *wire.VRRP) {
	adv := *sent // valid only during the call (vrrp.Env)
	r.adverts = append(r.adverts, sentAdvert{r.Now(), dst, adv.Priority})
	if r.cut {
		return
	}
	ttl := r.ttl
	if ttl == 0 {
		ttl = 255
	}
	for _, o := range r.lan.routers {
		if o == r || o.cut {
			continue
		}
		if !dst.IsMulticast() && dst != o.sp.Config().PrimaryIP {
			continue
		}
		o := o
		r.lan.k.After(r.lan.delay, func() { a := adv; o.sp.HandleAdvertisement(src, dst, ttl, &a) })
	}
}

// add builds a speaker from base with the router's primary IP 10.0.0.<n>.
func (l *lan) add(name string, n byte, cfg vrrp.Config) *router {
	l.t.Helper()
	r := &router{lan: l, name: name}
	cfg.PrimaryIP = ip(10, 0, 0, n)
	sp, err := vrrp.New(cfg, r)
	if err != nil {
		l.t.Fatalf("New(%s): %v", name, err)
	}
	r.sp = sp
	l.routers = append(l.routers, r)
	return r
}

func (l *lan) runFor(d time.Duration) { l.k.Run(l.k.Now().Add(d)) }
func (l *lan) runUntil(t sim.Time)    { l.k.Run(t) }

func ip(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

func baseConfig(prio int) vrrp.Config {
	return vrrp.Config{
		Name: "VI_1", Interface: "eth0", VRID: 51, Priority: prio,
		VIPs: []netip.Addr{ip(10, 0, 0, 254)},
	}
}

// transitions returns the state records of one router, in order.
func (l *lan) transitions(name string) []sim.Record {
	var out []sim.Record
	for _, r := range l.trace {
		if r.Kind == sim.KindState && r.Node == name {
			out = append(out, r)
		}
	}
	return out
}

// lastTransition returns the time and reason of the last transition of
// router name to state to.
func (l *lan) lastTransition(name string, to vrrp.State) (sim.Time, string, bool) {
	tr := l.transitions(name)
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].To == to.String() {
			return tr[i].At, tr[i].Reason, true
		}
	}
	return 0, "", false
}

func (r *router) advertsSince(t sim.Time) []sentAdvert {
	var out []sentAdvert
	for _, a := range r.adverts {
		if a.at >= t {
			out = append(out, a)
		}
	}
	return out
}

func (r *router) garpsBetween(from, to sim.Time) int {
	n := 0
	for _, g := range r.garps {
		if g >= from && g < to {
			n++
		}
	}
	return n
}

func (r *router) lastAdvertBefore(t sim.Time) sim.Time {
	var last sim.Time = -1
	for _, a := range r.adverts {
		if a.at < t {
			last = a.at
		}
	}
	return last
}

func wantState(t *testing.T, r *router, want vrrp.State) {
	t.Helper()
	if got := r.sp.State(); got != want {
		t.Fatalf("%s state at %v: got %v, want %v", r.name, r.Now(), got, want)
	}
}

func wantTime(t *testing.T, what string, got, want sim.Time) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

type netipAddr = netip.Addr
