package scenarios_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
	_ "github.com/vrrpsim/vrrpsim/scenarios/keepalived" // the keepalived.conf reader
	"github.com/vrrpsim/vrrpsim/sim"
)

// reload: {config: FILE} reads the new configuration with the
// keepalived.conf reader (keepalived re-reads its config on SIGHUP): r2
// reloads to priority 200 and preempts a fresh Master_Down_Interval after
// it resumes; an error in the file is reported at its FILE:LINE:COL.
func TestReloadReadsKeepalivedConf(t *testing.T) {
	dir := t.TempDir()
	scenario := `
name: reload-conf
duration: 20s
segments: {lan: {}}
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, priority: 150, virtual_ipaddress: [10.0.0.254]}
  r2:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.2/24}}
    vrrp:
      VI_1: {interface: eth0, virtual_router_id: 51, priority: 100, virtual_ipaddress: [10.0.0.254]}
timeline:
  - {at: 10s, reload: {node: r2, duration: 500ms, config: r2/new.conf}}
`
	conf := `vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 200
    advert_int 1
    virtual_ipaddress {
        10.0.0.254
    }
}
`
	if err := os.MkdirAll(filepath.Join(dir, "r2"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("s.yaml", scenario)
	write("r2/new.conf", conf)
	sc, err := scenarios.LoadFile(filepath.Join(dir, "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := sc.Timeline[0].Action.Reload
	if r == nil || len(r.VRRP) != 1 || r.VRRP[0].Priority != 200 {
		t.Fatalf("reload config not read: %+v", r)
	}
	var took sim.Time
	run(t, sc, func(rec *sim.Record) {
		if rec.Kind == sim.KindState && rec.Node == "r2" && rec.To == "MASTER" && took == 0 {
			took = rec.At
		}
	})
	// RFC 3768 section 6.1 with priority 200: 3 + 56/256 s = 3.21875 s
	// after the resume at 10.5 s (vrrp_init_state after a reload).
	want := sim.Time(10500*time.Millisecond + 3218750*time.Microsecond)
	if took != want {
		t.Errorf("r2 master at %v, want %v", took, want)
	}

	write("r2/new.conf", strings.Replace(conf, "priority 200", "priority 200\n    bogus {", 1))
	_, err = scenarios.LoadFile(filepath.Join(dir, "s.yaml"))
	if err == nil || !strings.Contains(err.Error(), "new.conf:") {
		t.Errorf("a broken reload config: got %v, want an error at new.conf:LINE:COL", err)
	}
	write("s.yaml", strings.Replace(scenario, "r2/new.conf", "../outside.conf", 1))
	_, err = scenarios.LoadFile(filepath.Join(dir, "s.yaml"))
	if err == nil || !strings.Contains(err.Error(), "leaves the scenario's directory") {
		t.Errorf("a reload config outside the directory: got %v", err)
	}
}

// A keepalived_conf: node's notify commands are traced as keepalived
// fires them (vrrp_notify.c send_instance_notifies), never run.
func TestKeepalivedConfNotifyTraced(t *testing.T) {
	dir := t.TempDir()
	conf := `global_defs {
    notify_fifo /run/keepalived.fifo
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    virtual_ipaddress {
        10.0.0.254
    }
    notify_master "/etc/keepalived/master.sh up"
    notify /usr/local/bin/log-state
}
vrrp_sync_group G1 {
    group {
        VI_1
    }
    notify_master /etc/keepalived/group-master.sh
}
`
	scenario := `
name: conf-notify
duration: 5s
segments: {lan: {}}
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
    keepalived_conf: r1.conf
`
	for name, s := range map[string]string{"s.yaml": scenario, "r1.conf": conf} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := scenarios.LoadFile(filepath.Join(dir, "s.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	run(t, sc, func(r *sim.Record) {
		if r.Kind == sim.KindNote && r.Event == "notify" {
			got = append(got, r.From+": "+r.Reason)
		}
	})
	want := []string{
		`notify_fifo: /run/keepalived.fifo 'GROUP "G1" BACKUP 0'`, // vrrp_init_state: groups first
		"notify: /usr/local/bin/log-state INSTANCE VI_1 BACKUP 150",
		`notify_fifo: /run/keepalived.fifo 'INSTANCE "VI_1" BACKUP 150'`,
		"notify_master: /etc/keepalived/master.sh up",
		"notify: /usr/local/bin/log-state INSTANCE VI_1 MASTER 150",
		`notify_fifo: /run/keepalived.fifo 'INSTANCE "VI_1" MASTER 150'`,
		"notify_master: /etc/keepalived/group-master.sh", // the group's, after its member's
		`notify_fifo: /run/keepalived.fifo 'GROUP "G1" MASTER 0'`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// run builds sc and runs it to its end, handing every record to tr.
func run(t *testing.T, sc *scenarios.Scenario, tr sim.Tracer) {
	t.Helper()
	k := sim.New(sc.Seed)
	k.AddTracer(tr)
	w, err := scenarios.Build(sc, k)
	if err != nil {
		t.Fatal(err)
	}
	w.Start()
	k.Run(sim.Time(sc.Duration))
}
