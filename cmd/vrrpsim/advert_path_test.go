package main

import (
	"bytes"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// unknownVRIDLine matches a golden-trace line of an unknown-VRID drop:
// one per advert with one event per port, one tally per interface at the
// end on the advert path.
var unknownVRIDLine = regexp.MustCompile(`(?m)^.* drop reason=vrrp_unknown_vrid(?: count=(\d+))?\n`)

// unknownVRIDs removes the unknown-VRID drop lines from a golden trace
// and returns the rest and the drops they stood for.
func unknownVRIDs(trace []byte) ([]byte, int) {
	n := 0
	for _, m := range unknownVRIDLine.FindAllSubmatch(trace, -1) {
		c := 1
		if len(m[1]) > 0 {
			c, _ = strconv.Atoi(string(m[1]))
		}
		n += c
	}
	return unknownVRIDLine.ReplaceAll(trace, nil), n
}

// TestAdvertPathKeepsEveryReport: the segments' advert path (model/lan
// advert.go: a flooded advert is a delivery event only for the ports that
// run its VRID) changes no report byte, no pcap byte and no trace line but
// the unknown-VRID drops, which become one tally per interface with the
// same total, on every built-in and on a LAN of 12 groups where each
// router drops 22 adverts a second; and every node keeps its ports'
// filters up to date through crashes, restarts, daemon stops and kills,
// reloads, freezes and link changes (verify mode).
func TestAdvertPathKeepsEveryReport(t *testing.T) {
	lan := benchLANScenario(t, 12, 40*time.Second)
	cases := []*scenarios.Scenario{lan}
	for _, name := range testedBuiltins(scenarios.BuiltinNames()) {
		sc, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, sc)
	}
	for _, sc := range cases {
		var rep, trace, pcap [2]bytes.Buffer
		var fired [2]uint64
		for i, path := range []bool{false, true} {
			res, err := simulate(sc, simOptions{noAdvertPath: !path, verifyFilters: path, golden: &trace[i], pcap: &pcap[i]})
			if err != nil {
				t.Fatalf("%s (advert path %v): %v", sc.Name, path, err)
			}
			if err := res.report.WriteJSON(&rep[i]); err != nil {
				t.Fatal(err)
			}
			fired[i] = res.fired
		}
		if !bytes.Equal(rep[0].Bytes(), rep[1].Bytes()) {
			t.Errorf("%s: the report differs with the advert path", sc.Name)
		}
		if !bytes.Equal(pcap[0].Bytes(), pcap[1].Bytes()) {
			t.Errorf("%s: the pcap differs with the advert path", sc.Name)
		}
		slow, nSlow := unknownVRIDs(trace[0].Bytes())
		fast, nFast := unknownVRIDs(trace[1].Bytes())
		if !bytes.Equal(slow, fast) {
			t.Errorf("%s: the trace differs with the advert path in more than unknown-VRID drops", sc.Name)
		}
		if nSlow != nFast {
			t.Errorf("%s: %d unknown-VRID drops with one event per port, %d on the advert path", sc.Name, nSlow, nFast)
		}
		if sc == lan && (nFast == 0 || fired[1] >= fired[0]) {
			t.Errorf("%s: %d unknown-VRID drops, events %d -> %d: want drops and fewer events", sc.Name, nFast, fired[0], fired[1])
		}
	}
}
