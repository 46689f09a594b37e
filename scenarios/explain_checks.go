package scenarios

import "github.com/vrrpsim/vrrpsim/model/lb/check"

// ExplainCheck is one health checker of a virtual_server and the bounds
// the detection calculator (model/lb/check bounds.go, check.Predict)
// gives for one way its real server can fail: from the failure to the
// removal, from the recovery to the re-add. Answered probes are taken as
// instant (rtt 0): a run's LAN adds its round trips.
type ExplainCheck struct {
	Node         string `json:"node"`
	Service      string `json:"virtual_server"`
	Checker      string `json:"checker"`
	Failure      string `json:"failure"`
	RemoveBest   Secs   `json:"remove_best"`
	RemoveWorst  Secs   `json:"remove_worst"`
	FailedProbes int    `json:"failed_probes"`
	ReAddBest    Secs   `json:"readd_best"`
	ReAddWorst   Secs   `json:"readd_worst"`
	GoodProbes   int    `json:"good_probes"`
}

// explainFailures are the ways a real server fails, in check's order.
var explainFailures = []check.Failure{check.FailRefuse, check.FailBlackhole, check.FailSlow, check.FailStatus, check.FailScript}

// explainChecks lists, for every checker of every director, the failures
// it notices and how fast; the ones it never notices are left out.
func explainChecks(sc *Scenario) ([]ExplainCheck, error) {
	var out []ExplainCheck
	for _, n := range sc.Nodes {
		for _, vs := range n.VirtualServers {
			if !vs.hasChecks() {
				continue
			}
			name := (&World{}).serviceName(vs)
			cfg := sc.checkConfig(name, vs)
			for ri, rs := range vs.Reals {
				for ci := range rs.Health.Checkers {
					for _, f := range explainFailures {
						b, err := check.Predict(cfg, ri, ci, f, 0)
						if err != nil {
							return nil, err
						}
						if !b.Detected {
							continue
						}
						out = append(out, ExplainCheck{Node: n.Name, Service: name, Checker: b.Checker, Failure: f.String(),
							RemoveBest: Secs(b.RemoveBest), RemoveWorst: Secs(b.RemoveWorst), FailedProbes: b.FailedProbes,
							ReAddBest: Secs(b.ReAddBest), ReAddWorst: Secs(b.ReAddWorst), GoodProbes: b.GoodProbes})
					}
				}
			}
		}
	}
	return out, nil
}
