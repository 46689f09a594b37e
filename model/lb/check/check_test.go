package check

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// The fake world: each real server answers a probe by its state at the
// probe's start. up: after rtt, HTTP status 200 (or status); refuse:
// RST after rtt; blackhole: nothing, the probe times out.

const rtt = time.Millisecond

type srvState uint8

const (
	up srvState = iota
	refuse
	blackhole
	slow      // answers HTTP after connect_timeout: the probe times out reading
	badStatus // answers HTTP 503
)

type change struct {
	at    time.Duration
	state srvState
}

type fakeEnv struct {
	k      *sim.Kernel
	states map[netip.AddrPort][]change // by time, ascending
	status int                         // HTTP status when up; 0: 200
	log    []string                    // "T cmd rs weight" IPVS commands
	notes  []string                    // "T event reason" trace notes
	probes []string
	starts []sim.Time // when each probe (or MISC_CHECK run) started
	cmds   []ipvsAt
}

type ipvsAt struct {
	at  sim.Time
	cmd Cmd
	w   int
}

func newFake(seed uint64) *fakeEnv {
	return &fakeEnv{k: sim.New(seed), states: map[netip.AddrPort][]change{}}
}

func (f *fakeEnv) Now() sim.Time                     { return f.k.Now() }
func (f *fakeEnv) NewTimer(fn func()) sim.Resettable { return f.k.NewTimer(fn) }
func (f *fakeEnv) Stream(name string) *rand.Rand     { return f.k.Stream(name) }

func (f *fakeEnv) state(rs netip.AddrPort) srvState {
	st := up
	for _, c := range f.states[rs] {
		if time.Duration(f.k.Now()) >= c.at {
			st = c.state
		}
	}
	return st
}

func (f *fakeEnv) Probe(req ProbeRequest, done func(ProbeResult)) func() {
	f.probes = append(f.probes, fmt.Sprintf("%s %s", secs(f.k.Now()), req.Checker))
	f.starts = append(f.starts, f.k.Now())
	cancelled := false
	d, res := rtt, ProbeResult{}
	switch f.state(req.To) {
	case up:
		if req.HTTP {
			res.Status = 200
			if f.status != 0 {
				res.Status = f.status
			}
			d += time.Duration(req.TLSRoundTrips) * rtt
		}
	case refuse:
		res.Outcome = ProbeRefused
	case blackhole:
		d, res.Outcome = req.Timeout, ProbeTimeout
	case slow:
		if req.HTTP {
			d, res.Outcome = rtt+req.Timeout, ProbeTimeout
		}
	case badStatus:
		if req.HTTP {
			res.Status = 503
		}
	}
	f.k.After(d, func() {
		if !cancelled {
			done(res)
		}
	})
	return func() { cancelled = true }
}

func (f *fakeEnv) IPVS(cmd Cmd, rs netip.AddrPort, w int) {
	f.log = append(f.log, fmt.Sprintf("%s %s %s %d", secs(f.k.Now()), cmd, rs.Addr(), w))
	f.cmds = append(f.cmds, ipvsAt{f.k.Now(), cmd, w})
}

func (f *fakeEnv) Trace(r sim.Record) {
	if strings.HasPrefix(r.Reason, "MISC_CHECK") {
		f.starts = append(f.starts, f.k.Now()) // a script takes no time
	}
	f.notes = append(f.notes, fmt.Sprintf("%s %s %s", secs(f.k.Now()), r.Event, r.Reason))
}

func secs(t sim.Time) string { return fmt.Sprintf("%.3f", float64(t)/1e9) }

var (
	rs1 = netip.MustParseAddrPort("10.0.0.11:80")
	rs2 = netip.MustParseAddrPort("10.0.0.12:80")
	rs3 = netip.MustParseAddrPort("10.0.0.13:80")
)

func sec(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// timing is (delay_loop, connect_timeout, retry, delay_before_retry),
// warmup 0 so the first probe is at 1 s.
func timing(loop, timeout float64, retry int, dbr float64) Timing {
	return Timing{DelayLoop: Some(sec(loop)), ConnectTimeout: Some(sec(timeout)), Retry: Some(retry),
		DelayBeforeRetry: Some(sec(dbr)), Warmup: Some(time.Duration(0))}
}

func run(t *testing.T, f *fakeEnv, cfg ServiceConfig, until float64) *Service {
	t.Helper()
	s, err := New(cfg, f)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	f.k.Run(sim.Time(sec(until)))
	return s
}

var (
	settingA = timing(6, 3, 3, 1)  // connect_timeout < delay_loop, three retries
	settingB = timing(5, 10, 1, 3) // connect_timeout > delay_loop, one retry
	httpURL  = []URL{{Path: "/"}}
)

// TestRemovalAndReAdd: when a real server that fails at 20 s and comes
// back at 60 s leaves and re-enters the IPVS table, for TCP_CHECK and
// HTTP_GET, a refusing and a black-holed server, at two settings. The
// derivations are in docs/checks.md; the rules:
//   - register_checkers_thread: first run at BOOTSTRAP_DELAY (1 s) with
//     warmup 0;
//   - every next run is timed from the end of the previous probe
//     (thread_add_timer in tcp_epilog / epilog);
//   - TCP_CHECK (tcp_epilog): retry+1 consecutive failures,
//     delay_before_retry apart, take it out; retries go on while down;
//     one success brings it back;
//   - HTTP_GET (epilog, timeout_epilog): retry+1 failures take it out,
//     then runs are max(delay_before_retry, delay_loop) apart; the first
//     success only clears failed_url, the second (delay_loop later)
//     brings it back.
func TestRemovalAndReAdd(t *testing.T) {
	for _, tc := range []struct {
		name    string
		kind    Kind
		setting Timing
		fault   srvState
		want    []string
	}{
		{"TCP_CHECK A refused", KindTCP, settingA, refuse, []string{"0.000 add 10.0.0.11 1", "28.008 remove 10.0.0.11 1", "61.021 add 10.0.0.11 1"}},
		{"TCP_CHECK A blackhole", KindTCP, settingA, blackhole, []string{"0.000 add 10.0.0.11 1", "40.004 remove 10.0.0.11 1", "67.005 add 10.0.0.11 1"}},
		{"TCP_CHECK B refused", KindTCP, settingB, refuse, []string{"0.000 add 10.0.0.11 1", "24.006 remove 10.0.0.11 1", "61.015 add 10.0.0.11 1"}},
		{"TCP_CHECK B blackhole", KindTCP, settingB, blackhole, []string{"0.000 add 10.0.0.11 1", "44.004 remove 10.0.0.11 1", "62.005 add 10.0.0.11 1"}},
		{"HTTP_GET A refused", KindHTTP, settingA, refuse, []string{"0.000 add 10.0.0.11 1", "28.008 remove 10.0.0.11 1", "70.015 add 10.0.0.11 1"}},
		{"HTTP_GET A blackhole", KindHTTP, settingA, blackhole, []string{"0.000 add 10.0.0.11 1", "40.004 remove 10.0.0.11 1", "70.006 add 10.0.0.11 1"}},
		{"HTTP_GET B refused", KindHTTP, settingB, refuse, []string{"0.000 add 10.0.0.11 1", "24.006 remove 10.0.0.11 1", "69.015 add 10.0.0.11 1"}},
		{"HTTP_GET B blackhole", KindHTTP, settingB, blackhole, []string{"0.000 add 10.0.0.11 1", "44.004 remove 10.0.0.11 1", "69.006 add 10.0.0.11 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(1)
			f.states[rs1] = []change{{sec(20), tc.fault}, {sec(60), up}}
			cfg := ServiceConfig{Name: "TCP 10.0.0.100:80", Timing: tc.setting,
				Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: []CheckerConfig{{Kind: tc.kind, URLs: httpURL}}}}}
			run(t, f, cfg, 100)
			if got := strings.Join(f.log, "\n"); got != strings.Join(tc.want, "\n") {
				t.Errorf("IPVS commands:\n%s\nwant:\n%s\nprobes: %v", got, strings.Join(tc.want, "\n"), f.probes)
			}
		})
	}
}

// TestDefaultsResolved: validate_check_config's fallbacks: retry 1 and
// delay_before_retry 1 s for TCP_CHECK, 3 s for HTTP_GET, retry 0 for
// MISC_CHECK; connect_timeout 5 s and delay_loop 60 s from the virtual
// server; warmup = delay_loop; a real server's setting beats the
// virtual server's, a checker's beats both.
func TestDefaultsResolved(t *testing.T) {
	for _, tc := range []struct {
		name string
		vs   Timing
		rs   Timing
		ck   CheckerConfig
		want string // loop timeout dbr warmup retry
	}{
		{"TCP defaults", Timing{}, Timing{}, CheckerConfig{Kind: KindTCP}, "1m0s 5s 1s 1m0s 1"},
		{"HTTP defaults", Timing{}, Timing{}, CheckerConfig{Kind: KindHTTP, URLs: httpURL}, "1m0s 5s 3s 1m0s 1"},
		{"MISC defaults", Timing{}, Timing{}, CheckerConfig{Kind: KindMisc}, "1m0s 5s 1s 1m0s 0"},
		{"vs delay_loop", Timing{DelayLoop: Some(6 * time.Second)}, Timing{}, CheckerConfig{Kind: KindTCP}, "6s 5s 1s 6s 1"},
		{"rs beats vs", Timing{Retry: Some(5)}, Timing{Retry: Some(2), ConnectTimeout: Some(time.Second)}, CheckerConfig{Kind: KindTCP}, "1m0s 1s 1s 1m0s 2"},
		{"checker beats rs", Timing{}, Timing{Retry: Some(2)}, CheckerConfig{Kind: KindTCP, Timing: Timing{Retry: Some(0), Warmup: Some(time.Duration(0))}}, "1m0s 5s 1s 0s 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(ServiceConfig{Name: "x", Timing: tc.vs, Reals: []RealConfig{{Addr: rs1, Weight: 1, Timing: tc.rs, Checkers: []CheckerConfig{tc.ck}}}}, newFake(1))
			if err != nil {
				t.Fatal(err)
			}
			l, to, dbr, w, r := s.Reals()[0].Checkers()[0].Settings()
			if got := fmt.Sprint(l, to, dbr, w, r); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestWarmup: register_checkers_thread starts a checker BOOTSTRAP_DELAY
// plus warmup*random()/RAND_MAX after start; warmup defaults to
// delay_loop, so first probes spread over [1 s, 1 s + delay_loop]; the
// draw comes from the checker's own seeded stream.
func TestWarmup(t *testing.T) {
	first := func(seed uint64, warm Opt[time.Duration]) (sim.Time, sim.Time) {
		f := newFake(seed)
		cfg := ServiceConfig{Name: "x", Timing: Timing{DelayLoop: Some(10 * time.Second), Warmup: warm},
			Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: []CheckerConfig{{Kind: KindTCP}}}, {Addr: rs2, Weight: 1, Checkers: []CheckerConfig{{Kind: KindTCP}}}}}
		run(t, f, cfg, 12)
		var at [2]sim.Time
		for i, p := range f.probes[:2] {
			var s float64
			fmt.Sscanf(p, "%f", &s)
			at[i] = sim.Time(sec(s))
		}
		return at[0], at[1]
	}
	a1, b1 := first(1, Opt[time.Duration]{})
	a2, b2 := first(1, Opt[time.Duration]{})
	if a1 != a2 || b1 != b2 {
		t.Errorf("same seed, different first probes: %v %v vs %v %v", a1, b1, a2, b2)
	}
	if a1 == b1 {
		t.Errorf("two checkers drew the same warmup %v", a1)
	}
	for _, at := range []sim.Time{a1, b1} {
		if at < sim.Time(time.Second) || at > sim.Time(11*time.Second) {
			t.Errorf("first probe at %v, want within [1 s, 11 s]", at)
		}
	}
	if a, b := first(1, Some(time.Duration(0))); a != sim.Time(time.Second) || b != a {
		t.Errorf("warmup 0: first probes at %v %v, want 1 s", a, b)
	}
}

// TestAlpha: with alpha a real server starts out of the table
// (validate_check_config marks the checker failed, init_service_rs
// skips it) and enters at its first good probe; one that never answers
// never enters. Without alpha the first failure is enough to remove it
// (retry_it starts at retry).
func TestAlpha(t *testing.T) {
	for _, tc := range []struct {
		name  string
		alpha bool
		fault srvState
		want  string
	}{
		{"alpha, healthy", true, up, "1.001 add 10.0.0.11 1"},
		{"alpha, refusing", true, refuse, ""},
		{"no alpha, refusing: first failure removes", false, refuse, "0.000 add 10.0.0.11 1\n1.001 remove 10.0.0.11 1"},
		{"no alpha, blackhole: removed at the first timeout", false, blackhole, "0.000 add 10.0.0.11 1\n4.000 remove 10.0.0.11 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(1)
			f.states[rs1] = []change{{0, tc.fault}}
			tm := settingA
			tm.Alpha = Some(tc.alpha)
			run(t, f, ServiceConfig{Name: "x", Timing: tm, Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: []CheckerConfig{{Kind: KindTCP}}}}}, 10)
			wantLog(t, f, tc.want)
		})
	}
}

// TestInhibit: with inhibit_on_failure ipvs_cmd turns the removal into
// weight 0 and the re-add into an edit back to the weight.
func TestInhibit(t *testing.T) {
	f := newFake(1)
	f.states[rs1] = []change{{sec(20), refuse}, {sec(60), up}}
	run(t, f, ServiceConfig{Name: "x", Timing: settingA, Inhibit: true,
		Reals: []RealConfig{{Addr: rs1, Weight: 3, Checkers: []CheckerConfig{{Kind: KindTCP}}}}}, 100)
	want := "0.000 add 10.0.0.11 3\n28.008 weight 10.0.0.11 0\n61.021 weight 10.0.0.11 3"
	wantLog(t, f, want)
}

// TestTwoCheckers: update_svr_checker_state removes a real server at
// its first failing checker and re-adds it only when the last failed
// checker recovers (num_failed_checkers).
func TestTwoCheckers(t *testing.T) {
	f := newFake(1)
	tm := timing(1, 1, 0, 1)
	s, err := New(ServiceConfig{Name: "x", Timing: tm, Reals: []RealConfig{{Addr: rs1, Weight: 1,
		Checkers: []CheckerConfig{{Kind: KindMisc, MiscOK: true}, {Kind: KindMisc, MiscOK: true}}}}}, f)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	c := s.Reals()[0].Checkers()
	f.k.At(sim.Time(sec(2.5)), func() { c[0].miscStatus = 1 })
	f.k.At(sim.Time(sec(4.5)), func() { c[1].miscStatus = 1 })
	f.k.At(sim.Time(sec(6.5)), func() { c[0].miscStatus = 0 })
	f.k.At(sim.Time(sec(8.5)), func() { c[1].miscStatus = 0 })
	f.k.Run(sim.Time(sec(12)))
	want := "0.000 add 10.0.0.11 1\n3.000 remove 10.0.0.11 1\n9.000 add 10.0.0.11 1"
	wantLog(t, f, want)
}

// TestMiscRetry: misc_check_child_thread: failures while up use the
// retries at delay_before_retry; while down they are not counted, and
// the runs are delay_loop apart.
func TestMiscRetry(t *testing.T) {
	f := newFake(1)
	s, err := New(ServiceConfig{Name: "x", Timing: timing(10, 1, 2, 1), Reals: []RealConfig{{Addr: rs1, Weight: 1,
		Checkers: []CheckerConfig{{Kind: KindMisc, MiscOK: true}}}}}, f)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	f.k.At(sim.Time(sec(5)), func() { s.SetMisc(rs1, false) })
	f.k.At(sim.Time(sec(30)), func() { s.SetMisc(rs1, true) })
	f.k.Run(sim.Time(sec(50)))
	// runs: 1 ok, 11 fail (retry 1), 12 fail (retry 2), 13 fail: down;
	// 23 fail (down: not counted), 33 ok: up.
	want := "0.000 add 10.0.0.11 1\n13.000 remove 10.0.0.11 1\n33.000 add 10.0.0.11 1"
	wantLog(t, f, want)
}

// TestQuorumHysteresisSorry: update_quorum_state with quorum 2,
// hysteresis 1 over three servers of weight 1: quorum is lost below
// 2-1 = 1 (all down) and regained at 2+1 = 3; while it is lost the
// sorry server alone is in the table and recovering servers are only
// marked alive (perform_svr_state leaves the table alone); regaining
// removes the sorry server and re-adds every live server
// (perform_quorum_state).
func TestQuorumHysteresisSorry(t *testing.T) {
	f := newFake(1)
	misc := []CheckerConfig{{Kind: KindMisc, MiscOK: true}}
	s, err := New(ServiceConfig{Name: "x", Timing: timing(1, 1, 0, 1), Quorum: 2, Hysteresis: 1,
		QuorumUp: "/bin/up", QuorumDown: "/bin/down",
		Sorry: &SorryConfig{Addr: netip.MustParseAddrPort("10.0.0.50:80"), Weight: 1},
		Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: misc}, {Addr: rs2, Weight: 1, Checkers: misc}, {Addr: rs3, Weight: 1, Checkers: misc}}}, f)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	for _, ev := range []struct {
		at float64
		rs netip.AddrPort
		ok bool
	}{{1.5, rs1, false}, {2.5, rs2, false}, {3.5, rs3, false}, {4.5, rs1, true}, {5.5, rs2, true}, {6.5, rs3, true}} {
		f.k.At(sim.Time(sec(ev.at)), func() { s.SetMisc(ev.rs, ev.ok) })
	}
	f.k.Run(sim.Time(sec(8)))
	want := strings.Join([]string{
		"0.000 add 10.0.0.11 1", "0.000 add 10.0.0.12 1", "0.000 add 10.0.0.13 1",
		"2.000 remove 10.0.0.11 1", "3.000 remove 10.0.0.12 1",
		"4.000 remove 10.0.0.13 1", "4.000 add 10.0.0.50 1", // quorum lost: sum 0 < 1
		// 5.000 rs1 and 6.000 rs2 alive again, but 1 and 2 < 3: the sorry server stays
		"7.000 remove 10.0.0.50 1", "7.000 add 10.0.0.11 1", "7.000 add 10.0.0.12 1", "7.000 add 10.0.0.13 1",
	}, "\n")
	wantLog(t, f, want)
	var q []string
	for _, n := range f.notes {
		if strings.Contains(n, "quorum") {
			q = append(q, n)
		}
	}
	wantQ := "4.000 quorum_down weight=0 threshold=1 notify=/bin/down\n7.000 quorum_up weight=3 threshold=3 notify=/bin/up"
	if got := strings.Join(q, "\n"); got != wantQ {
		t.Errorf("quorum notes:\n%s\nwant\n%s", got, wantQ)
	}
}

// TestHTTPStatusAndDigest: http_handle_response fails a probe whose
// status is not in status_code (default 200-299) or whose body digest
// differs.
func TestHTTPStatusAndDigest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		url    URL
		want   string
	}{
		{"200 default ok", 200, URL{Path: "/"}, "0.000 add 10.0.0.11 1"},
		{"503 fails", 503, URL{Path: "/"}, "0.000 add 10.0.0.11 1\n1.001 remove 10.0.0.11 1"},
		{"301 listed", 301, URL{Path: "/", StatusCode: []StatusRange{{300, 399}}}, "0.000 add 10.0.0.11 1"},
		{"digest differs", 200, URL{Path: "/", HasDigest: true, Digest: [16]byte{1}}, "0.000 add 10.0.0.11 1\n1.001 remove 10.0.0.11 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(1)
			f.status = tc.status
			run(t, f, ServiceConfig{Name: "x", Timing: settingA, Reals: []RealConfig{{Addr: rs1, Weight: 1,
				Checkers: []CheckerConfig{{Kind: KindHTTP, URLs: []URL{tc.url}}}}}}, 5)
			wantLog(t, f, tc.want)
		})
	}
}

// TestSSLHandshakeRoundTrips: SSL_GET's probe asks for the TLS round
// trips (two, rtt each in the fake), so an alpha server enters after
// the handshake and the response: 1 s + 3 rtt.
func TestSSLHandshakeRoundTrips(t *testing.T) {
	f := newFake(1)
	tm := settingA
	tm.Alpha = Some(true)
	run(t, f, ServiceConfig{Name: "x", Timing: tm, Reals: []RealConfig{{Addr: rs1, Weight: 1,
		Checkers: []CheckerConfig{{Kind: KindSSL, URLs: httpURL}}}}}, 5)
	if want := "1.003 add 10.0.0.11 1"; strings.Join(f.log, "\n") != want {
		t.Errorf("got %v, want %s", f.log, want)
	}
}

func TestValidate(t *testing.T) {
	rs := func(ck CheckerConfig) ServiceConfig {
		return ServiceConfig{Name: "x", Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: []CheckerConfig{ck}}}}
	}
	for _, tc := range []struct {
		cfg  ServiceConfig
		want string
	}{
		{rs(CheckerConfig{Kind: KindTCP}), ""},
		{rs(CheckerConfig{Kind: KindHTTP}), "no url"},
		{rs(CheckerConfig{Kind: KindHTTP, URLs: []URL{{}}}), "without a path"},
		{rs(CheckerConfig{Kind: KindHTTP, URLs: []URL{{Path: "/", StatusCode: []StatusRange{{99, 200}}}}}), "status_code"},
		{rs(CheckerConfig{Kind: KindTCP, Timing: Timing{Retry: Some(-1)}}), "retry"},
		{rs(CheckerConfig{Kind: KindTCP, Timing: Timing{DelayLoop: Some(time.Duration(0))}}), "delay_loop"},
		{ServiceConfig{Name: "x", Quorum: -1}, "quorum"},
		{ServiceConfig{Name: "x", Reals: []RealConfig{{Addr: rs1, Weight: 70000}}}, "weight"},
	} {
		err := tc.cfg.Validate()
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// wantLog checks the IPVS commands, one "T CMD ADDR WEIGHT" per line.
func wantLog(t *testing.T, f *fakeEnv, want string) {
	t.Helper()
	if got := strings.Join(f.log, "\n"); got != want {
		t.Errorf("IPVS commands:\n%s\nwant:\n%s\nprobes: %v", got, want, f.probes)
	}
}

// TestHTTPURLsAndFastRecovery: check_http.c epilog checks one URL per
// run, delay_loop apart; after a failure the failed URL passing only
// clears failed_url and every URL must pass again, so two URLs take
// three good probes to bring a server back (up at 76.016 instead of
// 70.015). fast_recovery runs the probes of a recovering checker back to
// back: up one round trip after the probe that cleared failed_url.
func TestHTTPURLsAndFastRecovery(t *testing.T) {
	for _, tc := range []struct {
		name string
		urls []URL
		fast bool
		want string
	}{
		{"one url", httpURL, false, "0.000 add 10.0.0.11 1\n28.008 remove 10.0.0.11 1\n70.015 add 10.0.0.11 1"},
		{"two urls", []URL{{Path: "/a"}, {Path: "/b"}}, false, "0.000 add 10.0.0.11 1\n28.008 remove 10.0.0.11 1\n76.016 add 10.0.0.11 1"},
		{"fast_recovery", httpURL, true, "0.000 add 10.0.0.11 1\n28.008 remove 10.0.0.11 1\n64.015 add 10.0.0.11 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(1)
			f.states[rs1] = []change{{sec(20), refuse}, {sec(60), up}}
			run(t, f, ServiceConfig{Name: "x", Timing: settingA, Reals: []RealConfig{{Addr: rs1, Weight: 1,
				Checkers: []CheckerConfig{{Kind: KindHTTP, URLs: tc.urls, FastRecovery: tc.fast}}}}}, 100)
			wantLog(t, f, tc.want)
		})
	}
}

// TestMiscDynamic: check_misc.c misc_check_child_thread with
// misc_dynamic: an exit status of 2..255 is up and sets the weight to
// status-2 (update_svr_wgt: an IPVS edit while the server is alive);
// 1 is a failure; without misc_dynamic 2..255 is a failure too.
func TestMiscDynamic(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dynamic bool
		want    string
	}{
		{"misc_dynamic", true, "0.000 add 10.0.0.11 1\n3.000 weight 10.0.0.11 5\n7.000 remove 10.0.0.11 5\n11.000 add 10.0.0.11 5"},
		{"plain", false, "0.000 add 10.0.0.11 1\n3.000 remove 10.0.0.11 1\n11.000 add 10.0.0.11 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(1)
			s, err := New(ServiceConfig{Name: "x", Timing: timing(2, 1, 0, 1), Reals: []RealConfig{{Addr: rs1, Weight: 1,
				Checkers: []CheckerConfig{{Kind: KindMisc, MiscOK: true, MiscDynamic: tc.dynamic}}}}}, f)
			if err != nil {
				t.Fatal(err)
			}
			s.Start()
			// runs at 1, 3, 5, 7, 9, 11 s
			f.k.At(sim.Time(sec(2)), func() { s.SetMiscStatus(rs1, 7) })
			f.k.At(sim.Time(sec(6)), func() { s.SetMiscStatus(rs1, 1) })
			f.k.At(sim.Time(sec(10)), func() { s.SetMiscStatus(rs1, 0) })
			f.k.Run(sim.Time(sec(12)))
			wantLog(t, f, tc.want)
		})
	}
}

// BenchmarkPredict: the calculator replays a few dozen epilogs; explain
// calls it per checker and failure.
func BenchmarkPredict(b *testing.B) {
	cfg := ServiceConfig{Name: "x", Timing: settingA, Reals: []RealConfig{{Addr: rs1, Weight: 1, Checkers: []CheckerConfig{{Kind: KindHTTP, URLs: httpURL}}}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Predict(cfg, 0, 0, FailBlackhole, rtt); err != nil {
			b.Fatal(err)
		}
	}
}
