package sched

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// hashOps drives one service through the operations encoded in ops
// (two bytes each: opcode, argument) and returns its picks; check sees
// every pick.
func hashOps(t *testing.T, name string, flags Flags, ops []byte, check func(svc *Service, r *Request, d *Dest)) []*Dest {
	svc := hservice(t, name, flags)
	var picks []*Dest
	var pool [8]*Dest
	for i := range pool {
		pool[i] = hdest(string(rune('A'+i)), netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(i + 1)}), 80).String(), 1)
	}
	now := time.Duration(0)
	for len(ops) >= 2 {
		op, arg := ops[0], ops[1]
		ops = ops[2:]
		d := pool[arg%8]
		now += time.Duration(arg) * time.Second
		switch op % 8 {
		case 0:
			if d.svc == nil {
				d.Weight = int(arg>>3) % 4
				_ = svc.Add(d)
			}
		case 1:
			svc.Remove(d)
		case 2:
			svc.SetWeight(d, int(arg>>3)%5)
		case 3:
			d.Overloaded = !d.Overloaded
		case 4:
			d.Active = int(arg >> 3)
		case 5:
			if e, ok := svc.Scheduler().(Expirer); ok {
				e.CheckExpire(now)
			}
		default:
			r := &Request{
				Proto:  []uint8{1, 6, 17, 132}[op>>6],
				Client: netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, arg}), uint16(op)<<8|uint16(arg)),
				Dst:    netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, arg & 15}), 80),
				Now:    now,
			}
			p := svc.Schedule(r)
			check(svc, r, p)
			picks = append(picks, p)
		}
	}
	return picks
}

// FuzzHashSchedulers runs random add/remove/reweight/overload/expire
// sequences against sh, dh, mh, lblc and lblcr and checks what the kernel
// functions guarantee: a pick is a destination of the service with a
// weight (sh/dh/mh: is_unavailable false; lblc/lblcr: available and
// weighted); sh-fallback finds a destination whenever one is available
// (its walk reaches all 256 buckets); lblc/lblcr find one whenever wlc
// can; mh's table has no empty slot while a last weight is set; the same
// sequence gives the same picks.
func FuzzHashSchedulers(f *testing.F) {
	f.Add([]byte{0, 0, 0, 9, 0, 18, 7, 1, 7, 2, 2, 0, 7, 1, 135, 3})
	f.Add([]byte{0, 8, 0, 17, 3, 0, 7, 5, 4, 88, 7, 5, 5, 200, 7, 5})
	f.Add([]byte{0, 24, 0, 25, 0, 26, 2, 1, 1, 2, 71, 9, 199, 10, 5, 255})
	type sched struct {
		name  string
		flags Flags
	}
	scheds := []sched{
		{"sh", 0}, {"sh", FlagSHFallback | FlagSHPort}, {"dh", 0},
		{"mh", 0}, {"mh", FlagMHFallback | FlagMHPort},
		{"lblc", 0}, {"lblcr", 0},
	}
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 200 {
			ops = ops[:200]
		}
		for _, s := range scheds {
			check := func(svc *Service, r *Request, d *Dest) {
				anyUsable := slices.ContainsFunc(svc.Dests, func(o *Dest) bool { return o.Weight > 0 && !o.Overloaded })
				if d != nil && !slices.Contains(svc.Dests, d) {
					t.Fatalf("%s: picked %s, not in the service", s.name, d.Name)
				}
				switch s.name {
				case "sh", "dh", "mh":
					if d != nil && hashUnavailable(d) {
						t.Fatalf("%s: picked unavailable %s (weight %d, overloaded %v)", s.name, d.Name, d.Weight, d.Overloaded)
					}
				default:
					if d != nil && (!d.Available || d.Weight <= 0) {
						t.Fatalf("%s: picked %s at weight %d", s.name, d.Name, d.Weight)
					}
					if d == nil && anyUsable {
						t.Fatalf("%s: no pick although wlc has a destination", s.name)
					}
				}
				if s.name == "sh" && s.flags&FlagSHFallback != 0 && d == nil && anyUsable {
					t.Fatalf("sh-fallback: no pick although a destination is available")
				}
				if m, ok := svc.Scheduler().(*MH); ok && mhGCDWeight(svc.Dests) > 0 && slices.Contains(m.lookup, nil) {
					t.Fatalf("mh: empty slot with weights set")
				}
			}
			first := hashOps(t, s.name, s.flags, ops, check)
			again := hashOps(t, s.name, s.flags, ops, check)
			if !slices.Equal(pickNames(first), pickNames(again)) {
				t.Fatalf("%s: the same operations gave other picks", s.name)
			}
		}
	})
}

func pickNames(ds []*Dest) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = hname(d)
	}
	return out
}
