package reports

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// An Output is a file the user named on the command line, being written.
//
// A regular file (or a name that does not exist yet) is written through a
// temporary file in the same directory that Commit syncs and renames over
// it, so readers see the old content or the whole new one; an existing
// file keeps its mode. A symlink is followed and its target replaced, never
// the link itself. A device, FIFO or other special file (/dev/null,
// /dev/stdout, a named pipe read by tshark) is opened and written in place,
// streaming, never replaced by a regular file. Errors name the user's path,
// never the temporary file.
type Output struct {
	path string   // as the user wrote it, for errors
	f    *os.File // the temporary file, or the special file itself
	tmp  string   // "" when writing in place
	dest string   // the resolved path renamed over
	mode fs.FileMode
	done bool
}

// tmpPrefix marks our temporary files: ".NAME.tmp-PID-RANDOM". The PID lets
// a later write remove what a killed run left behind.
func tmpPrefix(base string) string { return "." + base + ".tmp-" }

// staleAfter is how old a temporary file of a process that may still run
// (another machine's, on a shared file system) must be before it is removed.
const staleAfter = 24 * time.Hour

// maxSymlinks bounds following a chain of links, as Linux's ELOOP does (40).
const maxSymlinks = 40

// CreateOutput opens path for writing as described on Output.
func CreateOutput(path string) (*Output, error) {
	if st, err := os.Stat(path); err == nil && !st.IsDir() && !st.Mode().IsRegular() {
		// A device, FIFO or socket, possibly behind links: the kernel
		// follows them, including /proc's magic links (/dev/stdout ->
		// /proc/self/fd/1 -> "pipe:[N]", which is no path to resolve by
		// hand). Written in place: O_TRUNC means nothing to devices and
		// FIFOs, O_CREATE is not wanted (it exists).
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", path, pathCause(err))
		}
		return &Output{path: path, f: f, dest: path}, nil
	}
	dest, st, err := resolveOutput(path)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	if st != nil && st.IsDir() {
		return nil, fmt.Errorf("writing %s: is a directory; want a file name", path)
	}
	mode := fs.FileMode(0o644) // reports and pcaps are for everyone
	if st != nil {
		mode = st.Mode().Perm()
	}
	dir, base := filepath.Split(dest)
	if dir == "" {
		dir = "."
	}
	removeStaleTemps(dir, base)
	f, err := os.CreateTemp(dir, tmpPrefix(base)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, pathCause(err))
	}
	return &Output{path: path, f: f, tmp: f.Name(), dest: dest, mode: mode}, nil
}

// Write writes to the temporary file or the special file. Its errors do
// not name a path (the temporary one would mislead); Commit's do.
func (o *Output) Write(p []byte) (int, error) {
	n, err := o.f.Write(p)
	return n, pathCause(err)
}

// Name is the path as the user wrote it.
func (o *Output) Name() string { return o.path }

// Commit finishes the file: for a regular file it sets the mode, syncs and
// renames the temporary file over the destination.
func (o *Output) Commit() error {
	if o.done {
		return nil
	}
	o.done = true
	if o.tmp == "" {
		if err := o.f.Close(); err != nil {
			return fmt.Errorf("reports: closing %s: %w", o.path, pathCause(err))
		}
		return nil
	}
	err := o.f.Chmod(o.mode)
	if err == nil {
		err = o.f.Sync()
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp, o.dest)
	}
	if err != nil {
		os.Remove(o.tmp)
		return fmt.Errorf("writing %s: %w", o.path, pathCause(err))
	}
	return nil
}

// Abort drops what was written: the temporary file is removed and an
// existing file is left as it was. It is safe after Commit (it does nothing).
func (o *Output) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.f.Close()
	if o.tmp != "" {
		os.Remove(o.tmp)
	}
}

// WriteFileAtomic writes path through write, as an Output: either the whole
// new content lands or (on any error) an existing file is left as it was.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	o, err := CreateOutput(path)
	if err != nil {
		return err
	}
	if err := write(o); err != nil {
		o.Abort()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return o.Commit()
}

// resolveOutput follows symlinks from path to the file to write and returns
// it with its Lstat (nil if it does not exist yet).
func resolveOutput(path string) (string, fs.FileInfo, error) {
	p := path
	for range maxSymlinks {
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil, nil
		}
		if err != nil {
			return "", nil, pathCause(err)
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return p, st, nil
		}
		target, err := os.Readlink(p)
		if err != nil {
			return "", nil, pathCause(err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = target
	}
	return "", nil, fmt.Errorf("more than %d symlinks (a loop?)", maxSymlinks)
}

// removeStaleTemps removes the temporary files of earlier writes of base in
// dir that were left behind by a killed process: those whose process is
// gone, and any older than staleAfter.
func removeStaleTemps(dir, base string) {
	pattern := filepath.Join(dir, escapeGlob(tmpPrefix(base))+"*")
	names, _ := filepath.Glob(pattern)
	for _, name := range names {
		st, err := os.Lstat(name)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		rest := strings.TrimPrefix(filepath.Base(name), tmpPrefix(base))
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if (err == nil && pid != os.Getpid() && processGone(pid)) || time.Since(st.ModTime()) > staleAfter {
			os.Remove(name)
		}
	}
}

// processGone reports whether no process has this PID (kill(pid, 0) fails
// with ESRCH). Any other answer, including "not permitted", keeps the file.
func processGone(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}

// escapeGlob quotes the glob metacharacters of a file name.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pathCause drops the *os.PathError around err: its path may be the
// temporary file, which means nothing to the user.
func pathCause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// FileInDir joins dir and a file name derived from input (a metric or
// parameter name from a CSV header, a scenario name), refusing any name
// that could land outside dir: empty, ".", "..", a path separator, a NUL,
// or a leading dot (hidden files and our temporary files).
func FileInDir(dir, name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") ||
		strings.ContainsAny(name, `/\`+"\x00") || !filepath.IsLocal(name) {
		return "", fmt.Errorf("reports: file name %q would not be a plain file inside %s; valid: letters, digits, '_', '-', '.' without a path", name, dir)
	}
	return filepath.Join(dir, name), nil
}

// OpenInput opens a file named on the command line (a sweep shard, a
// sweep.json) for reading. It refuses what is not a regular file (a FIFO,
// /dev/zero, a directory), as such input may never end; the open itself
// does not wait for a FIFO's writer.
func OpenInput(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: not a regular file (%v); valid: a file written by vrrpsim", path, st.Mode().Type())
	}
	return f, nil
}
