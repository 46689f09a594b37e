package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Findings of the issue 13 walk-through, one test each.

// TestWalkCheckUTF16WithoutBOM: `check` gives a UTF-16 scenario without a
// byte order mark the loader's message (save it as UTF-8), as `run` does,
// not "not a vrrpsim scenario": its keys are there, between NUL bytes.
// A file that is no scenario keeps the short message that quotes nothing.
func TestWalkCheckUTF16WithoutBOM(t *testing.T) {
	dir := t.TempDir()
	var u16 []byte
	for _, c := range []byte("name: x\nduration: 1s\n") {
		u16 = append(u16, c, 0)
	}
	for name, data := range map[string][]byte{"u16.yaml": u16, "stray.yaml": []byte("password: hunter2\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, out, stderr := runCLI(t, "check", dir)
	all := out + stderr
	for _, want := range []string{
		filepath.Join(dir, "u16.yaml") + ":1:1: the file starts with NUL bytes: UTF-16 or UTF-32 without a byte order mark, or not text; valid: save the file as UTF-8",
		filepath.Join(dir, "stray.yaml") + ": not a vrrpsim scenario",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("check output lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "hunter2") {
		t.Errorf("check quotes a stray file's content:\n%s", all)
	}
}

// TestWalkSweepPDFHasNoWallClock: sweep --format pdf writes fpdf's dates
// fixed (plot.StablePDF), so two sweeps a second apart give the same
// bytes, as its svg and png do.
func TestWalkSweepPDFHasNoWallClock(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "sweep", "master-crash", "--set", "nodes.r2.vrrp.VI_1.advert_int=1s,2s", "--format", "pdf", "--out", dir, "-q"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b := readFile(t, filepath.Join(dir, "detect_s.pdf"))
	if !strings.Contains(string(b), "/CreationDate (D:20000101000000)") || !strings.Contains(string(b), "/ModDate (D:20000101000000)") {
		t.Errorf("detect_s.pdf dates are not the fixed ones")
	}
}
