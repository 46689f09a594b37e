package keepalived

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// pairYAML is a two-router scenario; NODES is replaced by each router's
// VRRP part (inline vrrp: or keepalived_conf:).
const pairYAML = `name: pair
duration: 20s
segments: {lan: {}}
%SCRIPTS%
nodes:
  r1:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
%R1%
  r2:
    kind: router
    interfaces: {eth0: {segment: lan, address: 10.0.0.2/24}}
%R2%
timeline:
  - {at: 10s, fail_script: {node: r1, script: chk}}
`

const pairConf = `! both routers, keepalived -i r1 / -i r2
vrrp_script chk {
    script "/bin/true"
    weight -60
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    @r1 priority 150
    @r2 priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.254/24
    }
    track_script {
        chk
    }
}
`

// writeScenario writes files (name -> text) under a temporary directory and
// returns the scenario's path.
func writeScenario(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "sc.yaml")
}

func pair(scripts, r1, r2 string) string {
	r := strings.NewReplacer("%SCRIPTS%", scripts, "%R1%", r1, "%R2%", r2)
	return r.Replace(pairYAML)
}

// TestScenarioKeepalivedConfLikeInline: issue 12 part 2's contract at
// the model level: the instances a keepalived.conf gives equal the inline
// ones (vrrp_prio_handler, @id lines, the script's weight on a
// track_script line without one), and a vrrp_script defines the script the
// timeline fails, without a scripts: block.
func TestScenarioKeepalivedConfLikeInline(t *testing.T) {
	inline := writeScenario(t, map[string]string{"sc.yaml": pair("scripts: {chk: {weight: -60}}",
		"    vrrp: {VI_1: {interface: eth0, virtual_router_id: 51, priority: 150, virtual_ipaddress: [10.0.0.254/24], track_script: [chk]}}",
		"    vrrp: {VI_1: {interface: eth0, virtual_router_id: 51, priority: 100, virtual_ipaddress: [10.0.0.254/24], track_script: [chk]}}")})
	conf := writeScenario(t, map[string]string{"sc.yaml": pair("",
		"    keepalived_conf: conf/keepalived.conf\n    config_id: r1",
		"    keepalived_conf: conf/keepalived.conf\n    config_id: r2"),
		"conf/keepalived.conf": pairConf})
	a, err := scenarios.LoadFile(inline)
	if err != nil {
		t.Fatal(err)
	}
	b, err := scenarios.LoadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Scripts) != 1 || b.Scripts[0].Name != "chk" || b.Scripts[0].Weight != -60 {
		t.Fatalf("scripts from the conf: got %+v, want chk weight -60", b.Scripts)
	}
	for i := range a.Nodes {
		x, y := a.Nodes[i].VRRP[0], b.Nodes[i].VRRP[0]
		if got, want := instanceText(y), instanceText(x); got != want {
			t.Errorf("%s: conf instance\n%s\nwant the inline one\n%s", a.Nodes[i].Name, got, want)
		}
		if !strings.Contains(y.Pos.String(), "conf/keepalived.conf:6:") {
			t.Errorf("%s: instance placed at %s, want the conf's vrrp_instance line", a.Nodes[i].Name, y.Pos)
		}
	}
}

// instanceText prints an instance without positions.
func instanceText(in *scenarios.Instance) string {
	c := *in
	c.Pos = scenarios.Pos{}
	var tr []string
	for _, t := range append(append([]*scenarios.Track{}, c.TrackScripts...), c.TrackInterfaces...) {
		tr = append(tr, fmt.Sprintf("%s:%d", t.Name, t.Weight))
	}
	c.TrackScripts, c.TrackInterfaces = nil, nil
	return fmt.Sprintf("%+v tracks %v", c, tr)
}

// TestScenarioKeepalivedConfErrors: what the loader refuses, each error at
// its FILE:LINE:COL (the conf's own for what is wrong inside it).
func TestScenarioKeepalivedConfErrors(t *testing.T) {
	r1 := "    keepalived_conf: r1.conf"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"error inside the conf at its line", map[string]string{"sc.yaml": pair("", r1, ""),
			"r1.conf": "vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 300\n}\n"},
			[]string{"r1.conf:3:21: virtual_router_id \"300\" is not valid", "r1.conf:1:1: (VI_1) the virtual router id must be set"}},
		{"interface the node lacks, at the conf's line", map[string]string{"sc.yaml": pair("", r1, ""),
			"r1.conf": "vrrp_instance VI_1 {\n  interface eth9\n  virtual_router_id 5\n  virtual_ipaddress {\n    10.0.0.9\n  }\n}\n"},
			[]string{"r1.conf:1:1: unknown interface \"eth9\""}},
		{"include loop", map[string]string{"sc.yaml": pair("", r1, ""),
			"r1.conf": "include r1.conf\n"}, []string{"r1.conf:1:1: include loop: "}},
		{"missing file", map[string]string{"sc.yaml": pair("", r1, "")}, []string{"r1.conf:1:1: cannot read ", "r1.conf: no such file or directory [node r1]"}},
		{"leaves the directory", map[string]string{"sc.yaml": pair("", "    keepalived_conf: ../etc/keepalived.conf", "")},
			[]string{"sc.yaml:9:22: keepalived_conf \"../etc/keepalived.conf\" of node r1 leaves the scenario's directory"}},
		{"absolute path", map[string]string{"sc.yaml": pair("", "    keepalived_conf: /etc/keepalived/keepalived.conf", "")},
			[]string{"leaves the scenario's directory"}},
		{"inline vrrp too", map[string]string{"sc.yaml": pair("", r1+"\n    vrrp: {}", ""), "r1.conf": pairConf},
			[]string{"sc.yaml:10:5: vrrp in node r1, which also has keepalived_conf"}},
		{"config_id alone", map[string]string{"sc.yaml": pair("", "    config_id: r1", "")},
			[]string{"sc.yaml:9:5: config_id in node r1 without keepalived_conf"}},
		{"on a host", map[string]string{"sc.yaml": strings.Replace(pair("", r1, ""), "kind: router", "kind: host", 1), "r1.conf": pairConf},
			[]string{"keepalived_conf in node r1 of kind host"}},
		{"binary file", map[string]string{"sc.yaml": pair("", r1, ""), "r1.conf": "vrrp_instance\x00"},
			[]string{"r1.conf:1:14: binary file refused"}},
		{"directory", map[string]string{"sc.yaml": pair("", "    keepalived_conf: d", ""), "d/x": ""},
			[]string{"is not a regular file"}},
		{"lvs_sync_daemon interface the node lacks, at the conf's line", map[string]string{"sc.yaml": pair("", r1, ""),
			"r1.conf": "global_defs {\n  lvs_sync_daemon eth9 VI_1\n}\n" + pairConf},
			[]string{"r1.conf:2:3: unknown interface \"eth9\" of node r1 in lvs_sync_daemon of r1"}},
		{"lvs_sync_daemon inline too", map[string]string{"sc.yaml": pair("", r1+"\n    lvs_sync_daemon: {interface: eth0, instance: VI_1}", ""),
			"r1.conf": "global_defs {\n  lvs_sync_daemon eth0 VI_1\n}\n" + pairConf},
			[]string{"sc.yaml:10:5: lvs_sync_daemon in node r1, which also has it in keepalived_conf (", "r1.conf:2:3); valid: one of them"}},
		{"a checker error at the conf's line", map[string]string{"sc.yaml": pair("", r1, ""),
			"r1.conf": "virtual_server 10.0.0.254 80 {\n  real_server 10.0.0.11 80 {\n    HTTP_GET {\n      connect_timeout 0\n    }\n  }\n}\n"},
			[]string{"r1.conf:4:23: connect_timeout \"0\" is not valid", "r1.conf:3:5: HTTP_GET has no url"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeScenario(t, tc.files)
			_, err := scenarios.LoadFile(p)
			if err == nil {
				t.Fatalf("loaded; want errors %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("errors:\n%v\nwant one containing %q", err, w)
				}
			}
		})
	}
}

// TestScenarioKeepalivedConfNotFollowingLinks: a symbolic link out of the
// scenario's directory is refused (os.Root), and a FIFO does not block.
func TestScenarioKeepalivedConfNotFollowingLinks(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.conf")
	if err := os.WriteFile(outside, []byte(pairConf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := writeScenario(t, map[string]string{"sc.yaml": pair("", "    keepalived_conf: link.conf", "    keepalived_conf: fifo.conf")})
	if err := os.Symlink(outside, filepath.Join(filepath.Dir(p), "link.conf")); err != nil {
		t.Skip(err)
	}
	if err := syscall.Mkfifo(filepath.Join(filepath.Dir(p), "fifo.conf"), 0o644); err != nil {
		t.Skip(err)
	}
	_, err := scenarios.LoadFile(p)
	if err == nil || !strings.Contains(err.Error(), "link.conf") || !strings.Contains(err.Error(), "fifo.conf is not a regular file") {
		t.Fatalf("got %v, want the link refused and the FIFO not a regular file", err)
	}
}

// TestScenarioKeepalivedConfScripts: a script in both scripts: and the
// conf is not an error; a different definition is a warning, the
// scenario's kept; the reader's fix-ups are warnings at the conf's line.
func TestScenarioKeepalivedConfScripts(t *testing.T) {
	r1 := "    keepalived_conf: conf/keepalived.conf\n    config_id: r1"
	r2 := "    keepalived_conf: conf/keepalived.conf\n    config_id: r2"
	for _, tc := range []struct {
		scripts string
		weight  int
		warn    string
	}{
		{"scripts: {chk: {weight: -60}}", -60, ""},
		{"scripts: {chk: {weight: -10}}", -10, "vrrp_script chk of node r1 differs from the one at "},
	} {
		conf := strings.Replace(pairConf, "advert_int 1\n", "advert_int 1.4\n", 1)
		p := writeScenario(t, map[string]string{"sc.yaml": pair(tc.scripts, r1, r2), "conf/keepalived.conf": conf})
		sc, err := scenarios.LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.Scripts) != 1 || sc.Scripts[0].Weight != tc.weight {
			t.Errorf("%s: scripts %+v, want one chk of weight %d", tc.scripts, sc.Scripts[0], tc.weight)
		}
		var ws []string
		for _, w := range sc.Warnings {
			ws = append(ws, w.String())
		}
		all := strings.Join(ws, "\n")
		if tc.warn != "" && !strings.Contains(all, tc.warn) {
			t.Errorf("%s: warnings\n%s\nwant %q", tc.scripts, all, tc.warn)
		}
		if tc.warn == "" && strings.Contains(all, "differs") {
			t.Errorf("%s: the same script twice warned:\n%s", tc.scripts, all)
		}
		// vrrp_complete_instance: a v2 advert_int is sent in whole seconds.
		if !strings.Contains(all, "keepalived.conf:11:5: warning: (VI_1) VRRPv2 advert_int 1.4s is sent as 1s") {
			t.Errorf("warnings\n%s\nwant the advert_int fix-up at the conf's line", all)
		}
	}
}

// TestScenarioKeepalivedConfSet: --set and sweeps re-load the scenario,
// reading the conf again from the same place.
func TestScenarioKeepalivedConfSet(t *testing.T) {
	p := writeScenario(t, map[string]string{"sc.yaml": pair("", "    keepalived_conf: conf/keepalived.conf\n    config_id: r1", "    keepalived_conf: conf/keepalived.conf\n    config_id: r2"),
		"conf/keepalived.conf": pairConf})
	sc, err := scenarios.LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Set("duration", "30s"); err != nil {
		t.Fatal(err)
	}
	if sc.Nodes[0].VRRP[0].Priority != 150 || sc.Nodes[1].VRRP[0].Priority != 100 {
		t.Errorf("after Set: priorities %d, %d; want 150, 100", sc.Nodes[0].VRRP[0].Priority, sc.Nodes[1].VRRP[0].Priority)
	}
}

// TestBuiltinKeepalived: the embedded built-ins read their conf files
// from the embedded library, placed under builtin/keepalived/.
func TestBuiltinKeepalived(t *testing.T) {
	sc, err := scenarios.BuiltinKeepalived("master-crash")
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Nodes[0].VRRP[0].Pos.File; got != "builtin/keepalived/master-crash/r1.conf" {
		t.Errorf("instance file %q, want builtin/keepalived/master-crash/r1.conf", got)
	}
	if _, err := scenarios.BuiltinKeepalived("no-such"); err == nil || !strings.Contains(err.Error(), "master-crash") {
		t.Errorf("unknown name: got %v, want an error listing the valid names", err)
	}
}
