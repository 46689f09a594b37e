package reports

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileAtomicReplacesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err })
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "new" {
		t.Errorf("content: got %q, want %q", got, "new")
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode: got %v, want 0644", st.Mode().Perm())
	}
	assertOnlyFile(t, dir, "report.json")
}

func TestWriteFileAtomicLeavesOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "half a rep")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("error: got %v, want it to wrap %v", err, boom)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "old" {
		t.Errorf("content after a failed write: got %q, want %q", got, "old")
	}
	assertOnlyFile(t, dir, "report.json")
}

func TestWriteFileAtomicCreatesNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.pcap")
	if err := WriteFileAtomic(path, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	assertOnlyFile(t, dir, "new.pcap")
}

func TestWriteFileAtomicMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "x.json")
	err := WriteFileAtomic(path, func(io.Writer) error { return nil })
	if err == nil {
		t.Fatalf("got nil error writing into a missing directory, want one")
	}
	// The error names the file asked for, not the temporary file.
	if want := "reports: writing " + path + ": no such file or directory"; err.Error() != want {
		t.Errorf("error: got %q, want %q", err, want)
	}
}

// TestWriteFileAtomicOntoDirectoryFailsBeforeWriting: --pcap DIR or
// --junit DIR must say the path is a directory, without running write
// and without leaving a temporary file.
func TestWriteFileAtomicOntoDirectoryFailsBeforeWriting(t *testing.T) {
	parent := t.TempDir()
	path := filepath.Join(parent, "out")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	called := false
	err := WriteFileAtomic(path, func(io.Writer) error { called = true; return nil })
	if err == nil || !strings.Contains(err.Error(), path+": is a directory") {
		t.Errorf("error: got %v, want one saying %s is a directory", err, path)
	}
	if called {
		t.Errorf("write was called for a path that is a directory")
	}
	assertOnlyFile(t, parent, "out")
}

// assertOnlyFile checks that no temporary file is left behind.
func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != name {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory: got %v, want only %s", names, name)
	}
}
