package upstream

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

var client = netip.MustParseAddr("192.0.2.1")

func servers(t *testing.T, m Method, ss ...Server) *Upstream {
	t.Helper()
	u, err := New(m, ss, nil)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// picks runs n requests of one try each, freed at once as good, and
// returns the servers picked, space separated.
func picks(t *testing.T, u *Upstream, n int, key func(int) string) string {
	t.Helper()
	var r Request
	var out []string
	for i := range n {
		k := ""
		if key != nil {
			k = key(i)
		}
		u.Begin(&r, client, k)
		p, err := u.Get(&r, 0)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		out = append(out, p.Server)
		u.Free(&r, false, 0)
	}
	return strings.Join(out, " ")
}

// TestSmoothRoundRobinSequences: ngx_http_upstream_get_peer. Each pick
// adds effective_weight to every current_weight, takes the largest
// (first on ties, the test is ">") and subtracts the total from it.
func TestSmoothRoundRobinSequences(t *testing.T) {
	tests := []struct {
		name    string
		weights []int
		want    string
	}{
		// 1/1/1: (1,1,1)->a (-2,1,1); (-1,2,2)->b (-1,-1,2);
		// (0,0,3)->c (0,0,0): back to the start.
		{"1/1/1", []int{1, 1, 1}, "a b c a b c"},
		// 5/1/1, total 7: (5,1,1)->a; (3,2,2)->a; (1,3,3)->b;
		// (6,-3,4)->a; (4,-2,5)->c; (9,-1,-1)->a; (7,0,0)->a, all 0.
		{"5/1/1", []int{5, 1, 1}, "a a b a c a a a a b"},
		// 4/2/1, total 7: (4,2,1)->a; (1,4,2)->b; (5,-1,3)->a;
		// (2,1,4)->c; (6,3,-2)->a; (3,5,-1)->b; (7,0,0)->a, all 0.
		{"4/2/1", []int{4, 2, 1}, "a b a c a b a a b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ss []Server
			for i, w := range tc.weights {
				ss = append(ss, Server{Addr: string(rune('a' + i)), Weight: w})
			}
			u := servers(t, RoundRobin, ss...)
			n := len(strings.Fields(tc.want))
			if got := picks(t, u, n, nil); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestEffectiveWeightRecovers: ngx_http_upstream_free_round_robin_peer
// lowers effective_weight by weight/max_fails on a failure;
// ngx_http_upstream_get_peer adds it back one unit per pick that
// considers the peer. a weight 4 max_fails 2, b weight 1.
// Pick 1: (4,1)->a, cw (-1,1); a fails: eff 4-2 = 2, fails 1 < 2.
// Pick 2: a -1+2=1 (eff->3), b 2: b, cw (1,-1).
// Pick 3: a 1+3=4 (eff->4), b 0: a, cw (0,0).
// Pick 4: (4,1)->a (-1,1); pick 5: (3,2)->a (-2,2); pick 6: (2,3)->b.
// Without the failure pick 2 would have been a: (3,2).
func TestEffectiveWeightRecovers(t *testing.T) {
	for _, fail := range []bool{true, false} {
		u := servers(t, RoundRobin, Server{Addr: "a", Weight: 4, MaxFails: 2}, Server{Addr: "b"})
		var r Request
		u.Begin(&r, client, "")
		if p, _ := u.Get(&r, 0); p.Server != "a" {
			t.Fatalf("pick 1: got %s, want a", p.Server)
		}
		u.Free(&r, fail, 0)
		a := &u.Peers()[0]
		want, eff := "b a a a b", 2
		if !fail {
			want, eff = "a b a a a", 4
		}
		if a.EffectiveWeight != eff {
			t.Errorf("failed=%v: effective_weight got %d, want %d", fail, a.EffectiveWeight, eff)
		}
		if got := picks(t, u, 5, nil); got != want {
			t.Errorf("failed=%v: got %q, want %q", fail, got, want)
		}
		if a.EffectiveWeight != 4 {
			t.Errorf("failed=%v: effective_weight after 5 picks got %d, want 4", fail, a.EffectiveWeight)
		}
	}
}

// TestTriedBitmapAndBackup: one request's tries never repeat a server
// (rrp->tried); when the primaries are exhausted the request moves to
// the backups with a fresh bitmap (the "failed:" label of
// ngx_http_upstream_get_round_robin_peer), and then nothing is left.
// max_fails=0 keeps the weights still: cw after pick 1 is (-2,1,1), so
// the second try is b ((0+?) b 2, c 2: b first), the third c.
func TestTriedBitmapAndBackup(t *testing.T) {
	tests := []struct {
		name   string
		backup bool
		want   string
		tries  int
	}{
		{"primaries only", false, "a b c !", 3},
		{"then the backup", true, "a b c x !", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ss := []Server{{Addr: "a", MaxFails: MaxFailsOff}, {Addr: "b", MaxFails: MaxFailsOff}, {Addr: "c", MaxFails: MaxFailsOff}, {Addr: "d", Down: true}}
			if tc.backup {
				ss = append(ss, Server{Addr: "x", Backup: true})
			}
			u := servers(t, RoundRobin, ss...)
			var r Request
			u.Begin(&r, client, "")
			if r.Tries != tc.tries {
				t.Errorf("tries got %d, want %d (servers not down)", r.Tries, tc.tries)
			}
			var got []string
			for range 6 {
				p, err := u.Get(&r, 0)
				if errors.Is(err, ErrNoLive) {
					got = append(got, "!")
					break
				}
				got = append(got, p.Server)
				u.Free(&r, true, 0)
			}
			if s := strings.Join(got, " "); s != tc.want {
				t.Errorf("got %q, want %q", s, tc.want)
			}
			if r.Tries != 0 {
				t.Errorf("tries left got %d, want 0", r.Tries)
			}
		})
	}
}

// TestBackupOnlyWhenPrimariesOut: with max_fails 1 two failures take a
// and b out for fail_timeout (10 s); requests go to the backup x until
// second 11 (11-0 > 10), when both are probed again
// (ngx_http_upstream_get_peer skips a peer while fails >= max_fails and
// now - checked <= fail_timeout). The order of the probes is the
// weights': request 1 took a (cw -1,1) and its failure set a's
// effective_weight to 1-1/1 = 0; request 2 saw a -1+0 (eff back to 1),
// b 1+1 = 2, took b (cw b 1) and b's failure set its eff to 0. At 11 s
// a is -1+1 = 0, b 1+0 = 1: b is probed first, then a.
func TestBackupOnlyWhenPrimariesOut(t *testing.T) {
	u := servers(t, RoundRobin, Server{Addr: "a"}, Server{Addr: "b"}, Server{Addr: "x", Backup: true})
	var r Request
	for range 2 {
		u.Begin(&r, client, "")
		u.Get(&r, 0)
		u.Free(&r, true, 0)
	}
	for _, tc := range []struct {
		at   time.Duration
		want string
	}{
		{1 * time.Second, "x"},
		{10 * time.Second, "x"},
		{10*time.Second + 999*time.Millisecond, "x"}, // ngx_time() is whole seconds
		{11 * time.Second, "b"},
		{11 * time.Second, "a"}, // b is checked now: out again; a's own probe
		{11 * time.Second, "x"}, // both probes in flight: backup
	} {
		u.Begin(&r, client, "")
		p, err := u.Get(&r, tc.at)
		if err != nil {
			t.Fatalf("at %v: %v", tc.at, err)
		}
		if p.Server != tc.want {
			t.Errorf("at %v: got %s, want %s", tc.at, p.Server, tc.want)
		}
		// leave the connection open: the probe's answer is not in yet
		r.Current = nil
	}
}

// TestSingleServer: one server and no backup is peers->single: its
// failures are not counted (ngx_http_upstream_free_round_robin_peer
// clears them and ends the tries), so it is never out.
func TestSingleServer(t *testing.T) {
	u := servers(t, RoundRobin, Server{Addr: "a"})
	var r Request
	for i := range 3 {
		u.Begin(&r, client, "")
		p, err := u.Get(&r, time.Duration(i)*time.Second)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		u.Free(&r, true, time.Duration(i)*time.Second)
		if p.Fails != 0 || r.Tries != 0 {
			t.Errorf("request %d: fails %d tries %d, want 0 0", i, p.Fails, r.Tries)
		}
	}
	d := servers(t, RoundRobin, Server{Addr: "a", Down: true})
	d.Begin(&r, client, "")
	if _, err := d.Get(&r, 0); !errors.Is(err, ErrNoLive) {
		t.Errorf("single down server: got %v, want %v", err, ErrNoLive)
	}
}

// TestNewRefuses: ngx_http_upstream_server's checks, and backup only
// for the methods that set NGX_HTTP_UPSTREAM_BACKUP.
func TestNewRefuses(t *testing.T) {
	tests := []struct {
		m    Method
		ss   []Server
		want string
	}{
		{RoundRobin, nil, "no servers"},
		{RoundRobin, []Server{{Addr: "x", Backup: true}}, "no servers"},
		{RoundRobin, []Server{{Addr: "a", Weight: -1}}, "weight=-1"},
		{RoundRobin, []Server{{Addr: "a", MaxFails: -2}}, "max_fails=-2"},
		{RoundRobin, []Server{{Addr: "a", FailTimeout: 1500 * time.Millisecond}}, "whole seconds"},
		{RoundRobin, []Server{{Addr: ""}}, "empty address"},
		{IPHash, []Server{{Addr: "a"}, {Addr: "x", Backup: true}}, `ip_hash does not support parameter "backup"`},
		{HashConsistent, []Server{{Addr: "a"}, {Addr: "x", Backup: true}}, `does not support parameter "backup"`},
		{Random, []Server{{Addr: "a"}}, "random source"},
		{Method(99), []Server{{Addr: "a"}}, "unknown method"},
	}
	for _, tc := range tests {
		_, err := New(tc.m, tc.ss, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: got %v, want an error with %q", tc.m, tc.ss, err, tc.want)
		}
	}
	if _, err := New(LeastConn, []Server{{Addr: "a"}, {Addr: "x", Backup: true}}, nil); err != nil {
		t.Errorf("least_conn with backup: %v", err)
	}
}
