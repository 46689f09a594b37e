package sched

// fo is weighted fail-over (ip_vs_fo.c): every new connection goes to the
// destination with the highest weight that is not overloaded.
type fo struct{ noState }

func init() { register("fo", func(Rand) Scheduler { return fo{} }) }

func (fo) Name() string { return "fo" }

// Schedule follows ip_vs_fo_schedule: strictly greater weight replaces,
// so among equal weights the first in the list (the newest) wins, and a
// weight of 0 never does.
func (fo) Schedule(svc *Service, _ *Request) *Dest { return highestWeight(svc, false) }

// highestWeight is the walk of ip_vs_fo_schedule and ip_vs_ovf_schedule:
// the first destination of the highest weight (> 0) not overloaded; ovf
// also passes over one whose active connections exceed its weight.
// (ovf's "!h || w > hw" is "w > hw" once weight 0 is skipped.)
func highestWeight(svc *Service, capByActive bool) *Dest {
	var best *Dest
	hw := 0
	for _, d := range svc.Dests {
		if d.Overloaded || capByActive && d.Active > d.Weight {
			continue
		}
		if d.Weight > hw {
			best, hw = d, d.Weight
		}
	}
	return best
}
