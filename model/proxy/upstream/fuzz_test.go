package upstream

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// FuzzOps builds an upstream from the first bytes and runs the rest as
// operations on three concurrent requests (begin, get, free good, free
// failed, advance the clock), checking after each what nginx's code
// keeps true:
//   - a pick is never down, never unavailable when asked (the single
//     server aside, which counts no failures), never twice in a request;
//   - a backup only when every primary is tried or unavailable;
//   - "no live upstreams" only when nothing untried is available;
//   - conns is the number of open tries; 0 <= effective_weight <= weight;
//   - smooth round robin moves weight around: current weights sum to 0.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 3, 1, 2, 3, 4, 5, 6, 0, 1, 3, 1, 2, 0, 1, 1, 3})
	f.Add([]byte{1, 4, 9, 9, 9, 9, 9, 9, 9, 9, 0, 1, 3, 4, 9, 1, 2})
	f.Add([]byte{4, 5, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 1, 3, 0, 1})
	f.Add([]byte{6, 2, 1, 1, 1, 1, 0, 1, 3, 0, 1, 3, 4, 200, 0, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		m := Method(data[0] % 7)
		n := 1 + int(data[1]%7)
		data = data[2:]
		var ss []Server
		for i := range n {
			var b byte
			if i < len(data) {
				b = data[i]
			}
			s := Server{Addr: "10.0.0." + strconv.Itoa(i) + ":80", Weight: 1 + int(b%4), MaxFails: []int{0, 2, MaxFailsOff}[(b>>2)%3]}
			s.Down = b&0x40 != 0 && i > 0
			s.Backup = b&0x80 != 0 && i > 0 && (m == RoundRobin || m == LeastConn)
			ss = append(ss, s)
		}
		data = data[min(n, len(data)):]
		u, err := New(m, ss, rand.New(rand.NewPCG(uint64(n), 7)))
		if err != nil {
			return // every server a backup: no servers in upstream
		}
		var reqs [3]Request
		var seen [3][]*Peer
		var over [3]bool // no live upstreams ends a request (502)
		now := time.Duration(0)
		for k := 0; k+1 < len(data); k += 2 {
			op, arg := data[k]%5, data[k+1]
			i := int(arg % 3)
			r := &reqs[i]
			switch op {
			case 0:
				u.Free(r, false, now)
				u.Begin(r, netip.AddrFrom4([4]byte{10, arg, arg >> 2, 1}), strconv.Itoa(int(arg)))
				seen[i] = seen[i][:0]
				over[i] = false
			case 1:
				if r.Current != nil || len(r.tried) == 0 || over[i] {
					continue
				}
				out := map[*Peer]bool{}
				for _, t := range []*tier{&u.primary, &u.backup} {
					for j := range t.peers {
						out[&t.peers[j]] = t.peers[j].Unavailable(now)
					}
				}
				wasBackup := r.backup
				p, err := u.Get(r, now)
				if err != nil {
					over[i] = true
					for q, bad := range out {
						// a request on the backups stays there, as rrp->peers does
						if !bad && !contains(seen[i], q) && !(r.backup && !q.Backup) {
							for _, p := range u.primary.peers {
								t.Logf("%+v", p)
							}
							for _, p := range u.backup.peers {
								t.Logf("%+v", p)
							}
							t.Logf("now %v seen %v backup %v", now, seen[i], r.backup)
							t.Fatalf("%v: no live upstreams with %s available and untried", m, q.Server)
						}
					}
					continue
				}
				if p.Down || out[p] && !u.primary.single {
					t.Fatalf("%v: picked %s, which is down or out", m, p.Server)
				}
				if contains(seen[i], p) && !u.primary.single {
					t.Fatalf("%v: %s picked twice in one request", m, p.Server)
				}
				if p.Backup && !wasBackup {
					for j := range u.primary.peers {
						q := &u.primary.peers[j]
						if !out[q] && !contains(seen[i], q) {
							t.Fatalf("%v: backup %s picked while primary %s is available", m, p.Server, q.Server)
						}
					}
				}
				seen[i] = append(seen[i], p)
			case 2, 3:
				u.Free(r, op == 3, now)
			case 4:
				now += time.Duration(arg) * 100 * time.Millisecond
			}
			checkState(t, u, reqs[:])
		}
	})
}

func contains(ps []*Peer, p *Peer) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

func checkState(t *testing.T, u *Upstream, reqs []Request) {
	t.Helper()
	for _, tr := range []*tier{&u.primary, &u.backup} {
		sum := 0
		for j := range tr.peers {
			p := &tr.peers[j]
			open := 0
			for k := range reqs {
				if reqs[k].Current == p {
					open++
				}
			}
			if p.Conns != open {
				t.Fatalf("%s: conns %d, open tries %d", p.Server, p.Conns, open)
			}
			if p.EffectiveWeight < 0 || p.EffectiveWeight > p.Weight {
				t.Fatalf("%s: effective_weight %d outside 0..%d", p.Server, p.EffectiveWeight, p.Weight)
			}
			sum += p.CurrentWeight
		}
		if sum != 0 {
			t.Fatalf("current weights sum to %d, want 0", sum)
		}
	}
	for k := range reqs {
		if reqs[k].Tries < 0 {
			t.Fatalf("request %d: tries %d", k, reqs[k].Tries)
		}
	}
}
