package sched

// ovf is overflow-connection (ip_vs_ovf.c): the highest-weight
// destination takes connections until its active connections exceed its
// weight, then the next one in weight order does.
type ovf struct{ noState }

func init() { register("ovf", func(Rand) Scheduler { return ovf{} }) }

func (ovf) Name() string { return "ovf" }

// Schedule follows ip_vs_ovf_schedule: skip overloaded, quiesced and
// full destinations (activeconns > weight: a destination still takes one
// when active == weight); the highest weight wins, the first in the list
// on a tie. Inactive connections do not count.
func (ovf) Schedule(svc *Service, _ *Request) *Dest { return highestWeight(svc, true) }
