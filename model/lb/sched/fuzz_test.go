package sched

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// FuzzServiceOps drives a service of every registered scheduler with the
// operations ipvsadm and the connection table perform (add, remove, -e
// weight, -x/-y thresholds, new connection, ESTABLISHED and back, expiry,
// templates), two bytes each, and checks after every step:
//   - a pick is in the list, available, with weight > 0, and not
//     overloaded (lblc excepted: ip_vs_lblc_schedule keeps a cached dest
//     by its own is_overloaded, activeconns > weight, not the flag);
//   - the counters equal the connections bound and never go negative;
//   - the overload flag is never set without an upper threshold;
//   - the list holds exactly the added destinations, once each.
func FuzzServiceOps(f *testing.F) {
	f.Add([]byte{0, 0, 0, 7, 0, 13, 4, 1, 4, 2, 4, 3, 5, 0, 6, 1, 1, 7, 4, 9})
	f.Add([]byte{0, 6, 0, 12, 3, 1, 4, 0, 4, 0, 4, 0, 2, 6, 4, 5, 6, 0, 6, 0, 6, 0})
	f.Add([]byte{0, 30, 0, 31, 0, 32, 7, 0, 7, 1, 3, 35, 4, 2, 1, 0, 4, 3, 7, 7})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 600 {
			ops = ops[:600]
		}
		for _, name := range Names {
			if _, ok := registry[name]; ok {
				runOps(t, name, ops)
			}
		}
	})
}

// fuzzWeights are the weights an add or -e picks from.
var fuzzWeights = [...]int{0, 1, 2, 3, 5, 65535}

type fuzzConn struct {
	d      *Dest
	active bool
}

func runOps(t *testing.T, name string, ops []byte) {
	s, err := New(name, rand.New(rand.NewPCG(uint64(len(ops)), 9)))
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(s, Flags(len(ops)%16))
	var pool [6]*Dest
	for i := range pool {
		pool[i] = &Dest{
			Name: string(rune('A' + i)),
			Addr: netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 1, 0, byte(i + 1)}), 80),
		}
	}
	var conns []fuzzConn
	var templates [len(pool)]int
	var r Request
	for i := 0; i+1 < len(ops); i += 2 {
		op, arg := ops[i]%8, int(ops[i+1])
		d := pool[arg%len(pool)]
		switch op {
		case 0: // ipvsadm -a
			d.Weight = fuzzWeights[arg/len(pool)%len(fuzzWeights)]
			was := d.Available
			if err := svc.Add(d); (err != nil) != was {
				t.Fatalf("%s: Add(%s) in the list %v: err %v", name, d.Name, was, err)
			}
		case 1: // ipvsadm -d
			was := d.Available
			if got := svc.Remove(d); got != was {
				t.Fatalf("%s: Remove(%s) = %v, was in the list %v", name, d.Name, got, was)
			}
		case 2: // ipvsadm -e
			svc.SetWeight(d, fuzzWeights[arg/len(pool)%len(fuzzWeights)])
		case 3: // ipvsadm -e -x -y
			SetThresholds(d, arg/len(pool)%6, arg/36%4)
		case 4: // a new connection
			r.Proto = 6 + 11*uint8(arg&1)
			r.Client = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(arg >> 4), byte(arg)}), uint16(40000+arg))
			r.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 100 + byte(arg%3)}), 80)
			r.Now += time.Duration(arg) * time.Second
			p := svc.Schedule(&r)
			if p == nil {
				break
			}
			if svc.Find(p.Name) != p || !p.Available || p.Weight <= 0 {
				t.Fatalf("%s: picked %s: listed %v available %v weight %d", name, p.Name, svc.Find(p.Name) == p, p.Available, p.Weight)
			}
			if p.Overloaded && name != "lblc" {
				t.Fatalf("%s: picked overloaded %s", name, p.Name)
			}
			Bind(p)
			conns = append(conns, fuzzConn{d: p})
		case 5: // ESTABLISHED, or out of it
			if len(conns) == 0 {
				break
			}
			c := &conns[arg%len(conns)]
			if c.active {
				Deactivate(c.d)
			} else {
				Activate(c.d)
			}
			c.active = !c.active
		case 6: // expiry
			if len(conns) == 0 {
				break
			}
			k := arg % len(conns)
			Unbind(conns[k].d, conns[k].active)
			conns = append(conns[:k], conns[k+1:]...)
		case 7: // a persistence template created or expired
			if k := arg % len(pool); arg&64 == 0 {
				BindTemplate(d)
				templates[k]++
			} else if templates[k] > 0 {
				UnbindTemplate(d)
				templates[k]--
			}
		}
		checkFuzzState(t, name, svc, pool[:], conns, templates[:])
	}
}

func checkFuzzState(t *testing.T, name string, svc *Service, pool []*Dest, conns []fuzzConn, templates []int) {
	listed := 0
	for k, d := range pool {
		act, inact := 0, 0
		for _, c := range conns {
			if c.d == d && c.active {
				act++
			} else if c.d == d {
				inact++
			}
		}
		if d.Active != act || d.Inactive != inact || d.Persist != templates[k] {
			t.Fatalf("%s: %s counters %d/%d/%d, want %d/%d/%d", name, d.Name, d.Active, d.Inactive, d.Persist, act, inact, templates[k])
		}
		if d.Overloaded && d.UThreshold == 0 {
			t.Fatalf("%s: %s overloaded without an upper threshold", name, d.Name)
		}
		if d.Available {
			listed++
			if svc.Find(d.Name) != d {
				t.Fatalf("%s: available %s not in the list", name, d.Name)
			}
		}
	}
	if len(svc.Dests) != listed {
		t.Fatalf("%s: list %q, %d available", name, names(svc.Dests), listed)
	}
}
