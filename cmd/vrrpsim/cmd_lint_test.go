package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const lintData = "../../scenarios/keepalived/testdata/lint/"

// TestLintCLI: findings as FILE:LINE:COL lines on stdout, exit 1 when
// anything is found, 0 when clean, 2 for usage and input errors.
func TestLintCLI(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  []string // substrings of stdout
		err  string   // substring of stderr
	}{
		{"clean pair with config ids", []string{"edge1=" + lintData + "clean/keepalived.conf@edge1", "edge2=" + lintData + "clean/keepalived.conf@edge2"}, exitOK, nil, ""},
		{"VIP mismatch", []string{"lb1=" + lintData + "vip-mismatch/lb1.conf", "lb2=" + lintData + "vip-mismatch/lb2.conf"}, exitFailed,
			[]string{"vip-mismatch/lb2.conf:11:5: error: virtual_ipaddress lists of VRID 60 differ", "also " + lintData + "vip-mismatch/lb1.conf:11:5 [node lb1]"}, "lint: 1 finding(s)"},
		{"a scenario with keepalived_conf", []string{"../../scenarios/builtin/keepalived/vrrpv3-fast.yaml"}, exitFailed,
			[]string{"vrrpv3-fast/r2.conf:15:5: warning: advert_int 1s and 0.1s"}, ""},
		{"a scenario's interface addresses as advert sources", []string{"testdata/lint-scenario/sc.yaml"}, exitFailed,
			[]string{"testdata/lint-scenario/r1.conf:6:5: error: r1's unicast_peer list does not hold 10.0.0.2, the eth0 address of r2", "also testdata/lint-scenario/sc.yaml:17:7 [node r2]"}, ""},
		{"an inline scenario", []string{"../../scenarios/builtin/two-groups-load-sharing.yaml"}, exitOK, nil, ""},
		{"a built-in by name", []string{"vrrpv3-fast"}, exitFailed, []string{"builtin/vrrpv3-fast.yaml:"}, ""},
		{"an unknown built-in", []string{"no-such-scenario"}, exitBadInput, nil, `"no-such-scenario" is neither a scenario file nor a built-in scenario; built-ins: `},
		{"a misspelt built-in", []string{"master-crsh"}, exitBadInput, nil, `"master-crsh" is neither a scenario file nor a built-in scenario (did you mean "master-crash"?)`},
		{"no argument", nil, exitBadInput, nil, "lint needs"},
		{"not NODE=PATH", []string{"r1=", "r2=x"}, exitBadInput, nil, "want NODE=PATH"},
		{"missing file", []string{"r1=" + lintData + "nope.conf", "r2=" + lintData + "vip-mismatch/lb1.conf"}, exitBadInput, nil, "nope.conf"},
		{"node twice", []string{"r1=" + lintData + "vip-mismatch/lb1.conf", "r1=" + lintData + "vip-mismatch/lb2.conf"}, exitBadInput, nil, "named twice"},
		{"scenario that does not load", []string{lintData + "clean/conf.d/scripts.conf"}, exitBadInput, nil, "scripts.conf:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"lint"}, tc.args...), &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
			if tc.code == exitOK && out.Len() > 0 {
				t.Errorf("clean, but stdout:\n%s", out.String())
			}
			for _, w := range tc.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout:\n%s\nwant %q", out.String(), w)
				}
			}
			if !strings.Contains(errb.String(), tc.err) {
				t.Errorf("stderr:\n%s\nwant %q", errb.String(), tc.err)
			}
		})
	}
}

// TestLintCLIJSON: --json holds the same findings, each with every place
// it involves, and compares with testdata/lint-auth-unicast.json.
func TestLintCLIJSON(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"lint", "--json", "fw1=" + lintData + "auth-unicast/fw1.conf", "fw2=" + lintData + "auth-unicast/fw2.conf"}, &out, &errb)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1; stderr %s", code, errb.String())
	}
	var got struct {
		Findings []struct {
			File, Severity, Message, Node string
			Line, Col                     int
			Also                          []struct {
				File string
				Line int
				Node string
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	run([]string{"lint", "fw1=" + lintData + "auth-unicast/fw1.conf", "fw2=" + lintData + "auth-unicast/fw2.conf"}, &text, &bytes.Buffer{})
	if n := strings.Count(text.String(), "\n"); len(got.Findings) != n || n == 0 {
		t.Fatalf("%d JSON findings, %d text lines; want the same, at least one", len(got.Findings), n)
	}
	cast := false
	for _, f := range got.Findings {
		if f.File == "" || f.Line < 1 || f.Col < 1 || f.Node == "" || (f.Severity != "error" && f.Severity != "warning") {
			t.Errorf("bad finding %+v", f)
		}
		if strings.Contains(f.Message, "cast_mismatch") {
			cast = len(f.Also) == 1 && f.Also[0].Node == "fw1" && strings.HasSuffix(f.Also[0].File, "fw1.conf")
		}
	}
	if !cast {
		t.Errorf("want the cast mismatch naming fw1's line too:\n%s", out.String())
	}
	golden := filepath.Join("testdata", "lint-auth-unicast.json")
	if *update {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("JSON differs from %s:\n%s", golden, out.String())
	}
}
