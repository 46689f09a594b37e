package keepalived

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// lintCase reads testdata/lint/CASE: each *.conf is a node of that name,
// unless a file "nodes" lists NODE=FILE[@CONFIG_ID] lines.
func lintCase(t testing.TB, dir string) []Source {
	t.Helper()
	fsys := os.DirFS(dir)
	show := func(n string) string { return path.Join(filepath.Base(dir), n) }
	var srcs []Source
	if b, err := os.ReadFile(filepath.Join(dir, "nodes")); err == nil {
		for _, l := range strings.Fields(string(b)) {
			node, file, _ := strings.Cut(l, "=")
			file, id, hasID := strings.Cut(file, "@")
			srcs = append(srcs, Source{Node: node, FS: fsys, Path: file, Display: show, ConfigID: id, HasConfigID: hasID})
		}
		return srcs
	}
	confs, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	sort.Strings(confs)
	for _, c := range confs {
		name := filepath.Base(c)
		srcs = append(srcs, Source{Node: strings.TrimSuffix(name, ".conf"), FS: fsys, Path: name, Display: show})
	}
	return srcs
}

// TestLintGolden lints each directory of real-world-shaped configs in
// testdata/lint together and compares the findings with CASE.golden
// (go test -update rewrites them; review the diff). clean must have none.
func TestLintGolden(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join("testdata", "lint", "*"))
	n := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		n++
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			finds := LintSources(lintCase(t, dir), Options{}, nil)
			var b strings.Builder
			for _, f := range finds {
				b.WriteString(f.String() + "\n")
			}
			got := b.String()
			if name == "clean" && got != "" {
				t.Fatalf("clean configs have findings:\n%s", got)
			}
			if name != "clean" && got == "" {
				t.Fatalf("no finding")
			}
			golden := dir + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("lint %s differs from %s:\n%s", name, golden, got)
			}
		})
	}
	if n < 9 {
		t.Fatalf("%d lint cases, want at least 9", n)
	}
}

// lintConfs lints configs given as text, one per node (r1, r2, ... in
// order), each file named NODE.conf.
func lintConfs(texts ...string) []Finding {
	var srcs []Source
	for i, tx := range texts {
		node := "r" + string(rune('1'+i))
		srcs = append(srcs, Source{Node: node, FS: fstest.MapFS{node + ".conf": {Data: []byte(tx)}}, Path: node + ".conf"})
	}
	return LintSources(srcs, Options{}, nil)
}

// inst writes a vrrp_instance VI_1 on eth0 with the given body lines.
func vi(body string) string {
	return "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n" + body + "}\n"
}

const vip = " virtual_ipaddress {\n  10.0.0.254/24\n }\n"

// TestLintChecks: each cluster check, with the rule it follows, on
// minimal configs; want is a substring of one finding (with its place),
// "" means no finding at all.
func TestLintChecks(t *testing.T) {
	tests := []struct {
		name  string
		rule  string
		confs []string
		want  []string
	}{
		{"same configs are clean", "", []string{vi(" priority 150\n" + vip), vi(" priority 100\n" + vip)}, nil},
		{"advert_int v2", "vrrp_check_packet: VRRPv2 interval mismatch is dropped",
			[]string{vi(" priority 150\n advert_int 2\n" + vip), vi(" priority 100\n" + vip)},
			[]string{"r2.conf:1:1: error: advert_int 1s and 2s between r2 (VI_1) and r1 (VI_1)", "interval_mismatch", "also r1.conf:5:2 [node r1]"}},
		{"advert_int v3 is accepted", "RFC 5798 section 6.4.2: the backup learns the master's interval",
			[]string{vi(" version 3\n priority 150\n advert_int 2\n" + vip), vi(" version 3\n priority 100\n" + vip)},
			[]string{"r2.conf:1:1: warning: advert_int 1s and 2s", "RFC 5798 section 6.4.2"}},
		{"rounded advert_ints agree", "vrrp_complete_instance rounds v2 advert_int before the compare",
			[]string{vi(" priority 150\n advert_int 1.2\n" + vip), vi(" priority 100\n" + vip)}, []string{"is sent as 1s"}},
		{"version", "vrrp_check_packet: version mismatch",
			[]string{vi(" version 3\n priority 150\n" + vip), vi(" priority 100\n" + vip)}, []string{"VRRP version 2 and 3", "version_mismatch"}},
		{"auth on one side", "vrrp_check_packet: auth type mismatch",
			[]string{vi(" priority 150\n authentication {\n  auth_type PASS\n  auth_pass abc\n }\n" + vip), vi(" priority 100\n" + vip)},
			[]string{"authentication on one side only", "auth_type_mismatch"}},
		{"auth pass", "vrrp_check_packet: auth data mismatch",
			[]string{vi(" priority 150\n authentication {\n  auth_pass abc\n }\n" + vip), vi(" priority 100\n authentication {\n  auth_pass abd\n }\n" + vip)},
			[]string{"auth_pass differs", "auth_mismatch"}},
		{"auth pass equal after truncation", "vrrp_auth_pass_handler keeps 8 characters",
			[]string{vi(" priority 150\n authentication {\n  auth_pass 12345678A\n }\n" + vip), vi(" priority 100\n authentication {\n  auth_pass 12345678B\n }\n" + vip)},
			[]string{"truncated to 8 characters"}},
		{"VIP lists", "vrrp_check_packet: address count and list",
			[]string{vi(" priority 150\n virtual_ipaddress {\n  10.0.0.254/24\n  10.0.0.253/24\n }\n"), vi(" priority 100\n" + vip)},
			[]string{"r2.conf:5:2: error: virtual_ipaddress lists of VRID 51 differ: r2 (VI_1) has [10.0.0.254], r1 (VI_1) has [10.0.0.254 10.0.0.253]", "addr_list_mismatch"}},
		{"VIP order does not matter", "vrrp_check_packet looks each address up",
			[]string{vi(" priority 150\n virtual_ipaddress {\n  10.0.0.1\n  10.0.0.2\n }\n"), vi(" priority 100\n virtual_ipaddress {\n  10.0.0.2\n  10.0.0.1\n }\n")}, nil},
		{"two groups on one VRID", "RFC 3768 section 7.3: one virtual MAC per VRID",
			[]string{vi(" priority 150\n" + vip), strings.Replace(vi(" priority 100\n virtual_ipaddress {\n  10.0.0.100\n }\n"), "VI_1", "VI_DB", 1)},
			[]string{"used by two different groups, r2 (VI_DB) with VIPs [10.0.0.100] and r1 (VI_1) with [10.0.0.254]"}},
		{"VRID twice on a node", "vrrp_complete_init: VRID duplicated on an interface",
			[]string{vi(" priority 150\n"+vip) + strings.Replace(vi(" priority 150\n"+vip), "VI_1", "VI_2", 1)},
			[]string{"r1.conf:11:2: error: (VI_2) VRID 51 is also used by instance VI_1"}},
		{"two owners", "RFC 3768 section 5.3.4",
			[]string{vi(" priority 255\n" + vip), vi(" priority 255\n" + vip)}, []string{"two address owners (priority 255) of VRID 51: r1 and r2"}},
		{"cast mismatch", "vrrp_check_packet: multicast on a unicast instance",
			[]string{vi(" priority 150\n unicast_peer {\n  10.0.0.2\n }\n" + vip), vi(" priority 100\n" + vip)}, []string{"cast_mismatch"}},
		{"peer missing", "an advert goes only to the unicast peers",
			[]string{vi(" priority 150\n unicast_src_ip 10.0.0.1\n unicast_peer {\n  10.0.0.3\n }\n" + vip), vi(" priority 100\n unicast_src_ip 10.0.0.2\n unicast_peer {\n  10.0.0.1\n }\n" + vip)},
			[]string{"r1's unicast_peer list does not hold 10.0.0.2, the unicast_src_ip of r2"}},
		{"peer missing, source from static_ipaddress", "keepalived sends from the interface's first address",
			[]string{"static_ipaddress {\n 10.0.0.1/24 dev eth0\n}\n" + vi(" priority 150\n unicast_peer {\n  10.0.0.2\n }\n"+vip),
				"static_ipaddress {\n 10.0.0.2/24 dev eth0\n}\n" + vi(" priority 100\n unicast_peer {\n  10.0.0.9\n }\n"+vip)},
			[]string{"r2's unicast_peer list does not hold 10.0.0.1, the eth0 address of r1"}},
		{"nopreempt with MASTER", "vrrp_complete_instance clears nopreempt",
			[]string{vi(" state MASTER\n nopreempt\n priority 150\n" + vip), vi(" priority 100\n nopreempt\n" + vip)},
			[]string{"r1.conf:5:2: warning: (VI_1) nopreempt with state MASTER", "also r1.conf:4:2 [node r1]"}},
		{"weight too small", "vrrp_set_effective_priority; RFC 3768 6.4.2",
			[]string{"vrrp_script chk {\n script /bin/true\n weight -20\n}\n" + vi(" priority 150\n track_script {\n  chk\n }\n"+vip), vi(" priority 100\n" + vip)},
			[]string{"r1.conf:10:3: warning: (VI_1) chk failing cannot change who is master: r1 goes from 150 to 130, still above r2's 100; a weight of -51 would hand over"}},
		{"weight enough", "vrrp_set_effective_priority",
			[]string{"vrrp_script chk {\n script /bin/true\n weight -51\n}\n" + vi(" priority 150\n track_script {\n  chk\n }\n"+vip), vi(" priority 100\n" + vip)}, nil},
		{"weight tie", "RFC 3768 section 6.4.3: equal priority, higher address",
			[]string{vi(" priority 150\n track_interface {\n  eth1 weight -50\n }\n" + vip), vi(" priority 100\n" + vip)}, []string{"equal to r2's: the tie goes to the higher primary IP address"}},
		{"weight over 254", "vrrp_set_effective_priority caps at 254",
			[]string{vi(" priority 200\n track_interface {\n  eth1 weight 100\n }\n" + vip)}, []string{"is 300: keepalived caps the effective priority at 254"}},
		{"weight under 1", "vrrp_set_effective_priority stops at 1",
			[]string{vi(" priority 50\n track_interface {\n  eth1 weight -100\n }\n" + vip)}, []string{"is -50: keepalived stops at 1"}},
		{"owner weight", "the address owner's priority is not tracked",
			[]string{vi(" priority 255\n track_interface {\n  eth1 weight -100\n }\n" + vip)}, []string{"weight -100 of eth1 does nothing"}},
		{"notify races", "notify.c notify_exec does not wait",
			[]string{vi(" priority 150\n notify_master /bin/a\n notify /bin/b\n" + vip)}, []string{"notify_master and notify both run on the same transition"}},
		{"same notify command", "notify.c notify_exec does not wait",
			[]string{vi(" priority 150\n notify_master \"/bin/a x\"\n notify_backup \"/bin/a x\"\n" + vip)}, []string{`"/bin/a x" is the command of notify_master and notify_backup`}},
		{"unknown keyword block", "process_stream reads an unknown keyword's block at the current level",
			[]string{vi(" priority 150\n bogus {\n  x\n }\n" + vip)}, []string{"keepalived 2.2.7 does not skip it"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var lines []string
			for _, f := range lintConfs(tc.confs...) {
				lines = append(lines, f.String())
			}
			all := strings.Join(lines, "\n")
			if len(tc.want) == 0 && all != "" {
				t.Fatalf("%s: want no finding, got\n%s", tc.rule, all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("%s: findings\n%s\nwant one containing %q", tc.rule, all, w)
				}
			}
		})
	}
}

// TestLintSyncGroup: vrrp_sync.c moves a group's members together, so
// they must share a master, healthy and after a fault on one router.
func TestLintSyncGroup(t *testing.T) {
	group := "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n}\n"
	two := func(p1, p2 string) string {
		return vi(" priority "+p1+"\n"+vip) + strings.Replace(strings.Replace(vi(" priority "+p2+"\n virtual_ipaddress {\n  10.0.1.254/24\n }\n"), "VI_1", "VI_2", 1), "51", "52", 1)
	}
	tests := []struct {
		confs []string
		want  string
	}{
		{[]string{group + two("150", "150"), group + two("100", "100")}, ""},
		{[]string{group + two("150", "100"), group + two("100", "150")}, "r1.conf:1:1: warning: vrrp_sync_group G: its members have different masters when every router is healthy (VI_1 -> r1, VI_2 -> r2)"},
		// Three routers: after r1 fails, VI_1 goes to r2 and VI_2 to r3.
		{[]string{group + two("150", "150"), two("120", "100"), two("100", "120")}, "after a fault on r1 (the whole group leaves master there) (VI_1 -> r2, VI_2 -> r3)"},
	}
	for i, tc := range tests {
		var lines []string
		for _, f := range lintConfs(tc.confs...) {
			lines = append(lines, f.String())
		}
		all := strings.Join(lines, "\n")
		if tc.want == "" && strings.Contains(all, "sync_group") || tc.want != "" && !strings.Contains(all, tc.want) {
			t.Errorf("case %d: findings\n%s\nwant %q", i, all, tc.want)
		}
	}
}

// TestLintScenarioSegments: with a scenario's LANs, the same interface
// name on two LANs is two virtual routers, not a mismatch.
func TestLintScenarioSegments(t *testing.T) {
	a := vi(" priority 150\n" + vip)
	b := vi(" priority 100\n virtual_ipaddress {\n  10.9.9.9\n }\n")
	srcs := []Source{
		{Node: "r1", FS: fstest.MapFS{"k.conf": {Data: []byte(a)}}, Path: "k.conf"},
		{Node: "r2", FS: fstest.MapFS{"k.conf": {Data: []byte(b)}}, Path: "k.conf"},
	}
	if f := LintSources(srcs, Options{}, nil); len(f) == 0 {
		t.Fatal("one LAN: want the VIP mismatch")
	}
	seg := func(node, iface string) string { return node + "-lan" }
	if f := LintSources(srcs, Options{}, seg); len(f) != 0 {
		t.Fatalf("two LANs: got %v, want none", f)
	}
}

// TestLintInlineNode: a scenario's inline instances are linted with their
// YAML places.
func TestLintInlineNode(t *testing.T) {
	mk := func(node string, prio int, line int) LintNode {
		in := &scenarios.Instance{Pos: scenarios.Pos{File: "sc.yaml", Line: line, Col: 7}, Name: "VI_1", Interface: "eth0", VRID: 51,
			Priority: prio, AdvertInt: scenarios.DefaultAdvertInt, Version: 2}
		return LintNode{Name: node, Config: FromNode(&scenarios.Node{Name: node, VRRP: []*scenarios.Instance{in}})}
	}
	got := Lint([]LintNode{mk("r1", 255, 10), mk("r2", 255, 20)})
	if len(got) != 1 || got[0].Pos.String() != "sc.yaml:20:7" || len(got[0].Also) != 1 || got[0].Also[0].Pos.String() != "sc.yaml:10:7" {
		t.Fatalf("got %v, want two owners at sc.yaml:20:7, also sc.yaml:10:7", got)
	}
}

// FuzzLint: any pair of configs lints without panicking, and every
// finding and every place it names is in a file at a line >= 1.
func FuzzLint(f *testing.F) {
	for _, dir := range []string{"auth-unicast", "weights", "sync-notify", "fixups", "vrid-clash"} {
		confs, _ := filepath.Glob(filepath.Join("testdata", "lint", dir, "*.conf"))
		if len(confs) >= 2 {
			a, _ := os.ReadFile(confs[0])
			b, _ := os.ReadFile(confs[1])
			f.Add(string(a), string(b))
		}
	}
	f.Add(vi(" priority 255\n"+vip), vi(" priority 255\n track_script {\n x weight 300\n }\n"))
	f.Fuzz(func(t *testing.T, a, b string) {
		lim := Limits{FileBytes: 1 << 16, TotalBytes: 1 << 18, IncludeDepth: 4, Files: 16, Lines: 2000, LineBytes: 4096, SubstRounds: 8, Steps: 20000}
		var srcs []Source
		for i, tx := range []string{a, b} {
			node := []string{"r1", "r2"}[i]
			srcs = append(srcs, Source{Node: node, FS: fstest.MapFS{"k.conf": {Data: []byte(tx)}}, Path: "k.conf", Limits: lim})
		}
		for _, fd := range LintSources(srcs, Options{}, nil) {
			if fd.Pos.File == "" || fd.Pos.Line < 1 || fd.Pos.Col < 1 {
				t.Fatalf("unplaced finding %v", fd)
			}
			for _, p := range fd.Also {
				if p.Pos.File == "" || p.Pos.Line < 1 || p.Node == "" {
					t.Fatalf("unplaced related place in %v", fd)
				}
			}
		}
	})
}

// BenchmarkLint lints two routers of 500 instances each, one sync group
// of all of them and tracked scripts: every check is linear in the
// instances (a hostile config may hold thousands).
func BenchmarkLint(b *testing.B) {
	var confs [2]string
	for n := range confs {
		var s strings.Builder
		s.WriteString("vrrp_script chk {\n script /bin/true\n weight -10\n}\nvrrp_sync_group G {\n group {\n")
		for i := 1; i <= 500; i++ {
			fmt.Fprintf(&s, "  VI_%d\n", i)
		}
		s.WriteString(" }\n}\n")
		for i := 1; i <= 500; i++ {
			fmt.Fprintf(&s, "vrrp_instance VI_%d {\n interface eth%d\n virtual_router_id %d\n priority %d\n virtual_ipaddress {\n  10.%d.%d.254/24\n }\n track_script {\n  chk\n }\n}\n",
				i, i/255, i%255+1, 150-50*n, i/255, i%255)
		}
		confs[n] = s.String()
	}
	b.ReportAllocs()
	for b.Loop() {
		lintConfs(confs[0], confs[1])
	}
}
