package upstream

import (
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

// TestLeastConnSlowServer: ngx_http_upstream_get_least_conn_peer with
// three servers of weight 1, a slow (its request stays open), b and c
// fast (freed at once). Ties go to smooth round robin among the tied
// peers, starting at the first of them:
//
//	1: all 0 conns, tie a b c: cw (1,1,1) -> a, cw a -2; a stays busy.
//	2: b c tie at 0: b 1+1=2, c 1+1=2 -> b (first), b 0.
//	3: b 1, c 3 -> c, c 1.   4: b 2, c 2 -> b, b 0.
//	5: b 1, c 3 -> c, c 1.   6: b 2, c 2 -> b, b 0.
//	7: b 1, c 3 -> c; cw now a -2, b 1, c 1.
//	a is freed; 8: tie a b c: a -1, b 2, c 2 -> b, b -1.
//	9: a 0, b 0, c 3 -> c, c 0.   10: a 1, b 1, c 1 -> a.
func TestLeastConnSlowServer(t *testing.T) {
	u := servers(t, LeastConn, Server{Addr: "a"}, Server{Addr: "b"}, Server{Addr: "c"})
	var slow, r Request
	u.Begin(&slow, client, "")
	first, _ := u.Get(&slow, 0)
	got := []string{first.Server}
	for range 6 {
		got = append(got, picks(t, u, 1, nil))
	}
	u.Free(&slow, false, 0)
	got = append(got, picks(t, u, 3, nil))
	if s, want := strings.Join(got, " "), "a b c b c b c b c a"; s != want {
		t.Errorf("got %q, want %q", s, want)
	}
	// Weighted: conns/weight cross-multiplied. b (weight 3) with 2
	// conns beats a (weight 1) with 1: 2*1 < 1*3.
	w := servers(t, LeastConn, Server{Addr: "a"}, Server{Addr: "b", Weight: 3})
	w.Peers()[0].Conns, w.Peers()[1].Conns = 1, 2
	w.Begin(&r, client, "")
	if p, _ := w.Get(&r, 0); p.Server != "b" {
		t.Errorf("weighted least_conn: got %s, want b", p.Server)
	}
}

// TestIPHashSubnets: ngx_http_upstream_get_ip_hash_peer, three servers
// of weight 1. hash = 89; hash = (hash*113 + octet) % 6271 over the
// first three octets:
//
//	10.0.1: (89*113+10)%6271 = 3796; (3796*113+0)%6271 = 2520;
//	        (2520*113+1)%6271 = 2566; 2566 % 3 = 1 -> b
//	10.0.2: 2567 % 3 = 2 -> c        10.0.3: 2568 % 3 = 0 -> a
//	192.168.1: 154 % 3 = 1 -> b      172.16.5: 3526 % 3 = 1 -> b
//
// With b down the hash goes on over the same octets from where it was:
// 10.0.1 -> 2321 % 3 = 2 -> c; 192.168.1 -> 5654 % 3 = 2 -> c;
// 172.16.5 -> 2024 % 3 = 2 -> c; the others keep theirs.
func TestIPHashSubnets(t *testing.T) {
	clients := []string{"10.0.1.7", "10.0.1.200", "10.0.2.7", "10.0.3.7", "192.168.1.1", "172.16.5.9"}
	tests := []struct {
		name  string
		bDown bool
		want  string
	}{
		{"all up", false, "b b c a b b"},
		{"b down", true, "c c c a c c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := servers(t, IPHash, Server{Addr: "a"}, Server{Addr: "b", Down: tc.bDown}, Server{Addr: "c"})
			var r Request
			var got []string
			for _, c := range clients {
				u.Begin(&r, netip.MustParseAddr(c), "")
				p, err := u.Get(&r, 0)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, p.Server)
				u.Free(&r, false, 0)
			}
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("got %q, want %q", s, tc.want)
			}
		})
	}
}

// TestIPHashFallsBackAfter20: when every hashed pick misses, the 21st
// miss hands the request to round robin (iphp->tries > 20), which finds
// nothing either: no live upstreams.
func TestIPHashFallsBackAfter20(t *testing.T) {
	u := servers(t, IPHash, Server{Addr: "a", Down: true}, Server{Addr: "b", Down: true})
	var r Request
	u.Begin(&r, client, "")
	if _, err := u.Get(&r, 0); err != ErrNoLive {
		t.Fatalf("got %v, want %v", err, ErrNoLive)
	}
	if r.hashTries != 21 {
		t.Errorf("hash tries got %d, want 21", r.hashTries)
	}
}

// TestHashRehashesOnlyOnMiss: ngx_http_upstream_get_hash_peer,
// hash += (crc32([REHASH]KEY) >> 16) & 0x7fff, three servers of weight 1.
//
//	"/a": crc32 0x69707b5c -> 26992, % 3 = 1 -> b
//	      b down: crc32("1/a") 0xf2413f16 -> 29249; 26992+29249 = 56241, % 3 = 0 -> a
//	"/b": crc32 0xf0792ae6 -> 28793 % 3 = 2 -> c
//	"/index.html": crc32 0xea224b42 -> 27170 % 3 = 2 -> c
func TestHashRehashesOnlyOnMiss(t *testing.T) {
	if c := crc32.ChecksumIEEE([]byte("/a")); c != 0x69707b5c {
		t.Fatalf("crc32(/a) = %#x: the worked values below are off", c)
	}
	tests := []struct {
		name  string
		bDown bool
		want  string
	}{
		{"all up", false, "b c c"},
		{"b down", true, "a c c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := servers(t, Hash, Server{Addr: "a"}, Server{Addr: "b", Down: tc.bDown}, Server{Addr: "c"})
			keys := []string{"/a", "/b", "/index.html"}
			if got := picks(t, u, 3, func(i int) string { return keys[i] }); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// An empty key is round robin (hp->key.len == 0).
	u := servers(t, Hash, Server{Addr: "a"}, Server{Addr: "b"})
	if got := picks(t, u, 4, nil); got != "a b a b" {
		t.Errorf("empty key: got %q, want round robin", got)
	}
}

// TestChashRing: ngx_http_upstream_update_chash. The first point of a
// server is crc32(HOST "\0" PORT) continued over four zero octets; the
// server string splits at its last ':' only before digits.
func TestChashRing(t *testing.T) {
	for _, tc := range []struct{ s, host, port string }{
		{"10.0.0.1:80", "10.0.0.1", "80"},
		{"10.0.0.1", "10.0.0.1", ""},
		{"backend.example:8080", "backend.example", "8080"},
		{"[::1]:80", "[::1]", "80"},
		{"unix:/tmp/s.sock", "/tmp/s.sock", ""},
		{"host:", "host", ""},
	} {
		if h, p := splitHostPort(tc.s); h != tc.host || p != tc.port {
			t.Errorf("split %q: got %q %q, want %q %q", tc.s, h, p, tc.host, tc.port)
		}
	}
	pts := chashPoints([]Peer{{Server: "10.0.0.1:80", Weight: 2}})
	if len(pts) != 320 {
		t.Errorf("points for weight 2: got %d, want 320", len(pts))
	}
	first := crc32.ChecksumIEEE([]byte("10.0.0.1\x0080\x00\x00\x00\x00"))
	if i := findPoint(pts, first); i == len(pts) || pts[i].hash != first {
		t.Errorf("crc32(host NUL port 0000) = %#x is not a point", first)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i-1].hash >= pts[i].hash {
			t.Fatalf("points %d,%d not strictly ascending", i-1, i)
		}
	}
}

// TestConsistentHashServerDies: ngx_http_upstream_get_chash_peer. Keys
// land on the first point at or after crc32(key); when the server of
// that point is out the next point's is tried. So when one server dies
// only its own keys move, spread over the others, and the fraction moved
// is its share of the ring (about 1/4 here).
func TestConsistentHashServerDies(t *testing.T) {
	ss := []Server{{Addr: "10.0.0.11:80"}, {Addr: "10.0.0.12:80"}, {Addr: "10.0.0.13:80"}, {Addr: "10.0.0.14:80"}}
	u := servers(t, HashConsistent, ss...)
	const n = 4000
	key := func(i int) string { return fmt.Sprintf("/item/%d", i) }
	before := strings.Fields(picks(t, u, n, key))
	dead := u.Lookup("10.0.0.12:80")
	dead.Down = true
	after := strings.Fields(picks(t, u, n, key))
	moved, owned := 0, 0
	for i := range n {
		if before[i] == dead.Server {
			owned++
			if after[i] == dead.Server {
				t.Fatalf("key %d still on the dead server", i)
			}
		}
		if before[i] != after[i] {
			moved++
			if before[i] != dead.Server {
				t.Errorf("key %d moved from %s to %s, not from the dead server", i, before[i], after[i])
			}
		}
	}
	frac := float64(moved) / n
	t.Logf("consistent hash: %d of %d keys moved (%.3f), all of the dead server's %d", moved, n, frac, owned)
	if moved != owned || frac < 0.1 || frac > 0.4 {
		t.Errorf("moved %d (%.3f), owned %d: want moved == owned, about a quarter", moved, frac, owned)
	}
	// The ring hashes the server string as written: the same addresses
	// written without the port place the keys differently.
	v := servers(t, HashConsistent, Server{Addr: "10.0.0.11"}, Server{Addr: "10.0.0.12"}, Server{Addr: "10.0.0.13"}, Server{Addr: "10.0.0.14"})
	noPort := strings.Fields(picks(t, v, n, key))
	same := 0
	for i := range n {
		if noPort[i]+":80" == before[i] {
			same++
		}
	}
	if same == n {
		t.Errorf("writing the servers without :80 moved no key; the ring must depend on the string")
	}
}

// TestRandomTwoAvoidsLoaded: ngx_http_upstream_get_random2_peer keeps the
// second of two random peers unless it has more conns per weight than
// the first: a with 5 open connections is never chosen over b or c
// with none. random (one) picks by weight: with weights 1/1/6, c gets
// most.
func TestRandomTwoAvoidsLoaded(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	u, err := New(RandomTwo, []Server{{Addr: "a"}, {Addr: "b"}, {Addr: "c"}}, rnd)
	if err != nil {
		t.Fatal(err)
	}
	u.Peers()[0].Conns = 5
	count := map[string]int{}
	for _, s := range strings.Fields(picks(t, u, 300, nil)) {
		count[s]++
	}
	if count["a"] != 0 || count["b"] == 0 || count["c"] == 0 {
		t.Errorf("random two: got %v, want a never, b and c both", count)
	}
	one, err := New(Random, []Server{{Addr: "a"}, {Addr: "b"}, {Addr: "c", Weight: 6}}, rnd)
	if err != nil {
		t.Fatal(err)
	}
	count = map[string]int{}
	for _, s := range strings.Fields(picks(t, one, 800, nil)) {
		count[s]++
	}
	if count["c"] < 500 || count["a"] == 0 || count["b"] == 0 {
		t.Errorf("random 1/1/6: got %v, want c about 600 of 800", count)
	}
}
