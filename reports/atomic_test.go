package reports

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
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
	if want := "writing " + path + ": no such file or directory"; err.Error() != want {
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

// Issue 13 item 1: an output path that is not a regular file is written in
// place (devices, FIFOs) or through its link (symlinks), never replaced by
// a regular file; an existing file keeps its mode.

func TestWriteFileAtomicDeviceStaysDevice(t *testing.T) {
	// A private copy of /dev/null (char 1,3), so a regression replaces it
	// and not the machine's /dev/null.
	dev := filepath.Join(t.TempDir(), "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Skipf("mknod (needs root): %v", err)
	}
	if f, err := os.OpenFile(dev, os.O_WRONLY, 0); err != nil {
		t.Skipf("devices unusable here (nodev mount?): %v", err)
	} else {
		f.Close()
	}
	if err := WriteFileAtomic(dev, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(dev)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("%s after writing: mode %v, want still a character device", dev, st.Mode())
	}
}

func TestWriteFileAtomicFIFOStreams(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pcap.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	o, err := CreateOutput(fifo)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(o, "first "); err != nil {
		t.Fatal(err)
	}
	io.WriteString(o, "second")
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "first second" {
		t.Errorf("reader of the FIFO got %q, want %q", s, "first second")
	}
	st, _ := os.Lstat(fifo)
	if st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("FIFO after writing: mode %v, want still a named pipe", st.Mode())
	}
	assertOnlyFile(t, dir, "pcap.fifo")
}

// TestWriteFileAtomicProcMagicLinkPipe: /dev/stdout piped to tshark is
// /proc/self/fd/1, a link whose target "pipe:[N]" is no path; the output
// must go into the pipe, not fail on (or create) that name (issue 13 item 1).
func TestWriteFileAtomicProcMagicLinkPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	path := "/proc/self/fd/" + strconv.Itoa(int(w.Fd()))
	if _, err := os.Stat(path); err != nil {
		w.Close()
		t.Skipf("no /proc: %v", err)
	}
	got := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(r)
		got <- string(b)
	}()
	err = WriteFileAtomic(path, func(out io.Writer) error {
		_, err := io.WriteString(out, "pcap bytes")
		return err
	})
	w.Close()
	if err != nil {
		t.Fatalf("writing %s: %v", path, err)
	}
	if s := <-got; s != "pcap bytes" {
		t.Errorf("reader of the pipe got %q, want %q", s, "pcap bytes")
	}
}

func TestWriteFileAtomicFollowsSymlinkAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chmod(real, 0o640)
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(link, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s: got mode %v, want it still a symlink", link, st.Mode())
	}
	b, _ := os.ReadFile(real)
	st, _ := os.Stat(real)
	if string(b) != "new" || st.Mode().Perm() != 0o640 {
		t.Errorf("target: got %q mode %v, want %q mode 0640", b, st.Mode().Perm(), "new")
	}
}

func TestWriteFileAtomicDanglingSymlinkCreatesTarget(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "out.pcap")
	os.Symlink("target.pcap", link)
	if err := WriteFileAtomic(link, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "target.pcap")); err != nil || string(b) != "x" {
		t.Errorf("target of a dangling link: got %q, %v; want %q", b, err, "x")
	}
}

func TestWriteFileAtomicSymlinkLoop(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.Symlink("b", a)
	os.Symlink("a", b)
	err := WriteFileAtomic(a, func(io.Writer) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "writing "+a+": more than 40 symlinks") {
		t.Errorf("got %v, want a symlink-loop error naming %s", err, a)
	}
}

func TestWriteFileAtomicRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "runs.csv")
	// A temp of a process that no longer exists (PID beyond pid_max), one
	// of ours that is old, and one of another (live) process: PID 1.
	dead := filepath.Join(dir, ".runs.csv.tmp-99999999-123")
	old := filepath.Join(dir, ".runs.csv.tmp-x-456")
	live := filepath.Join(dir, ".runs.csv.tmp-1-789")
	for _, p := range []string{dead, old, live} {
		os.WriteFile(p, nil, 0o600)
	}
	long := time.Now().Add(-25 * time.Hour)
	os.Chtimes(old, long, long)
	if err := WriteFileAtomic(path, func(io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want bool
	}{{dead, false}, {old, false}, {live, true}} {
		_, err := os.Stat(c.path)
		if got := err == nil; got != c.want {
			t.Errorf("%s exists: got %v, want %v", filepath.Base(c.path), got, c.want)
		}
	}
}

func TestFileInDirRefusesEscapes(t *testing.T) {
	for _, name := range []string{"", ".", "..", "../x.svg", "a/b.svg", `a\b`, "/etc/passwd", ".hidden", "x\x00y"} {
		if p, err := FileInDir("out", name); err == nil {
			t.Errorf("FileInDir(out, %q) = %q, want an error", name, p)
		}
	}
	if p, err := FileInDir("out", "detect_s.svg"); err != nil || p != filepath.Join("out", "detect_s.svg") {
		t.Errorf("FileInDir(out, detect_s.svg) = %q, %v", p, err)
	}
}
