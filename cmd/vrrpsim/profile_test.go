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
// protobuf starts with the gzip magic 1f 8b) and refuses a bad kind.
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
}
