package scenarios

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is where something was written in a scenario file. Every schema value
// carries one so that errors, and `vrrpsim check` reports, can cite the line.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats p as "file:line:col", the form editors and compilers use.
func (p Pos) String() string {
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is one problem found in a scenario file. Error() is one line:
// "FILE:LINE:COL: what is wrong; valid: what would be valid".
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// Errors is every problem found in one file, in file order. Error() puts one
// per line, each with its own file:line:col.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// maxErrors bounds the list so a file of garbage does not print pages.
const maxErrors = 20

// errorList collects errors while decoding and validating.
type errorList struct {
	errs Errors
}

func (l *errorList) add(p Pos, format string, args ...any) {
	if len(l.errs) >= maxErrors {
		return
	}
	l.errs = append(l.errs, &Error{Pos: p, Msg: fmt.Sprintf(format, args...)})
}

// err returns nil or the collected errors sorted by position (stable, so
// two errors at one position keep the order they were found in).
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	es := append(Errors(nil), l.errs...)
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i].Pos, es[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return es
}

// quoteList formats names for a "valid: ..." hint.
func quoteList(names []string) string {
	if len(names) == 0 {
		return "(none defined)"
	}
	return strings.Join(names, ", ")
}
