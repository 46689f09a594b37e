package sched

import (
	"math/rand/v2"
	"testing"
)

// seqRand hands out the given draws in order and counts them.
type seqRand struct {
	draws []uint32
	n     int
}

func (r *seqRand) Uint32() uint32 {
	v := r.draws[r.n%len(r.draws)]
	r.n++
	return v
}

// drawFor returns a 32-bit draw that get_random_u32_below(ceil) turns
// into k: the product ceil*x lands in the middle of [k<<32, (k+1)<<32),
// so its low half is far above the rejection bound.
func drawFor(k, ceil uint32) uint32 {
	return uint32((uint64(2*k+1) << 31) / uint64(ceil))
}

// __get_random_u32_below: (ceil*x)>>32, redrawing while the low half of
// the product is below 2^32 mod ceil.
func TestRandomBelow(t *testing.T) {
	tests := []struct {
		ceil  uint32
		draws []uint32
		want  uint32
		used  int
	}{
		// 2^32 mod 10 = 6: x = 0 leaves low half 0 < 6, redraw; 2^31
		// gives 5<<32, low half 0 again, redraw; 2^31+1 gives low half 10.
		{10, []uint32{0, 0x80000000, 0x80000001}, 5, 3},
		{8, []uint32{0}, 0, 1}, // a power of two never redraws
		{8, []uint32{0xffffffff}, 7, 1},
		{7, []uint32{0xffffffff}, 6, 1},
		{0, []uint32{1234}, 1234, 1}, // ceil 0: the raw draw
	}
	for _, tt := range tests {
		r := &seqRand{draws: tt.draws}
		if got := randomBelow(r, tt.ceil); got != tt.want || r.n != tt.used {
			t.Errorf("randomBelow(%d) over %x: got %d after %d draws, want %d after %d", tt.ceil, tt.draws, got, r.n, tt.want, tt.used)
		}
	}
}

// ip_vs_twos_schedule with A 1, B 2, C 3 added in that order (list C B
// A): total = 6 + 1 = 7, r in [0, 6]. Walking C, B, A and subtracting
// weights, r 0..3 reach <= 0 at C, 4..5 at B, 6 at A. Choice 2 replaces
// choice 1 when weight2*overhead1 > weight1*overhead2.
func TestTwosPick(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(a, b, c *Dest)
		ceil   uint32 // total + 1 for the draws
		r1, r2 uint32
		want   string
	}{
		{"idle: choice 1 stays", nil, 7, 4, 6, "B"},
		// B has one active (256): 1*256 > 2*0, A is less loaded.
		{"choice 2 less loaded", func(a, b, c *Dest) { b.Active = 1 }, 7, 4, 6, "A"},
		// r = 3: 3-3 = 0 <= 0 stops at C.
		{"r at C's edge", nil, 7, 3, 3, "C"},
		// r = 0 also stops at C: the first usable dest gets one more
		// chance than its weight (4 of 7).
		{"r zero", func(a, b, c *Dest) { c.Active = 5 }, 7, 0, 0, "C"},
		// C overloaded: total = 3 + 1 = 4, the walk is B, A: r 2 -> B,
		// r 3 -> A.
		{"overloaded left out of the total", func(a, b, c *Dest) { c.Overloaded = true }, 4, 2, 3, "B"},
		// B: 1 active = 256 per 2, A: 300 inactive per 1: B wins.
		{"inactive counts 1/256", func(a, b, c *Dest) { b.Active, a.Inactive = 1, 300 }, 7, 6, 4, "B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, c := rs("A", 1), rs("B", 2), rs("C", 3)
			if tt.setup != nil {
				tt.setup(a, b, c)
			}
			r := &seqRand{draws: []uint32{drawFor(tt.r1, tt.ceil), drawFor(tt.r2, tt.ceil)}}
			svc := service(t, "twos", r, a, b, c)
			if got := picks(svc, 1, noBind); got != tt.want || r.n != 2 {
				t.Fatalf("got %s after %d draws, want %s after 2", got, r.n, tt.want)
			}
		})
	}
}

// The kernel multiplies weight2*overhead1 in int, which wraps (Linux is
// built with -fno-strict-overflow). A w 1 with 1000 active (overhead
// 256000) is choice 1, B w 65535 idle choice 2: 65535*256000 wraps to
// -402909184, not > 0, so the loaded A keeps the connection.
func TestTwosThirtyTwoBitProductWraps(t *testing.T) {
	a := counters(rs("A", 1), 1000, 0)
	b := rs("B", 65535)
	const total = 65535 + 1 + 1
	// List B A: r1 = 65536 passes B (1 left) and stops at A; r2 = 0 at B.
	r := &seqRand{draws: []uint32{drawFor(65536, total), drawFor(0, total)}}
	svc := service(t, "twos", r, a, b)
	if got := picks(svc, 1, noBind); got != "A" {
		t.Fatalf("got %s, want A", got)
	}
}

// With every overhead 0 choice 1 always stays, so the picks follow r1:
// C 4/7, B 2/7, A 1/7 (r = 0 lands on the first dest too).
func TestTwosDistribution(t *testing.T) {
	svc := service(t, "twos", rand.New(rand.NewPCG(1, 2)), rs("A", 1), rs("B", 2), rs("C", 3))
	count := map[string]int{}
	const n = 21000
	var r Request
	for range n {
		count[svc.Schedule(&r).Name]++
	}
	for name, want := range map[string]float64{"C": 4.0 / 7, "B": 2.0 / 7, "A": 1.0 / 7} {
		if got := float64(count[name]) / n; got < want-0.015 || got > want+0.015 {
			t.Errorf("%s: share %.3f, want %.3f", name, got, want)
		}
	}
}

// The same seed gives the same picks; another seed other ones.
func TestTwosFollowsItsStream(t *testing.T) {
	run := func(seed uint64) string {
		svc := service(t, "twos", rand.New(rand.NewPCG(seed, 7)), rs("A", 1), rs("B", 2), rs("C", 3))
		return picks(svc, 40, active)
	}
	if a, b := run(1), run(1); a != b {
		t.Fatalf("seed 1 twice:\n%s\n%s", a, b)
	}
	if a, b := run(1), run(2); a == b {
		t.Fatalf("seeds 1 and 2 gave the same 40 picks: %s", a)
	}
}

// Nothing usable: no draw, no pick.
func TestTwosNone(t *testing.T) {
	r := &seqRand{draws: []uint32{0}}
	svc := service(t, "twos", r, rs("A", 0), &Dest{Name: "B", Weight: 3, Overloaded: true})
	if got := picks(svc, 2, noBind); got != "- -" || r.n != 0 {
		t.Fatalf("got %q after %d draws, want \"- -\" after 0", got, r.n)
	}
}
