package sched

// wrr is weighted round-robin (ip_vs_wrr.c), struct ip_vs_wrr_mark: cl
// is the entry picked last or the list head (-1 here, an index into
// svc.Dests otherwise), cw the current weight, mw the maximum weight
// less (di - 1), di the gcd of the positive weights. Each pass walks the
// list for destinations whose weight reaches cw, then lowers cw by di.
type wrr struct {
	cl, cw, mw, di int
}

func init() { register("wrr", func(Rand) Scheduler { return &wrr{} }) }

func (s *wrr) Name() string { return "wrr" }

// Init follows ip_vs_wrr_init_svc.
func (s *wrr) Init(svc *Service) {
	s.cl = -1
	s.di = wrrGCD(svc)
	s.mw = wrrMaxWeight(svc) - (s.di - 1)
	s.cw = s.mw
}

// AddDest, DelDest and UpdDest are all ip_vs_wrr_dest_changed.
func (s *wrr) AddDest(svc *Service, _ *Dest)        { s.changed(svc) }
func (s *wrr) DelDest(svc *Service, _ *Dest, _ int) { s.changed(svc) }
func (s *wrr) UpdDest(svc *Service, _ *Dest)        { s.changed(svc) }

// changed follows ip_vs_wrr_dest_changed: the walk restarts from the
// head; cw is kept, but capped at the new mw (or set to it when 0) and
// otherwise rounded down to a multiple of di, plus one.
func (s *wrr) changed(svc *Service) {
	s.cl = -1
	s.di = wrrGCD(svc)
	s.mw = wrrMaxWeight(svc) - (s.di - 1)
	if s.cw > s.mw || s.cw == 0 {
		s.cw = s.mw
	} else if s.di > 1 {
		s.cw = (s.cw/s.di)*s.di + 1
	}
}

// wrrGCD is ip_vs_wrr_gcd_weight: the gcd of the positive weights, 1 if
// there are none.
func wrrGCD(svc *Service) int {
	g := 0
	for _, d := range svc.Dests {
		if w := d.Weight; w > 0 {
			if g > 0 {
				g = gcd(w, g)
			} else {
				g = w
			}
		}
	}
	if g == 0 {
		return 1
	}
	return g
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// wrrMaxWeight is ip_vs_wrr_max_weight (overloaded destinations count).
func wrrMaxWeight(svc *Service) int {
	m := 0
	for _, d := range svc.Dests {
		if d.Weight > m {
			m = d.Weight
		}
	}
	return m
}

// Schedule follows ip_vs_wrr_schedule. From the entry after cl to the
// end of the list it looks for a destination, not overloaded, whose
// weight reaches cw; at the end cw drops by di and the walk starts again
// from the head. When cw falls to 0 it wraps to mw; the walk gives up
// once every destination has been tried at the last pass (cw <= di): a
// second wrap, a wrap when the walk started at the head, or, after a
// wrap, reaching cl again on the last pass ("stop").
func (s *wrr) Schedule(svc *Service, _ *Request) *Dest {
	if s.mw == 0 { // no destination with a positive weight
		return nil
	}
	last, stop := s.cl, -2 // -2: no stop entry (-1 is the head)
	lastPass, restarted := false, false
	i := s.cl
	for {
		for i++; i < len(svc.Dests); i++ {
			d := svc.Dests[i]
			if !d.Overloaded && d.Weight >= s.cw {
				s.cl = i
				return d
			}
			if i == stop {
				s.cl = i
				return nil
			}
		}
		i = -1 // at the head
		s.cw -= s.di
		if s.cw <= 0 {
			s.cw = s.mw
			if lastPass || last == -1 {
				s.cl = -1
				return nil
			}
			restarted = true
		}
		lastPass = s.cw <= s.di
		if lastPass && restarted && last != -1 {
			stop = last
		}
	}
}
