package sched

// fo is weighted fail-over (ip_vs_fo.c): every new connection goes to the
// destination with the highest weight that is not overloaded.
type fo struct{}

func init() { register("fo", func(Rand) Scheduler { return fo{} }) }

func (fo) Name() string                 { return "fo" }
func (fo) Init(*Service)                {}
func (fo) AddDest(*Service, *Dest)      {}
func (fo) DelDest(*Service, *Dest, int) {}
func (fo) UpdDest(*Service, *Dest)      {}

// Schedule follows ip_vs_fo_schedule: strictly greater weight replaces,
// so among equal weights the first in the list (the newest) wins, and a
// weight of 0 never does.
func (fo) Schedule(svc *Service, _ *Request) *Dest {
	var best *Dest
	hw := 0
	for _, d := range svc.Dests {
		if !d.Overloaded && d.Weight > hw {
			best, hw = d, d.Weight
		}
	}
	return best
}
