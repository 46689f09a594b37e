package scenarios

// ExplainCheck is one health checker of a virtual_server and its
// predicted detection bounds (model/lb/check bounds.go).
type ExplainCheck struct {
	Node    string `json:"node"`
	Service string `json:"virtual_server"`
	Checker string `json:"checker"`
	Failure string `json:"failure"`
	// Detected false: this checker never notices this failure.
	Detected     bool `json:"detected"`
	RemoveBest   Secs `json:"remove_best"`
	RemoveWorst  Secs `json:"remove_worst"`
	FailedProbes int  `json:"failed_probes"`
	ReAddBest    Secs `json:"readd_best"`
	ReAddWorst   Secs `json:"readd_worst"`
	GoodProbes   int  `json:"good_probes"`
}

// explainChecks: not yet wired (needs the scenario's checker configs).
func explainChecks(sc *Scenario) ([]ExplainCheck, error) { return nil, nil }
