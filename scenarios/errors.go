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
	l.errs = append(l.errs, &Error{Pos: p, Msg: oneLineMsg(fmt.Sprintf(format, shortenQuoted(format, args)...))})
}

// shortenQuoted cuts each string printed with %q to maxQuoted runes: a
// value pasted from a binary file or a whole paragraph would otherwise
// fill the screen and bury the "valid:" part. Lists of valid names are
// printed with %s and stay whole.
func shortenQuoted(format string, args []any) []any {
	i, copied := 0, false
	for k := 0; k < len(format); k++ {
		if format[k] != '%' {
			continue
		}
		k++
		for k < len(format) && strings.IndexByte("+-# 0123456789.", format[k]) >= 0 {
			k++
		}
		if k >= len(format) || format[k] == '%' {
			continue
		}
		if i < len(args) && format[k] == 'q' {
			if s, ok := args[i].(string); ok {
				if r := []rune(s); len(r) > maxQuoted {
					if !copied {
						args, copied = append([]any(nil), args...), true
					}
					args[i] = string(r[:maxQuoted]) + "..."
				}
			}
		}
		i++
	}
	return args
}

// oneLineMsg keeps an error on one line even when a name in it holds a
// line break (a quoted YAML key "a\nb").
func oneLineMsg(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
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
