package scenarios

import (
	"reflect"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/sim"
)

// notifyTrace runs src and returns "NODE COMP KIND: ARGV" per notify.
func notifyTrace(t *testing.T, src string) []string {
	t.Helper()
	sc, err := Load("n.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runScenario(t, sc) {
		if r.Kind == sim.KindNote && r.Event == "notify" {
			got = append(got, r.Node+" "+r.Comp+" "+r.From+": "+r.Reason)
		}
	}
	return got
}

// keepalived vrrp_scheduler.c vrrp_init_state sends a BACKUP group's
// notifies at start, before its instances'; vrrp_sync.c vrrp_sync_master moves the members
// (their own notifies), then sends the group's (send_group_notifies,
// "GROUP NAME STATE 0"); notify_shutdown: instances, then groups, STOP.
func TestSyncGroupNotifyOrder(t *testing.T) {
	src := `
name: sync-notify
duration: 5s
segments: {lan: {}}
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, virtual_ipaddress: [10.0.0.254], notify: /bin/n}
      VI_2: {interface: eth0, virtual_router_id: 52, virtual_ipaddress: [10.0.0.253], notify: /bin/n}
    sync_groups:
      G1: {group: [VI_1, VI_2], notify_master: "/bin/g master", notify: /bin/gn}
timeline:
  - {at: 4s, stop: r1}
`
	want := []string{
		"r1 G1 notify: /bin/gn GROUP G1 BACKUP 0", // vrrp_init_state: groups first
		"r1 VI_1 notify: /bin/n INSTANCE VI_1 BACKUP 100",
		"r1 VI_2 notify: /bin/n INSTANCE VI_2 BACKUP 100",
		"r1 VI_2 notify: /bin/n INSTANCE VI_2 MASTER 100",
		"r1 VI_1 notify: /bin/n INSTANCE VI_1 MASTER 100",
		"r1 G1 notify_master: /bin/g master",
		"r1 G1 notify: /bin/gn GROUP G1 MASTER 0",
		"r1 VI_1 notify: /bin/n INSTANCE VI_1 STOP 100",
		"r1 VI_2 notify: /bin/n INSTANCE VI_2 STOP 100",
		"r1 G1 notify: /bin/gn GROUP G1 STOP 0",
	}
	got := notifyTrace(t, src)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Notify keys are commands: a string split at blanks or a list of words.
func TestNotifyKeysDecode(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{`notify_master: "/etc/k/m.sh  a b"`, "/etc/k/m.sh|a|b"},
		{`notify_master: [/etc/k/m.sh, "a b"]`, "/etc/k/m.sh|a b"},
		{`notify_master: ""`, "ERR empty command"},
		{`notify_master: {a: 1}`, "ERR want a command"},
	} {
		src := strings.Replace(`
name: k
segments: {lan: {}}
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, virtual_ipaddress: [10.0.0.254], KEY}
`, "KEY", tc.key, 1)
		sc, err := Load("k.yaml", []byte(src))
		if strings.HasPrefix(tc.want, "ERR ") {
			if err == nil || !strings.Contains(err.Error(), tc.want[4:]) || !strings.Contains(err.Error(), "k.yaml:") {
				t.Errorf("%s: got %v, want an error with %q at k.yaml:LINE:COL", tc.key, err, tc.want[4:])
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.key, err)
		}
		if got := strings.Join(sc.Nodes[0].VRRP[0].Notify.Master, "|"); got != tc.want {
			t.Errorf("%s: argv %q, want %q", tc.key, got, tc.want)
		}
	}
}

// Each notify key of a vrrp instance lands in its own command, as
// keepalived's vrrp_parser.c handlers (vrrp_notify_master_handler, ...,
// vrrp_notify_handler, vrrp_notify_master_rx_lower_pri) set them.
func TestNotifyKeysLandInTheirFields(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want Notify
	}{
		{"notify_master", Notify{Master: []string{"/x", "1"}}},
		{"notify_backup", Notify{Backup: []string{"/x", "1"}}},
		{"notify_fault", Notify{Fault: []string{"/x", "1"}}},
		{"notify_stop", Notify{Stop: []string{"/x", "1"}}},
		{"notify", Notify{Generic: []string{"/x", "1"}}},
		{"notify_master_rx_lower_pri", Notify{RxLowerPri: []string{"/x", "1"}}},
		{"notify_fifo", Notify{FIFO: "/x 1"}},
	} {
		src := `
name: k
segments: {lan: {}}
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, virtual_ipaddress: [10.0.0.254], ` + tc.key + `: "/x 1"}
`
		sc, err := Load("k.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%s: %v", tc.key, err)
		}
		if got := sc.Nodes[0].VRRP[0].Notify; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.key, got, tc.want)
		}
	}
}
