package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// TestKeepalivedBuiltinsRunLikeInline runs each built-in shipped as
// keepalived.conf files (scenarios/builtin/keepalived) and its inline
// built-in: issue 12's contract is that a node reading its keepalived.conf
// behaves byte for byte like the inline scenario, in the JSON report and in
// the trace. The one thing that differs is the scenario file itself: its
// name and the line of each expectation in it (the report cites them), so
// those two fields are masked, and only those.
func TestKeepalivedBuiltinsRunLikeInline(t *testing.T) {
	names := scenarios.BuiltinKeepalivedNames()
	if len(names) < 30 {
		t.Fatalf("%d keepalived.conf built-ins, want every VRRP built-in and every one with a director (at least 30)", len(names))
	}
	// Every built-in with a vrrp: block or a director (a virtual_server)
	// is shipped (issue 12: "each built-in VRRP scenario also shipped as
	// keepalived.conf files"): its instances, checkers, groups and sync
	// daemon are read from keepalived.conf.
	for _, name := range scenarios.BuiltinNames() {
		sc, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range sc.Nodes {
			if (len(n.VRRP) > 0 || len(n.VirtualServers) > 0) && !slices.Contains(names, name) {
				t.Errorf("built-in %s has VRRP instances or a director on %s but no keepalived.conf version in builtin/keepalived", name, n.Name)
				break
			}
		}
	}
	for _, name := range testedBuiltins(names) {
		t.Run(name, func(t *testing.T) {
			inline, err := scenarios.Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			conf, err := scenarios.BuiltinKeepalived(name)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range conf.Nodes {
				if (len(n.VRRP) > 0 || len(n.VirtualServers) > 0 || n.LVSSync != nil) && n.Keepalived == nil {
					t.Errorf("node %s of the keepalived.conf version has inline vrrp:, virtual_server: or lvs_sync_daemon:", n.Name)
				}
			}
			var got [2][2]bytes.Buffer
			for i, sc := range []*scenarios.Scenario{inline, conf} {
				res, err := simulate(sc, simOptions{golden: &got[i][0]})
				if err != nil {
					t.Fatal(err)
				}
				if err := res.report.WriteJSON(&got[i][1]); err != nil {
					t.Fatal(err)
				}
			}
			files := []string{"builtin/" + name + ".yaml", "builtin/keepalived/" + name + ".yaml"}
			for j, what := range []string{"trace", "JSON report"} {
				a, b := got[0][j].Bytes(), got[1][j].Bytes()
				if j == 1 {
					a, b = maskScenarioFile(a, files[0]), maskScenarioFile(b, files[1])
				}
				if !bytes.Equal(a, b) {
					t.Errorf("%s differs from the inline built-in's:\n%s\n(after a change to builtin/%s.yaml, make builtin/keepalived/%[3]s.yaml and its .conf files say the same)", what, firstDiff(a, b), name)
				}
			}
		})
	}
}

// firstDiff shows the first differing line of two outputs.
func firstDiff(a, b []byte) string {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(la) && i < len(lb); i++ {
		if !bytes.Equal(la[i], lb[i]) {
			return "inline: " + string(la[i]) + "\nconf:   " + string(lb[i])
		}
	}
	return "one is a prefix of the other"
}

// maskScenarioFile replaces a report's "file": FILE and the "line" after
// it by placeholders, where FILE is the scenario file.
func maskScenarioFile(js []byte, file string) []byte {
	re := regexp.MustCompile(`"file": "` + regexp.QuoteMeta(file) + `"(,\n\s*"line": )?\d*`)
	return re.ReplaceAll(js, []byte(`"file": "SCENARIO"${1}`))
}

// TestImportedLBBuiltinsRun: `vrrpsim import` of each shipped director's
// keepalived.conf, with its inline built-in as --topology, writes a
// scenario that runs, with as many health-checked servers in its report
// as the inline built-in's.
func TestImportedLBBuiltinsRun(t *testing.T) {
	dir := "../../scenarios/builtin/keepalived"
	for _, name := range testedBuiltins(scenarios.BuiltinKeepalivedNames()) {
		confs, _ := filepath.Glob(filepath.Join(dir, name, "*.conf"))
		inline, err := scenarios.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		directors := 0
		for _, n := range inline.Nodes {
			if len(n.VirtualServers) > 0 {
				directors++
			}
		}
		if directors == 0 {
			continue
		}
		t.Run(name, func(t *testing.T) {
			args := []string{"import"}
			for _, c := range confs {
				args = append(args, strings.TrimSuffix(filepath.Base(c), ".conf")+"="+c)
			}
			dst := filepath.Join(t.TempDir(), name+".yaml")
			args = append(args, "--topology", filepath.Join("../../scenarios/builtin", name+".yaml"), "-o", dst)
			var out, errb bytes.Buffer
			if code := run(args, &out, &errb); code != exitOK {
				t.Fatalf("import exit %d: %s", code, errb.String())
			}
			out.Reset()
			errb.Reset()
			if code := run([]string{"run", dst}, &out, &errb); code != exitOK {
				t.Fatalf("run exit %d: %s", code, errb.String())
			}
			var in, inErr bytes.Buffer
			if code := run([]string{"run", name}, &in, &inErr); code != exitOK && code != exitFailed {
				t.Fatalf("run %s exit %d: %s", name, code, inErr.String())
			}
			if got, want := strings.Count(out.String(), " probes ok, "), strings.Count(in.String(), " probes ok, "); got != want {
				t.Errorf("the imported run's report has %d health-checked servers, the inline built-in's %d:\n%s", got, want, out.String())
			}
		})
	}
}
