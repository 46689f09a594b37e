package sched

// rr is round-robin (ip_vs_rr.c). The kernel's cursor, svc->sched_data,
// points at the list entry picked last or at the list head; here it is
// that entry's index in svc.Dests, -1 for the head.
type rr struct {
	cur int
}

func init() { register("rr", func(Rand) Scheduler { return &rr{} }) }

func (s *rr) Name() string { return "rr" }

// Init: ip_vs_rr_init_svc starts the cursor at the head.
func (s *rr) Init(*Service) { s.cur = -1 }

// AddDest: the new entry goes in front of the one the cursor points at,
// so that entry's index grows by one (the kernel's pointer stays put).
func (s *rr) AddDest(_ *Service, _ *Dest) {
	if s.cur >= 0 {
		s.cur++
	}
}

// DelDest follows ip_vs_rr_del_dest: when the cursor's entry goes, the
// cursor steps back to its predecessor (p->next->prev), possibly the
// head, so the next pick is the entry that followed the removed one.
func (s *rr) DelDest(_ *Service, _ *Dest, idx int) {
	if s.cur >= idx {
		s.cur--
	}
}

func (s *rr) UpdDest(*Service, *Dest) {}

// Schedule follows ip_vs_rr_schedule: walk on from the entry after the
// cursor, wrapping past the head, and take the first destination that is
// neither overloaded nor quiesced; the cursor's own entry is tried last.
func (s *rr) Schedule(svc *Service, _ *Request) *Dest {
	n := len(svc.Dests)
	for k := 1; k <= n; k++ {
		i := s.cur + k
		if i >= n {
			i -= n
		}
		if d := svc.Dests[i]; !d.Overloaded && d.Weight > 0 {
			s.cur = i
			return d
		}
	}
	return nil
}
