package scenarios

import (
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

const oneRouterYAML = `name: one
duration: 12s
segments: {lan: {}}
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
    vrrp:
      VI_1:
        interface: eth0
        virtual_router_id: 51
        virtual_ipaddress: [10.0.0.254]
`

// garps counts the gratuitous ARPs r1 sends in the run.
func garps(t *testing.T, src string) (int, *Scenario) {
	t.Helper()
	sc, err := Load("one.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	k := sim.New(1)
	n := 0
	k.AddTracer(func(r *sim.Record) {
		if r.Kind == sim.KindNote && r.Event == "garp" {
			n += int(r.Value)
		}
	})
	w, err := Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(sc.Duration))
	return n, sc
}

// TestKeepalivedGARPAndStateDefaults: the keepalived parser rules the
// builder and loader apply (vrrp_parser.c / vrrp.c vrrp_complete_instance).
func TestKeepalivedGARPAndStateDefaults(t *testing.T) {
	tests := []struct {
		name      string
		extra     string
		wantGARPs int
		wantState string
		wantPrio  int
	}{
		// Defaults: 5 GARPs on becoming master and 5 more garp_master_delay
		// (5 s) later.
		{"defaults", "", 10, "BACKUP", 100},
		// garp_master_delay 0: no second burst.
		{"garp_master_delay 0", "        garp_master_delay: 0\n", 5, "BACKUP", 100},
		// garp_master_repeat 0 is raised to 1.
		{"garp_master_repeat 0", "        garp_master_repeat: 0\n", 2, "BACKUP", 100},
		// No state and priority 255: the address owner starts as MASTER.
		{"priority 255 means MASTER", "        priority: 255\n", 10, "MASTER", 255},
		// state MASTER and no priority: priority 255.
		{"state MASTER means 255", "        state: MASTER\n", 10, "MASTER", 255},
		// Both given: taken as written.
		{"state MASTER priority 150", "        state: MASTER\n        priority: 150\n", 10, "MASTER", 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(oneRouterYAML, "        virtual_ipaddress:", tt.extra+"        virtual_ipaddress:", 1)
			n, sc := garps(t, src)
			in := sc.Nodes[0].VRRP[0]
			if n != tt.wantGARPs || in.State != tt.wantState || in.Priority != tt.wantPrio {
				t.Errorf("got %d GARPs, state %s, priority %d; want %d, %s, %d", n, in.State, in.Priority, tt.wantGARPs, tt.wantState, tt.wantPrio)
			}
		})
	}
}
