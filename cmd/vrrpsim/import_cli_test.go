package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

const kaTestdata = "../../scenarios/keepalived/testdata"

func TestImportCLI(t *testing.T) {
	conf := filepath.Join(kaTestdata, "pair/keepalived.conf")
	cases := []struct {
		name     string
		args     []string
		code     int
		stderr   string // substring
		loadsOut bool
	}{
		{"pair by config id", []string{"import", "r1=" + conf + "@r1", "r2=" + conf + "@r2"}, exitOK, "auth_pass \"secret-pass-123\" truncated", true},
		{"strict still fine", []string{"import", "--strict", "r1=" + conf + "@r1"}, exitOK, "guessed r1 eth0", true},
		{"include loop", []string{"import", "a=" + filepath.Join(kaTestdata, "bad/loop-a.conf")}, exitBadInput, "include loop", false},
		{"binary", []string{"import", "a=" + filepath.Join(kaTestdata, "bad/binary.conf")}, exitBadInput, "binary.conf:2:13: error: binary file refused", false},
		{"no args", []string{"import"}, exitBadInput, "at least one NODE=PATH", false},
		{"bad arg", []string{"import", conf}, exitBadInput, "want NODE=PATH", false},
		{"twice", []string{"import", "a=" + conf, "a=" + conf}, exitBadInput, "named twice", false},
		{"topology", []string{"import", "--topology", "../../scenarios/builtin/master-crash.yaml", "r1=" + filepath.Join(kaTestdata, "master-crash/keepalived.conf@r1")}, exitOK, "", true},
		{"not in topology", []string{"import", "--topology", "../../scenarios/builtin/master-crash.yaml", "r9=" + conf}, exitBadInput, "node r9 is not in the topology", false},
		{"outside root", []string{"import", "--root", filepath.Join(kaTestdata, "lvs"), "a=" + conf}, exitBadInput, "is not inside --root", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.stderr) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d and %q", code, errb.String(), tc.code, tc.stderr)
			}
			if tc.loadsOut {
				if _, err := scenarios.Load("import.yaml", out.Bytes()); err != nil {
					t.Errorf("output does not load: %v\n%s", err, out.String())
				}
			}
		})
	}
}

// TestImportCLIOutputRuns: -o writes a file that `vrrpsim run` runs.
func TestImportCLIOutputRuns(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "mc.yaml")
	conf := filepath.Join(kaTestdata, "master-crash/keepalived.conf")
	var out, errb bytes.Buffer
	if code := run([]string{"import", "r1=" + conf + "@r1", "r2=" + conf + "@r2", "-o", dst}, &out, &errb); code != exitOK {
		t.Fatalf("import exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(dst); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"run", dst}, &out, &errb); code != exitOK {
		t.Fatalf("run exit %d: %s", code, errb.String())
	}
	// r1 (priority 150) wins: 3 s + (256-150)/256 s.
	if !strings.Contains(out.String(), "3.414062  r1  VI_1  BACKUP -> MASTER") {
		t.Errorf("run output lacks r1's takeover at 3.414062 s:\n%s", out.String())
	}
}
