package main

import (
	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

// expectations converts the scenario's parsed expectations into the form
// reports evaluate (reports may not import scenarios: DESIGN.md).
func expectations(sc *scenarios.Scenario) []reports.Expectation {
	out := make([]reports.Expectation, 0, len(sc.Expect))
	for _, e := range sc.Expect {
		x := reports.Expectation{Text: e.String(), File: e.Pos.File, Line: e.Pos.Line, Col: e.Pos.Col,
			At: e.At, After: e.After, Within: e.Within, Flow: e.Flow, N: e.Count, D: e.Max, Instance: e.Instance}
		if e.AfterEvent >= 0 && e.AfterEvent < len(sc.Timeline) {
			x.AfterAt, x.HasAfterAt = sc.Timeline[e.AfterEvent].At, true
		}
		switch e.Kind {
		case scenarios.ExpectMaster:
			x.Kind = reports.ExpectMasterAt
			if e.After != "" {
				x.Kind = reports.ExpectMasterAfter
			}
			x.Master = map[string]string{}
			for _, m := range e.Master {
				x.Master[m.Instance] = m.Node
			}
		case scenarios.ExpectNoSplitBrain:
			x.Kind = reports.ExpectNoSplitBrain
		case scenarios.ExpectSplitBrainAtMost:
			x.Kind = reports.ExpectSplitBrainAtMost
		case scenarios.ExpectLostAtMost:
			x.Kind = reports.ExpectLostAtMost
		case scenarios.ExpectOutageAtMost:
			x.Kind = reports.ExpectOutageAtMost
		case scenarios.ExpectTransitionsAtMost:
			x.Kind = reports.ExpectTransitionsAtMost
		case scenarios.ExpectShare:
			x.Kind = reports.ExpectShare
			if e.Share != nil {
				x.Director, x.Service, x.Tolerance = e.Share.Director, e.Share.VirtualServer, e.Share.Tolerance
			}
		case scenarios.ExpectFailedAtMost:
			x.Kind = reports.ExpectFailedAtMost
		case scenarios.ExpectNoBypass:
			x.Kind = reports.ExpectNoBypass
		case scenarios.ExpectSurvive:
			x.Kind = reports.ExpectSurvive
			if e.Survive != nil {
				x.AtLeast, x.AtMost = e.Survive.AtLeast, e.Survive.AtMost
			}
		case scenarios.ExpectRemoved, scenarios.ExpectRestored:
			x.Kind, x.Real = reports.ExpectRemovedWithin, e.Real
			if e.Kind == scenarios.ExpectRestored {
				x.Kind = reports.ExpectRestoredWithin
			}
		case scenarios.ExpectARP:
			x.Kind = reports.ExpectARPPointsTo
			if e.ARP != nil {
				x.Host, x.IP, x.PointsTo = e.ARP.Host, e.ARP.IP, e.ARP.PointsTo
			}
		}
		out = append(out, x)
	}
	return out
}
