package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// twoLANsCrash: two LANs that no router joins, whose masters crash at the
// same instant (10.5 s, inside a 1 s window of sim.Group) and restart in
// the same window in the other order (l2a at 20.2 s, l1a at 20.6 s), so
// the parts' records cross inside windows. Takeovers per RFC 3768 section
// 6.1: Master_Down_Interval = 3 x 1 s + (256 - priority)/256 s.
const twoLANsCrash = `name: two-lans-crash
description: |
  Two LANs that no router joins; both masters crash at 10.5s.
duration: 30s
seed: 1

segments:
  lan1: {}
  lan2: {}

nodes:
  l1a:
    kind: router
    interfaces:
      eth0: {segment: lan1, address: 10.1.0.1/24}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, priority: 150, advert_int: 1s, virtual_ipaddress: [10.1.0.254]}
  l1b:
    kind: router
    interfaces:
      eth0: {segment: lan1, address: 10.1.0.2/24}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, priority: 100, advert_int: 1s, virtual_ipaddress: [10.1.0.254]}
  h1:
    kind: host
    interfaces:
      eth0: {segment: lan1, address: 10.1.0.10/24, gateway: 10.1.0.254}
    traffic:
      - ping: {to: 10.1.0.254, interval: 100ms, start: 4s}
  l2a:
    kind: router
    interfaces:
      eth0: {segment: lan2, address: 10.2.0.1/24}
    vrrp:
      VI_2: {interface: eth0, virtual_router_id: 52, priority: 200, advert_int: 1s, virtual_ipaddress: [10.2.0.254]}
  l2b:
    kind: router
    interfaces:
      eth0: {segment: lan2, address: 10.2.0.2/24}
    vrrp:
      VI_2: {interface: eth0, virtual_router_id: 52, priority: 120, advert_int: 1s, virtual_ipaddress: [10.2.0.254]}
  h2:
    kind: host
    interfaces:
      eth0: {segment: lan2, address: 10.2.0.10/24, gateway: 10.2.0.254}
    traffic:
      - ping: {to: 10.2.0.254, interval: 100ms, start: 4s}

timeline:
  - {at: 10.5s, crash: l1a}
  - {at: 10.5s, crash: l2a}
  - {at: 20.6s, restart: l1a}
  - {at: 20.2s, restart: l2a}

# l1b (100) takes over 3.609375 s after the last advert it heard from l1a
# (10.414 s), l2b (120) 3.53125 s after l2a's (10.219 s).
expect:
  - {at: 9s, master: {VI_1: l1a, VI_2: l2a}}
  - {after: crash l1a, within: 3.7s, master: {VI_1: l1b}}
  - {after: crash l2a, within: 3.7s, master: {VI_2: l2b}}
  - {after: restart l1a, within: 3.5s, master: {VI_1: l1a}}
  - {after: restart l2a, within: 3.5s, master: {VI_2: l2a}}
  - {flow: h1/ping-1, outage_at_most: 3.7s}
  - {flow: h2/ping-1, outage_at_most: 3.7s}
`

// TestRunPartsWindowsAsLockstep checks cmd/vrrpsim's use of sim.Group: a
// world of two parts (scenarios.Parts) runs in windows when only the
// report reads the records (`run --json`) and in lockstep when a pcap
// does (`--pcap`); the collector's holding (reports/window.go) must make
// the two reports byte-identical, and each run must repeat byte for byte.
func TestRunPartsWindowsAsLockstep(t *testing.T) {
	dir := t.TempDir()
	bench, err := scenarios.BenchLAN(500, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{"bench-500.yaml", bench},
		{"two-lans-crash.yaml", []byte(twoLANsCrash)},
		{"two-lans-actions.yaml", []byte(twoLANsActions)},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := filepath.Join(dir, f.name)
			if err := os.WriteFile(path, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
			// The comparison means something only if the world is cut.
			sc, err := scenarios.LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if n := scenarios.Parts(sc).Parts(); n != 2 {
				t.Fatalf("scenarios.Parts: %d parts, want 2 (one per LAN)", n)
			}
			runJSON := func(extra ...string) []byte {
				t.Helper()
				code, out, stderr := runCLI(t, append([]string{"run", path, "--json"}, extra...)...)
				if code != exitOK {
					t.Fatalf("run %v: exit %d, want 0 (expectations pass): %s\n%s", extra, code, stderr, out)
				}
				return []byte(out)
			}
			windows := runJSON()
			// A pcap reads every record as it comes: lockstep (the
			// bench's pcap is 86 MB, so to the null device).
			lockstep := runJSON("--pcap", os.DevNull)
			if !bytes.Equal(windows, lockstep) {
				t.Errorf("windows (run --json) and lockstep (--pcap) reports differ:\n%s", firstLineDiff(string(windows), string(lockstep)))
			}
			if again := runJSON(); !bytes.Equal(again, windows) {
				t.Errorf("run --json twice: reports differ:\n%s", firstLineDiff(string(again), string(windows)))
			}
			if f.name == "two-lans-crash.yaml" {
				checkSameInstantCrashes(t, windows)
			}
		})
	}
}

// twoLANsActions: the two LANs of twoLANsCrash, lossy and jittered (each
// segment's own random stream), with the other timeline actions on
// each: a freeze and a graceful stop on one, a block, an impairment, a
// partition and a tracked-script failure on the other, some at the same
// instant. Windows and lockstep must still give one report: each
// action's timers and records are on its own part's kernel.
var twoLANsActions = strings.NewReplacer(
	"name: two-lans-crash", "name: two-lans-actions",
	"  lan1: {}", "  lan1: {loss: 0.02, jitter: 200us}",
	"  lan2: {}", "  lan2: {loss: 0.01, jitter: 100us}",
).Replace(twoLANsCrash[:strings.Index(twoLANsCrash, "timeline:")]) + `timeline:
  - {at: 8s, freeze: {node: l1a, duration: 4s}}
  - {at: 8s, block: {segment: lan2, class: vrrp, from: l2a, id: mute}}
  - {at: 12.5s, unblock: lan2/mute}
  - {at: 15s, impair: {segment: lan1, loss: 0.3}}
  - {at: 15s, partition: {segment: lan2, groups: [[l2a, h2], [l2b]]}}
  - {at: 18s, heal: lan2}
  - {at: 19s, impair: {segment: lan1, loss: 0}}
  - {at: 22s, stop: l1a}
  - {at: 25s, start: l1a}
`

// checkSameInstantCrashes reads the two-LAN report: both crashes at 10.5 s
// are actions of their own, the convergence section measures each action
// against its own LAN's instance only, up to its LAN's next action
// (reports: analysis.convergence), and each LAN's takeover is found with
// its own instance and new master.
func checkSameInstantCrashes(t *testing.T, js []byte) {
	t.Helper()
	var rep struct {
		Actions []struct {
			At   json.Number `json:"t_s"`
			Text string      `json:"action"`
		} `json:"actions"`
		Convergence []struct {
			Action     string      `json:"action"`
			At         json.Number `json:"at_s"`
			Instance   string      `json:"instance"`
			NewMaster  []string    `json:"new_master"`
			DetectNode string      `json:"detect_node"`
			WindowEnd  json.Number `json:"window_end_s"`
		} `json:"convergence"`
		ARP []struct {
			Host  string `json:"host"`
			Moves []struct {
				To     string `json:"to"`
				Action string `json:"action"`
			} `json:"moves"`
		} `json:"arp"`
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, a := range rep.Actions {
		acts = append(acts, a.Text+"@"+a.At.String())
	}
	if got, want := fmt.Sprint(acts), "[crash l1a@10.5 crash l2a@10.5 restart l2a@20.2 restart l1a@20.6]"; got != want {
		t.Errorf("actions: got %s, want %s", got, want)
	}
	entries := map[string]string{} // "action/instance" -> window end
	takeover := map[string]bool{}
	for _, cv := range rep.Convergence {
		entries[cv.Action+"/"+cv.Instance] = cv.WindowEnd.String()
		if cv.At.String() == "10.5" && cv.DetectNode != "" {
			takeover[cv.Instance+" -> "+cv.DetectNode] = slices.Equal(cv.NewMaster, []string{cv.DetectNode})
		}
	}
	// Each LAN's actions against its own instance, each window ending at
	// the LAN's own next action: restart l2a's is not cut at restart l1a
	// (0.4 s later, on the other LAN).
	want := map[string]string{"crash l1a/VI_1": "20.6", "restart l1a/VI_1": "30", "crash l2a/VI_2": "20.2", "restart l2a/VI_2": "30"}
	if fmt.Sprint(entries) != fmt.Sprint(want) {
		t.Errorf("convergence entries (action/instance: window end) %v, want %v", entries, want)
	}
	// A host's ARP entry moves after its own LAN's action
	// (analysis.lastDisruptiveBefore), not the other LAN's at the same
	// instant or in between.
	var moves []string
	for _, e := range rep.ARP {
		for _, m := range e.Moves {
			moves = append(moves, e.Host+" -> "+m.To+" after "+m.Action)
		}
	}
	if got, w := fmt.Sprint(moves), "[h1 -> l1b after crash l1a h1 -> l1a after restart l1a h2 -> l2b after crash l2a h2 -> l2a after restart l2a]"; got != w {
		t.Errorf("ARP moves: got %s, want %s", got, w)
	}
	// Each LAN's backup takes over after the crashes, as the only new
	// master of its own instance (not the other LAN's router).
	for _, w := range []string{"VI_1 -> l1b", "VI_2 -> l2b"} {
		if ok, found := takeover[w]; !found || !ok {
			t.Errorf("convergence after the crashes at 10.5 s: no %s (new master alone) in %v", w, takeover)
		}
	}
	if len(takeover) != 2 {
		t.Errorf("convergence after the crashes at 10.5 s: takeovers %v, want VI_1 -> l1b and VI_2 -> l2b", takeover)
	}
}
