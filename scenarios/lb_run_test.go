package scenarios

import (
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// runLB builds and runs a scenario and counts its connection outcomes and
// the real servers that served them.
func runLB(t *testing.T, src string) (outcomes, served map[string]int, recs []sim.Record) {
	t.Helper()
	sc, err := Load("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	k := sim.New(sc.Seed)
	outcomes, served = map[string]int{}, map[string]int{}
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindConn {
			outcomes[r.Event]++
			served[r.To]++
		}
		if r.Kind == sim.KindIPVS || r.Kind == sim.KindAction {
			recs = append(recs, *r)
		}
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(sc.Duration))
	return outcomes, served, recs
}

const fwmarkYAML = `name: t
duration: 5s
segments:
  lan: {}
nodes:
  lb1:
    kind: router
    interfaces:
      eth0: {segment: lan, addresses: [10.0.0.2/24, 10.0.0.100/24]}
    fwmarks:
      - {mark: 7, dst: 10.0.0.100/32, protocol: tcp, dport: "80:81"}
    virtual_server:
      fwmark 7:
        lb_algo: rr
        lb_kind: DR
        real_server:
          10.0.0.11 80: {weight: 1}
          10.0.0.12 80: {weight: 1}
  rs1:
    kind: server
    arp_ignore: 1
    arp_announce: 2
    interfaces:
      eth0: {segment: lan, address: 10.0.0.11/24}
      lo: {addresses: [10.0.0.100/32]}
    services: [{port: 80}, {port: 81}]
  rs2:
    kind: server
    arp_ignore: 1
    arp_announce: 2
    interfaces:
      eth0: {segment: lan, address: 10.0.0.12/24}
      lo: {addresses: [10.0.0.100/32]}
    services: [{port: 80}, {port: 81}]
  c1:
    kind: host
    interfaces:
      eth0: {segment: lan, address: 10.0.0.50/24}
    traffic:
      - http: {to: 10.0.0.100:80, rate: 10, connect_timeout: 2s}
      - http: {to: 10.0.0.100:81, rate: 10, connect_timeout: 2s}
`

// TestFWMarkServiceEndToEnd: packets marked by the mangle rule reach the
// fwmark service (ip_vs_in looks services up by skb->mark first), on both
// ports of the range, and rr spreads them over the two real servers.
func TestFWMarkServiceEndToEnd(t *testing.T) {
	outcomes, served, _ := runLB(t, fwmarkYAML)
	if outcomes["ok"] != 100 || len(outcomes) != 1 {
		t.Fatalf("outcomes %v, want 100 ok", outcomes)
	}
	if served["rs1"] != 50 || served["rs2"] != 50 {
		t.Fatalf("served %v, want 50/50 (rr)", served)
	}
	// Without the rule nothing is marked: the VIP's packets go to lb1's
	// own stack, which has no service: every connection is refused.
	outcomes, _, _ = runLB(t, strings.Replace(fwmarkYAML, "dport: \"80:81\"", "dport: \"82\"", 1))
	if outcomes["refused"] != 100 {
		t.Fatalf("outcomes without a matching mark %v, want 100 refused", outcomes)
	}
	sc, err := Load("t.yaml", []byte(strings.Replace(fwmarkYAML, "mark: 7,", "mark: 8,", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Warnings) != 1 || !strings.Contains(sc.Warnings[0].String(), "nothing on lb1 marks packets with 7") {
		t.Fatalf("warnings %v", sc.Warnings)
	}
}

// TestLBTimelineActions: fail_service refuse and blackhole, recover,
// set_weight and remove/add reach the models.
func TestLBTimelineActions(t *testing.T) {
	src := strings.Replace(fwmarkYAML, "duration: 5s", "duration: 10s", 1) + `timeline:
  - at: 2s
    fail_service: {node: rs1, port: 80}
  - at: 4s
    fail_service: {node: rs1, port: 80, how: blackhole}
  - at: 6s
    recover_service: {node: rs1, port: 80}
  - at: 7s
    set_weight: {node: lb1, virtual_server: fwmark 7, real_server: rs2, weight: 0}
  - at: 8s
    remove_real_server: {node: lb1, virtual_server: fwmark 7, real_server: 10.0.0.11 80}
  - at: 9s
    add_real_server: {node: lb1, virtual_server: fwmark 7, real_server: 10.0.0.11 80, weight: 3}
`
	src = strings.Replace(src, "      - http: {to: 10.0.0.100:81, rate: 10, connect_timeout: 2s}\n", "", 1)
	outcomes, _, recs := runLB(t, src)
	// rr gives rs1 every other connection: 5 a second. 2-4 s: 10 RSTs.
	// 4-6 s black hole: a SYN sent at 4.0-4.8 s is retried 1 s later
	// (still black-holed) and gives up at its 2 s connect timeout; one
	// sent at 5.0-5.8 s is retried at 6.0-6.8 s, after the recovery, and
	// gets through: 5 timeouts.
	if outcomes["refused"] != 10 || outcomes["timeout"] != 5 {
		t.Fatalf("outcomes %v: want 10 refused and 5 timed out", outcomes)
	}
	var dests []string
	for _, r := range recs {
		if r.Kind == sim.KindIPVS && r.Event == "dest" {
			dests = append(dests, r.To+":"+r.Reason)
		}
		if r.Kind == sim.KindDrop {
			t.Errorf("action failed: %s", r.Reason)
		}
	}
	want := "rs1:add rs2:add rs2:weight rs1:remove rs1:add"
	if got := strings.Join(dests, " "); !strings.HasPrefix(got, want) {
		t.Fatalf("dest records %q, want %q...", got, want)
	}
}
