package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCutProfile: the issue spells the flag --profile cpu|mem FILE (two
// words, which pflag cannot take); the one-word forms work too.
func TestCutProfile(t *testing.T) {
	for _, tc := range []struct {
		args, rest []string
		spec, err  string
	}{
		{[]string{"x.yaml", "--json"}, []string{"x.yaml", "--json"}, "", ""},
		{[]string{"x.yaml", "--profile", "cpu", "c.pprof", "--json"}, []string{"x.yaml", "--json"}, "cpu:c.pprof", ""},
		{[]string{"--profile", "mem", "m.pprof"}, []string{}, "mem:m.pprof", ""},
		{[]string{"--profile=cpu:c.pprof", "-q"}, []string{"-q"}, "cpu:c.pprof", ""},
		{[]string{"--profile", "cpu:c.pprof", "-q"}, []string{"-q"}, "cpu:c.pprof", ""},
		{[]string{"--profile", "cpu"}, nil, "", "want cpu|mem FILE"},
		{[]string{"--profile", "cpu", "--json"}, nil, "", "want cpu|mem FILE"},
		{[]string{"--", "--profile", "cpu", "f"}, []string{"--", "--profile", "cpu", "f"}, "", ""},
	} {
		rest, spec, err := cutProfile(tc.args)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: got error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || spec != tc.spec || !slices.Equal(rest, tc.rest) {
			t.Errorf("%q: got %q %q %v, want %q %q", tc.args, rest, spec, err, tc.rest, tc.spec)
		}
	}
}

// TestRunProfile writes both kinds of profile (runtime/pprof's gzipped
// protobuf starts with the gzip magic 1f 8b), refuses a bad kind, keeps
// the profile of a run whose expectations failed (exit 1) and leaves no
// file when the command fails on its usage (exit 2).
func TestRunProfile(t *testing.T) {
	dir := t.TempDir()
	for _, kind := range []string{"cpu", "mem"} {
		f := filepath.Join(dir, kind+".pprof")
		if code := run([]string{"run", "master-crash", "--profile", kind, f, "-q"}, io.Discard, io.Discard); code != exitOK {
			t.Fatalf("%s: exit %d", kind, code)
		}
		b, err := os.ReadFile(f)
		if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: profile %d bytes, err %v; want a gzipped pprof", kind, len(b), err)
		}
	}
	var errb strings.Builder
	if code := run([]string{"sweep", "master-crash", "--profile", "block", filepath.Join(dir, "b"), "-q"}, io.Discard, &errb); code == exitOK || !strings.Contains(errb.String(), "want cpu|mem") {
		t.Errorf("--profile block: exit %d, stderr %q; want a usage error", code, errb.String())
	}
	for _, kind := range []string{"cpu", "mem"} {
		// sweep without --set is a usage error, found after the profile
		// started.
		f := filepath.Join(dir, "usage-"+kind+".pprof")
		if code := run([]string{"sweep", "master-crash", "--profile", kind, f, "-q"}, io.Discard, io.Discard); code != exitBadInput {
			t.Errorf("%s: sweep without --set: exit %d, want %d", kind, code, exitBadInput)
		}
		if _, err := os.Lstat(f); !os.IsNotExist(err) {
			t.Errorf("%s: a failed command left %s (%v)", kind, f, err)
		}
	}
	b, err := os.ReadFile(filepath.Join(builtinDir, "master-crash.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	failing := writeFile(t, filepath.Join(dir, "failing.yaml"), edited(t, string(b), "    master: {VI_1: r1}\n", "    master: {VI_1: r2}\n"))
	f := filepath.Join(dir, "failed.pprof")
	if code := run([]string{"run", failing, "--profile", "cpu", f, "-q"}, io.Discard, io.Discard); code != exitFailed {
		t.Fatalf("failing expectation: exit %d, want %d", code, exitFailed)
	}
	if b, err := os.ReadFile(f); err != nil || len(b) < 2 || b[0] != 0x1f {
		t.Errorf("a run whose expectations failed: profile %d bytes, err %v; want it kept", len(b), err)
	}
}
