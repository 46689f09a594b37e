package upstream

import (
	"testing"
	"time"
)

// TestMaxFailsFailTimeout follows ngx_http_upstream_free_round_robin_peer
// and the availability test of ngx_http_upstream_get_peer on one server
// a (max_fails 2, fail_timeout 10 s; seconds as ngx_time()):
//   - a failure sets fails++ and accessed = checked = now;
//   - a is out while fails >= max_fails and now - checked <= 10;
//   - the first pick after that (now - checked > 10) sets checked = now:
//     the probe, and the others stay out for another fail_timeout;
//   - a good try clears fails only if accessed < checked, i.e. after a
//     check later than the last failure.
func TestMaxFailsFailTimeout(t *testing.T) {
	type op struct {
		at   time.Duration
		do   string // "fail", "ok": a try on a ending so; "pick": a try left open; "free": end the open try well
		out  bool   // a unavailable just after
		fail int    // a's fails just after
	}
	s := time.Second
	tests := []struct {
		name string
		ops  []op
	}{
		{"two failures take it out for fail_timeout", []op{
			{0, "fail", false, 1},
			{3 * s, "fail", true, 2},    // out: 3-3 <= 10
			{13 * s, "", true, 2},       // 13-3 = 10 <= 10: still out
			{13*s + 900e6, "", true, 2}, // the same second
			{14 * s, "", false, 2},      // 14-3 = 11 > 10: eligible again, fails still 2
		}},
		{"one probe: the others wait while it runs", []op{
			{0, "fail", false, 1},
			{0, "fail", true, 2},
			{11 * s, "pick", true, 2},  // the probe: checked = 11, out again for the rest
			{15 * s, "free", false, 0}, // it answers: accessed 0 < checked 11, fails cleared
		}},
		{"a failed probe: out for another fail_timeout", []op{
			{0, "fail", false, 1},
			{0, "fail", true, 2},
			{11 * s, "fail", true, 3}, // checked = accessed = 11
			{21 * s, "", true, 3},
			{22 * s, "", false, 3},
		}},
		{"a success right after a failure does not clear it", []op{
			{0, "fail", false, 1},
			{5 * s, "ok", false, 1}, // accessed 0 == checked 0: kept
			{6 * s, "fail", true, 2},
		}},
		{"failures more than fail_timeout apart, with a try between", []op{
			{0, "fail", false, 1},
			{11 * s, "ok", false, 0}, // the pick at 11 checked it: cleared
			{12 * s, "fail", false, 1},
		}},
		{"failures more than fail_timeout apart, no try between, add up", []op{
			{0, "fail", false, 1},
			{30 * s, "fail", true, 2},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// b keeps the upstream from being single (single counts no
			// failures); least_conn with b loaded always prefers a.
			u := servers(t, LeastConn, Server{Addr: "a", MaxFails: 2}, Server{Addr: "b"})
			a, b := &u.Peers()[0], &u.Peers()[1]
			b.Conns = 1000
			var r Request
			for i, o := range tc.ops {
				switch o.do {
				case "fail", "ok", "pick":
					u.Begin(&r, client, "")
					p, err := u.Get(&r, o.at)
					if err != nil || p != a {
						t.Fatalf("op %d at %v: got %v %v, want a", i, o.at, p, err)
					}
					if o.do != "pick" {
						u.Free(&r, o.do == "fail", o.at)
					}
				case "free":
					u.Free(&r, false, o.at)
				}
				if got := a.Unavailable(o.at); got != o.out {
					t.Errorf("op %d at %v: unavailable got %v, want %v", i, o.at, got, o.out)
				}
				if a.Fails != o.fail {
					t.Errorf("op %d at %v: fails got %d, want %d", i, o.at, a.Fails, o.fail)
				}
			}
		})
	}
}

// TestMaxFailsOff: max_fails=0 never takes the server out
// (peer->max_fails is 0 in every availability test).
func TestMaxFailsOff(t *testing.T) {
	u := servers(t, RoundRobin, Server{Addr: "a", MaxFails: MaxFailsOff}, Server{Addr: "b"})
	a := &u.Peers()[0]
	var r Request
	for range 5 {
		u.Begin(&r, client, "")
		u.Get(&r, 0)
		u.Free(&r, true, 0)
	}
	if a.Unavailable(0) || a.EffectiveWeight != a.Weight {
		t.Errorf("max_fails=0: unavailable %v eff %d, want false %d", a.Unavailable(0), a.EffectiveWeight, a.Weight)
	}
}
