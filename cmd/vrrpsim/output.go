package main

import (
	"bufio"
	"io"

	"github.com/vrrpsim/vrrpsim/reports"
)

// stream is an output file written while a run goes: buffered, then
// committed (or aborted) as a reports.Output.
type stream struct {
	*bufio.Writer
	out *reports.Output // nil for stdout
}

// openStream opens a streamed output named on the command line: "" is
// none (nil), "-" is stdout, anything else a reports.Output (a regular
// file replaced whole at the end, a device or FIFO written as it goes).
func openStream(path string, stdout io.Writer) (*stream, error) {
	switch path {
	case "":
		return nil, nil
	case "-":
		return &stream{Writer: bufio.NewWriter(stdout)}, nil
	}
	o, err := reports.CreateOutput(path)
	if err != nil {
		return nil, err
	}
	return &stream{Writer: bufio.NewWriterSize(o, 64<<10), out: o}, nil
}

// Commit flushes the buffer and finishes the file.
func (s *stream) Commit() error {
	if err := s.Flush(); err != nil {
		if s.out != nil {
			s.out.Abort()
			return &writeError{path: s.out.Name(), err: err}
		}
		return err
	}
	if s.out == nil {
		return nil
	}
	return s.out.Commit()
}

// Abort drops the file; nil-safe, and harmless after Commit.
func (s *stream) Abort() {
	if s != nil && s.out != nil {
		s.out.Abort()
	}
}

// writeOut writes one finished output named by -o: "" or "-" is stdout
// (buffered), anything else is written whole or not at all.
func writeOut(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		bw := bufio.NewWriter(stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	if err := reports.WriteFileAtomic(path, write); err != nil {
		return usagef("-o: %v", err)
	}
	return nil
}

// writeError names the user's path around a write error.
type writeError struct {
	path string
	err  error
}

func (e *writeError) Error() string { return "writing " + e.path + ": " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }
