package sched

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// Helpers of the tests of sched.go and of the list schedulers (rr, wrr,
// lc, wlc, sed, nq, fo, ovf, twos).

// rs returns a real server called name (one capital letter) at
// 10.1.0.<letter>:80 with weight w.
func rs(name string, w int) *Dest {
	a := netip.AddrFrom4([4]byte{10, 1, 0, name[0]})
	return &Dest{Name: name, Addr: netip.AddrPortFrom(a, 80), Weight: w}
}

// service returns a service scheduled by name, with ds added in the order
// given (ipvsadm -a order), so that svc.Dests reads in reverse.
func service(t testing.TB, name string, rnd Rand, ds ...*Dest) *Service {
	t.Helper()
	s, err := New(name, rnd)
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(s, 0)
	for _, d := range ds {
		if err := svc.Add(d); err != nil {
			t.Fatal(err)
		}
	}
	return svc
}

// connMode says what happens to a picked destination's counters.
type connMode int

const (
	noBind   connMode = iota // counters untouched
	inactive                 // bound, stays SYN_RECV (a SYN burst)
	active                   // bound, then ESTABLISHED at once
)

// picks schedules n new connections and returns the picked names joined
// by spaces, "-" for no destination.
func picks(svc *Service, n int, mode connMode) string {
	out := make([]string, 0, n)
	var r Request
	for range n {
		d := svc.Schedule(&r)
		if d == nil {
			out = append(out, "-")
			continue
		}
		out = append(out, d.Name)
		if mode != noBind {
			Bind(d)
		}
		if mode == active {
			Activate(d)
		}
	}
	return strings.Join(out, " ")
}

func names(ds []*Dest) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return strings.Join(out, " ")
}

// __ip_vs_update_dest links a new destination with list_add_rcu: at the
// head, so the list is newest first.
func TestServiceAddLinksNewestFirst(t *testing.T) {
	svc := service(t, "rr", nil, rs("A", 1), rs("B", 2), rs("C", 3))
	if got, want := names(svc.Dests), "C B A"; got != want {
		t.Fatalf("list: got %q, want %q", got, want)
	}
	for _, d := range svc.Dests {
		if !d.Available || d.LastWeight != d.Weight {
			t.Errorf("%s: Available %v LastWeight %d, want true and %d", d.Name, d.Available, d.LastWeight, d.Weight)
		}
	}
}

func TestServiceAddRejects(t *testing.T) {
	svc := service(t, "rr", nil, rs("A", 1))
	other := service(t, "rr", nil)
	dup := rs("B", 1)
	dup.Addr = svc.Dests[0].Addr
	tests := []struct {
		name string
		svc  *Service
		d    *Dest
		want string
	}{
		{"same address", svc, dup, "address 10.1.0.65:80 already used by A"},
		{"already in a service", other, svc.Dests[0], "already in a service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.svc.Add(tt.d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

// __ip_vs_unlink_dest clears IP_VS_DEST_F_AVAILABLE and unlinks; the
// counters stay with the destination until its connections expire.
func TestServiceRemoveKeepsCounters(t *testing.T) {
	a, b, c := rs("A", 1), rs("B", 1), rs("C", 1)
	svc := service(t, "rr", nil, a, b, c)
	Bind(b)
	Activate(b)
	if !svc.Remove(b) {
		t.Fatal("Remove(B) = false")
	}
	if got, want := names(svc.Dests), "C A"; got != want {
		t.Errorf("list: got %q, want %q", got, want)
	}
	if b.Available || b.Active != 1 {
		t.Errorf("removed B: Available %v Active %d, want false and 1", b.Available, b.Active)
	}
	if svc.Remove(b) {
		t.Error("second Remove(B) = true, want false")
	}
	if err := svc.Add(b); err != nil {
		t.Fatalf("re-adding B: %v", err)
	}
	if got, want := names(svc.Dests), "B C A"; got != want {
		t.Errorf("after re-adding: got %q, want %q", got, want)
	}
}

// dest->last_weight keeps the latest non-zero weight.
func TestServiceSetWeightKeepsLastWeight(t *testing.T) {
	a := rs("A", 4)
	svc := service(t, "rr", nil, a)
	for _, step := range []struct{ w, last int }{{0, 4}, {2, 2}, {0, 2}, {7, 7}} {
		svc.SetWeight(a, step.w)
		if a.Weight != step.w || a.LastWeight != step.last {
			t.Fatalf("SetWeight(%d): weight %d last %d, want %d and %d", step.w, a.Weight, a.LastWeight, step.w, step.last)
		}
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		rnd  Rand
		want string
	}{
		{"wlcx", nil, `unknown scheduler "wlcx"; valid: rr, wrr, lc`},
		{"twos", nil, "needs the run's random stream"},
	}
	for _, tt := range tests {
		if _, err := New(tt.name, tt.rnd); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%q): got %v, want an error with %q", tt.name, err, tt.want)
		}
	}
}

// Every registered scheduler is one ipvsadm knows, and says its name.
func TestRegisteredNames(t *testing.T) {
	mine := []string{"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos"}
	for name := range registry {
		if !slices.Contains(Names, name) {
			t.Errorf("registered %q is not in Names", name)
		}
	}
	for _, name := range mine {
		s, err := New(name, fixedRand{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Name() != name {
			t.Errorf("New(%q).Name() = %q", name, s.Name())
		}
	}
}

// fixedRand draws the same value every time.
type fixedRand struct{ v uint32 }

func (r fixedRand) Uint32() uint32 { return r.v }

// ip_vs_bind_dest sets IP_VS_DEST_F_OVERLOAD when active+inactive reaches
// u_threshold; ip_vs_unbind_dest clears it below l_threshold when set,
// else below 3/4 of u_threshold (conns*4 < u*3), else at once.
func TestOverloadHysteresis(t *testing.T) {
	tests := []struct {
		name         string
		upper, lower int
		// overloaded after each of 10 binds, then after each of 10 unbinds
		binds, unbinds string
	}{
		// The 10th connection reaches u_threshold 10. Unbinding counts
		// 9, 8, 7...: 3/4 of 10 is 7.5, so the flag holds at 9 and 8
		// (32 < 30 is false) and clears at 7 (28 < 30).
		{"u10 l0", 10, 0, "---------O", "OO--------"},
		// l_threshold 5: the flag holds at 9..5 and clears at 4.
		{"u10 l5", 10, 5, "---------O", "OOOOO-----"},
		// no threshold: never set.
		{"none", 0, 0, "----------", "----------"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := rs("A", 1)
			d.UThreshold, d.LThreshold = tt.upper, tt.lower
			var binds, unbinds strings.Builder
			flag := func(b *strings.Builder) {
				if d.Overloaded {
					b.WriteByte('O')
				} else {
					b.WriteByte('-')
				}
			}
			for i := range 10 {
				Bind(d)
				if i%2 == 0 {
					Activate(d) // active and inactive count alike
				}
				flag(&binds)
			}
			for i := range 10 {
				Unbind(d, i%2 == 0 && d.Active > 0)
				flag(&unbinds)
			}
			if binds.String() != tt.binds || unbinds.String() != tt.unbinds {
				t.Fatalf("binds %s unbinds %s, want %s %s", binds.String(), unbinds.String(), tt.binds, tt.unbinds)
			}
			if d.Active != 0 || d.Inactive != 0 {
				t.Fatalf("counters %d/%d after all unbinds, want 0/0", d.Active, d.Inactive)
			}
		})
	}
}

// Templates go through ip_vs_bind_dest and ip_vs_unbind_dest too: they
// run the overload check and the hysteresis, but persistconns is not part
// of ip_vs_dest_totalconns.
func TestTemplatesRunTheOverloadCheck(t *testing.T) {
	d := rs("A", 1)
	d.UThreshold = 12
	for range 9 {
		Bind(d)
	}
	BindTemplate(d)
	if d.Overloaded || d.Persist != 1 {
		t.Fatalf("9 conns + 1 template under u 12: overloaded %v persist %d, want false 1", d.Overloaded, d.Persist)
	}
	// Lowering u_threshold does not set the flag (__ip_vs_update_dest
	// only clears it); the next bind of anything does.
	SetThresholds(d, 9, 0)
	if d.Overloaded {
		t.Fatal("SetThresholds set the flag")
	}
	BindTemplate(d)
	if !d.Overloaded {
		t.Fatal("template bind with 9 conns >= u 9: not overloaded")
	}
	// 9*4 < 9*3 is false: the template's unbind keeps the flag.
	UnbindTemplate(d)
	if !d.Overloaded {
		t.Fatal("template unbind at 9 conns cleared the flag")
	}
	// l_threshold 10 > 9 conns: the next unbind, even a template's, clears.
	SetThresholds(d, 9, 10)
	UnbindTemplate(d)
	if d.Overloaded || d.Persist != 0 {
		t.Fatalf("template unbind under l 10: overloaded %v persist %d, want false 0", d.Overloaded, d.Persist)
	}
	UnbindTemplate(d)
	if d.Persist != 0 {
		t.Fatalf("persist went to %d", d.Persist)
	}
}

// __ip_vs_update_dest: "if (udest->u_threshold == 0 || udest->u_threshold
// > dest->u_threshold) dest->flags &= ~IP_VS_DEST_F_OVERLOAD".
func TestSetThresholdsClearsOnRaiseOrZero(t *testing.T) {
	tests := []struct {
		upper, lower int
		want         bool
	}{
		{20, 0, false}, // raised
		{10, 5, true},  // same upper: kept
		{5, 0, true},   // lowered: kept
		{0, 0, false},  // none
	}
	for _, tt := range tests {
		d := rs("A", 1)
		d.UThreshold, d.Overloaded = 10, true
		SetThresholds(d, tt.upper, tt.lower)
		if d.Overloaded != tt.want || d.UThreshold != tt.upper || d.LThreshold != tt.lower {
			t.Errorf("SetThresholds(%d, %d) from u 10: overloaded %v, want %v", tt.upper, tt.lower, d.Overloaded, tt.want)
		}
	}
}

// set_tcp_state moves a connection between the counters; they never go
// below zero whatever the caller does.
func TestCountersNeverNegative(t *testing.T) {
	d := rs("A", 1)
	Activate(d) // from no inactive connection
	if d.Active != 1 || d.Inactive != 0 {
		t.Fatalf("Activate on empty: %d/%d, want 1/0", d.Active, d.Inactive)
	}
	Deactivate(d)
	Deactivate(d)
	if d.Active != 0 || d.Inactive != 2 {
		t.Fatalf("two Deactivate: %d/%d, want 0/2", d.Active, d.Inactive)
	}
	Unbind(d, true)
	Unbind(d, false)
	Unbind(d, false)
	Unbind(d, false)
	if d.Active != 0 || d.Inactive != 0 {
		t.Fatalf("after unbinds: %d/%d, want 0/0", d.Active, d.Inactive)
	}
}

// listSchedulers are the schedulers that walk the list (this file's
// neighbours); the hashing ones have their own tests.
var listSchedulers = []string{"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos"}

// Weight 0 quiesces (every list scheduler skips weight 0: "weight > 0",
// "weight == 0 continue", or "weight > hw"), and a removed destination is
// out of the list (__ip_vs_unlink_dest). Either way it gets no new
// connection; the quiesced one stays listed and available, the removed
// one keeps its counters for its connections, and a weight set on it
// while removed reaches no scheduler.
func TestQuiescedVersusRemoved(t *testing.T) {
	for _, name := range listSchedulers {
		t.Run(name, func(t *testing.T) {
			a, b, c := rs("A", 2), rs("B", 9), rs("C", 3)
			svc := service(t, name, rand.New(rand.NewPCG(3, 4)), a, b, c)
			picks(svc, 6, active)
			if b.Active == 0 {
				t.Fatalf("B got nothing before the change: %d/%d/%d", a.Active, b.Active, c.Active)
			}
			held := b.Active

			svc.SetWeight(b, 0)
			if got := picks(svc, 12, active); strings.Contains(got, "B") {
				t.Fatalf("quiesced B picked: %s", got)
			}
			if names(svc.Dests) != "C B A" || !b.Available || b.Active != held {
				t.Fatalf("quiesced B: list %q available %v active %d, want C B A, true, %d", names(svc.Dests), b.Available, b.Active, held)
			}

			svc.SetWeight(b, 9)
			svc.Remove(b)
			svc.SetWeight(b, 9)
			if got := picks(svc, 12, active); strings.Contains(got, "B") {
				t.Fatalf("removed B picked: %s", got)
			}
			if names(svc.Dests) != "C A" || b.Available || b.Active != held {
				t.Fatalf("removed B: list %q available %v active %d, want C A, false, %d", names(svc.Dests), b.Available, b.Active, held)
			}
		})
	}
}
