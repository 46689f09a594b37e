package sched

// ovf is overflow-connection (ip_vs_ovf.c): the highest-weight
// destination takes connections until its active connections exceed its
// weight, then the next one in weight order does.
type ovf struct{}

func init() { register("ovf", func(Rand) Scheduler { return ovf{} }) }

func (ovf) Name() string                 { return "ovf" }
func (ovf) Init(*Service)                {}
func (ovf) AddDest(*Service, *Dest)      {}
func (ovf) DelDest(*Service, *Dest, int) {}
func (ovf) UpdDest(*Service, *Dest)      {}

// Schedule follows ip_vs_ovf_schedule: skip overloaded, quiesced and
// full destinations (activeconns > weight: a destination still takes one
// when active == weight); the highest weight wins, the first in the list
// on a tie. Inactive connections do not count.
func (ovf) Schedule(svc *Service, _ *Request) *Dest {
	var best *Dest
	hw := 0
	for _, d := range svc.Dests {
		w := d.Weight
		if d.Overloaded || d.Active > w || w == 0 {
			continue
		}
		if best == nil || w > hw {
			best, hw = d, w
		}
	}
	return best
}
