package sched

// twos is power-of-two-choices (ip_vs_twos.c): draw two destinations at
// random, each with probability proportional to its weight, and take the
// one with less connection overhead per weight. It draws from the run's
// seeded stream, so a run is reproducible; the kernel's own draws are
// not, so its picks match the kernel's only in distribution.
type twos struct {
	noState
	rnd Rand
}

func init() { register("twos", func(r Rand) Scheduler { return &twos{rnd: r} }) }

func (s *twos) Name() string { return "twos" }
func (s *twos) drawsRandom() {}

// Schedule follows ip_vs_twos_schedule. total is the sum of the usable
// weights (not overloaded, weight > 0) plus one; r1 and r2 are drawn
// below total with get_random_u32_below; walking the usable destinations
// and subtracting each weight, choice 1 (2) is the first where r1 (r2)
// reaches <= 0. Because r can be 0 the first usable destination gets one
// extra chance in total. Choice 2 replaces choice 1 when
// weight2*overhead1 > weight1*overhead2, computed in 32-bit int as the
// kernel does (it wraps for huge counters; Linux builds with
// -fno-strict-overflow).
func (s *twos) Schedule(svc *Service, _ *Request) *Dest {
	total := 0
	var choice1 *Dest
	for _, d := range svc.Dests {
		if !d.Overloaded && d.Weight > 0 {
			total += d.Weight
			choice1 = d // only to tell "no destination available"
		}
	}
	if choice1 == nil {
		return nil
	}
	total++
	r1 := int(randomBelow(s.rnd, uint32(total)))
	r2 := int(randomBelow(s.rnd, uint32(total)))

	var choice2 *Dest
	w1, w2 := int32(-1), int32(-1)
	var oh1, oh2 int32
	for _, d := range svc.Dests {
		if d.Overloaded || d.Weight <= 0 {
			continue
		}
		r1 -= d.Weight
		r2 -= d.Weight
		if r1 <= 0 && w1 == -1 {
			choice1, w1, oh1 = d, int32(d.Weight), int32(connOverhead(d))
		}
		if r2 <= 0 && w2 == -1 {
			choice2, w2, oh2 = d, int32(d.Weight), int32(connOverhead(d))
		}
		if w1 != -1 && w2 != -1 {
			break
		}
	}
	if choice2 != nil && w2*oh1 > w1*oh2 {
		choice1 = choice2
	}
	return choice1
}

// randomBelow is the kernel's __get_random_u32_below (drivers/char/
// random.c): a uniform value in [0, ceil) by Lemire's multiply-shift, the
// low half of the product compared with 2^32 mod ceil to reject the few
// draws that would bias it. ceil 0 returns the raw draw.
func randomBelow(r Rand, ceil uint32) uint32 {
	x := r.Uint32()
	if ceil == 0 {
		return x
	}
	mult := uint64(ceil) * uint64(x)
	if uint32(mult) < ceil {
		bound := -ceil % ceil
		for uint32(mult) < bound {
			mult = uint64(ceil) * uint64(r.Uint32())
		}
	}
	return uint32(mult >> 32)
}
