package reports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFileAtomic writes a file through write so that readers see either
// the old content or the complete new one: it writes a temporary file in
// the same directory, syncs it and renames it over path. On any error the
// temporary file is removed and an existing file at path is left as it was.
func WriteFileAtomic(path string, write func(w io.Writer) error) (err error) {
	// Renaming a file over a directory fails only after the whole write,
	// with the temporary file's name in the error: say it plainly first.
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("reports: writing %s: is a directory; want a file name", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		// The temporary name means nothing to the user: report the
		// cause ("no such file or directory", "permission denied").
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("reports: writing %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // may already be closed; the first error is what matters
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("reports: writing %s: %w", path, err)
	}
	// CreateTemp makes the file 0600; reports and pcaps are for everyone.
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("reports: writing %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("reports: syncing %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("reports: closing %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("reports: renaming %s: %w", path, err)
	}
	return nil
}
