// Package keepalived reads keepalived.conf files (keepalived 2.2.7's
// grammar, lib/parser.c and keepalived.conf(5)) and maps them onto the
// scenario model: the same *scenarios.Node values that a scenario file's
// inline vrrp: and virtual_server: blocks produce.
//
// Three layers, each usable alone:
//   - Reader: the preprocessor (comments, @id lines, $NAME definitions,
//     ~SEQ/~LST, include) turning files into logical lines, each with the
//     FILE:LINE:COL it came from;
//   - Parse: the block tree and keepalived's keyword handlers, with every
//     silent fix-up keepalived applies recorded as a finding;
//   - Node / Import: the mapping onto scenarios.Node and the inline YAML.
//
// Input is untrusted: files come only through an fs.FS, and size, include
// depth and expansion are bounded by Limits.
package keepalived

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// Severity of a finding.
type Severity string

// Severities.
const (
	SevWarning Severity = "warning"
	SevError   Severity = "error"
)

// Finding is one thing the reader reports, at the place in the original
// file it comes from.
type Finding struct {
	Pos      scenarios.Pos
	Severity Severity
	Msg      string
	// Via says how the line was produced when it was not written as is
	// ("~SEQ at f.conf:3:1", "$VIPS at f.conf:9:5"); empty otherwise.
	Via string
	// Node is the node whose config this is, when several are read.
	Node string
	// Also are the other places the finding involves (lint: the other
	// nodes' lines).
	Also []Place
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s: %s: %s", f.Pos, f.Severity, f.Msg)
	if f.Via != "" {
		s += " (via " + f.Via + ")"
	}
	if f.Node != "" {
		s += " [node " + f.Node + "]"
	}
	for i, p := range f.Also {
		sep := "; also "
		if i > 0 {
			sep = ", "
		}
		s += sep + p.Pos.String()
		if p.Node != "" {
			s += " [node " + p.Node + "]"
		}
	}
	return s
}

// sortFindings orders findings by file, line and column, keeping the
// order of equal places.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i].Pos, fs[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Limits bound what an untrusted config may cost.
type Limits struct {
	FileBytes    int // one file
	TotalBytes   int // all files read for one config
	IncludeDepth int // nested includes
	Files        int // files read
	Lines        int // logical lines produced, after every expansion
	LineBytes    int // one line after substitution (keepalived MAXBUF is 1024)
	SubstRounds  int // $NAME rescans of one line
	// Steps bounds the lines processed, kept or not: ~SEQ bodies that only
	// define names make no lines but still cost time.
	Steps int
}

// DefaultLimits are generous for real configs and small enough that a
// hostile one cannot hurt.
func DefaultLimits() Limits {
	return Limits{FileBytes: 1 << 20, TotalBytes: 8 << 20, IncludeDepth: 16, Files: 256,
		Lines: 100000, LineBytes: 16 << 10, SubstRounds: 32, Steps: 400000}
}

// Line is one logical line after preprocessing.
type Line struct {
	Text string
	Pos  scenarios.Pos // where Text starts in the original file
	// Exact: Text is the source text at Pos, so a word's column is
	// Pos.Col plus its offset; otherwise every word is placed at Pos.
	Exact bool
	Via   string
}

// Reader is the preprocessor of lib/parser.c (read_line and friends).
type Reader struct {
	FS fs.FS
	// Display turns a path inside FS into the name used in positions;
	// nil: the path itself.
	Display func(string) string
	// ConfigID is keepalived's -i config id, matched by @ID / @^ID lines.
	ConfigID    string
	HasConfigID bool
	Limits      Limits

	defs     map[string]*definition
	lines    []Line
	finds    []Finding
	chain    []string // include stack, for loop detection
	files    int
	total    int
	multi    *definition // multiline definition being collected
	overflow bool
	steps    int
}

type definition struct {
	value     string
	multiline bool
}

// ReadConfig preprocesses the file at name (a path inside r.FS) and its
// includes. Errors and warnings are findings; the lines are what
// keepalived's parser would see.
func (r *Reader) ReadConfig(name string) ([]Line, []Finding) {
	if r.Limits == (Limits{}) {
		r.Limits = DefaultLimits()
	}
	r.defs = map[string]*definition{}
	r.lines, r.finds, r.chain = nil, nil, nil
	r.files, r.total, r.multi, r.overflow, r.steps = 0, 0, nil, false, 0
	r.readFile(path.Clean(name), scenarios.Pos{File: r.display(name), Line: 1, Col: 1}, "")
	return r.lines, r.finds
}

func (r *Reader) display(p string) string {
	if r.Display != nil {
		return r.Display(p)
	}
	return p
}

func (r *Reader) add(p scenarios.Pos, sev Severity, via, format string, args ...any) {
	r.finds = append(r.finds, Finding{Pos: p, Severity: sev, Msg: fmt.Sprintf(format, args...), Via: via})
}

// readFile reads one file, as open_conf_file/read_line do, with the
// checks keepalived lacks: loops, depth, size, binary content.
func (r *Reader) readFile(name string, from scenarios.Pos, via string) {
	for i, c := range r.chain {
		if c == name {
			loop := append(append([]string{}, r.chain[i:]...), name)
			for j := range loop {
				loop[j] = r.display(loop[j])
			}
			r.add(from, SevError, via, "include loop: %s", strings.Join(loop, " -> "))
			return
		}
	}
	if len(r.chain) > r.Limits.IncludeDepth {
		r.add(from, SevError, via, "includes nested deeper than %d", r.Limits.IncludeDepth)
		return
	}
	if r.files++; r.files > r.Limits.Files {
		r.add(from, SevError, via, "more than %d files included", r.Limits.Files)
		return
	}
	st, err := fs.Stat(r.FS, name)
	if err != nil {
		r.add(from, SevError, via, "cannot read %s: %v", r.display(name), unwrapPathErr(err))
		return
	}
	if !st.Mode().IsRegular() {
		r.add(from, SevError, via, "%s is not a regular file", r.display(name))
		return
	}
	if st.Size() > int64(r.Limits.FileBytes) || r.total+int(st.Size()) > r.Limits.TotalBytes {
		r.add(from, SevError, via, "%s is %d bytes: over the limit (%d per file, %d in all)", r.display(name), st.Size(), r.Limits.FileBytes, r.Limits.TotalBytes)
		return
	}
	data, err := fs.ReadFile(r.FS, name)
	if err != nil {
		r.add(from, SevError, via, "cannot read %s: %v", r.display(name), unwrapPathErr(err))
		return
	}
	r.total += len(data)
	file := r.display(name)
	if bad := binaryAt(data); bad >= 0 {
		line := 1 + bytes.Count(data[:bad], []byte("\n"))
		col := bad - bytes.LastIndexByte(data[:bad], '\n')
		r.add(scenarios.Pos{File: file, Line: line, Col: col}, SevError, "", "binary file refused (NUL byte or invalid UTF-8); valid: a keepalived.conf text file")
		return
	}
	r.chain = append(r.chain, name)
	defer func() { r.chain = r.chain[:len(r.chain)-1] }()
	for i, raw := range strings.Split(string(data), "\n") {
		if r.overflow {
			return
		}
		raw = strings.TrimRight(raw, "\r")
		pos := scenarios.Pos{File: file, Line: i + 1, Col: 1}
		if len(raw) > r.Limits.LineBytes {
			// The same bound as a line grown by substitution (process):
			// no line the reader hands on is longer.
			r.add(pos, SevError, via, "line is %d bytes; limit %d; the line is skipped", len(raw), r.Limits.LineBytes)
			continue
		}
		r.fileLine(name, raw, pos)
	}
	if r.multi != nil {
		r.multi = nil
	}
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// binaryAt is the offset of the first NUL byte or invalid UTF-8
// sequence, or -1.
func binaryAt(data []byte) int {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return i
	}
	for i := 0; i < len(data); {
		c, n := utf8.DecodeRune(data[i:])
		if c == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// fileLine handles one physical line: read_line's multiline definition
// collection, then decomment, then the logical processing.
func (r *Reader) fileLine(name, raw string, pos scenarios.Pos) {
	text, lead, cont, exact := decomment(raw)
	pos.Col += lead
	if r.multi != nil {
		// read_line: a multiline $DEF takes the following lines while they
		// end in '\'; the first that does not is its last; a blank line
		// ends it.
		if text == "" && !cont {
			r.multi = nil
			return
		}
		if cont {
			r.multi.value += "\n" + strings.TrimRight(text, " \t")
		} else {
			r.multi.value += "\n" + text
			r.multi = nil
		}
		return
	}
	if text == "" && !cont {
		return
	}
	if q := unquotedIndex(text, "//"); q >= 0 && (q == 0 || text[q-1] == ' ' || text[q-1] == '\t') {
		r.add(scenarios.Pos{File: pos.File, Line: pos.Line, Col: pos.Col + q}, SevWarning, "", "\"//\" is not a comment in keepalived.conf: its words are read as keywords or values; valid: # or !")
	}
	if cont && !isDefinition(text) {
		// decomment keeps the '\'; alloc_strvec then refuses the line
		// ("Missing escape char at end") and keepalived drops it.
		r.add(pos, SevWarning, "", "line ends in '\\' outside a $NAME= definition: keepalived 2.2.7 drops this line; valid: continue only multiline $NAME=... definitions")
		return
	}
	if cont {
		text += "\\"
	}
	r.process(name, text, pos, exact, "", 0)
}

// decomment follows lib/parser.c decomment(): leading blanks go, '#' or
// '!' outside double quotes starts a comment, "\#" and "\!" are the
// characters themselves, a final '\' marks a continuation. It returns the
// text, how many leading bytes were dropped, the continuation flag and
// whether the text is still the source at that column.
func decomment(s string) (text string, lead int, cont, exact bool) {
	t := strings.TrimLeft(s, " \t")
	lead = len(s) - len(t)
	exact = true
	var b strings.Builder
	quote := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '"':
			quote = !quote
		case c == '\\':
			if i+1 == len(t) {
				cont = true
				return strings.TrimRight(b.String(), " \t"), lead, cont, exact
			}
			if !quote && (t[i+1] == '#' || t[i+1] == '!') {
				exact = false
				b.WriteByte(t[i+1])
				i++
				continue
			}
			b.WriteByte(c)
			b.WriteByte(t[i+1])
			i++
			continue
		case !quote && (c == '#' || c == '!'):
			return strings.TrimRight(b.String(), " \t"), lead, false, exact
		}
		b.WriteByte(c)
	}
	return strings.TrimRight(b.String(), " \t"), lead, false, exact
}

// unquotedIndex is strings.Index outside double quotes.
func unquotedIndex(s, sub string) int {
	quote := false
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			quote = !quote
		} else if !quote && strings.HasPrefix(s[i:], sub) {
			return i
		}
	}
	return -1
}

// isDefinition: check_definition's "$NAME=" with NAME [A-Za-z_][A-Za-z0-9_]*.
func isDefinition(s string) bool {
	_, _, ok := splitDefinition(s)
	return ok
}

func splitDefinition(s string) (name, value string, ok bool) {
	if len(s) < 3 || s[0] != '$' || !(isAlpha(s[1]) || s[1] == '_') {
		return "", "", false
	}
	i := 2
	for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
		i++
	}
	if i >= len(s) || s[i] != '=' {
		return "", "", false
	}
	return s[1:i], strings.TrimLeft(s[i+1:], " \t"), true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }

func (r *Reader) budget(pos scenarios.Pos, via string) bool {
	if r.steps++; r.steps > r.Limits.Steps {
		if !r.overflow {
			r.add(pos, SevError, via, "configuration takes more than %d preprocessing steps (nested ~SEQ/~LST or definitions); stopped", r.Limits.Steps)
		}
		r.overflow = true
		return false
	}
	if len(r.lines) >= r.Limits.Lines {
		if !r.overflow {
			r.add(pos, SevError, via, "configuration expands to more than %d lines; stopped", r.Limits.Lines)
		}
		r.overflow = true
		return false
	}
	return true
}

// process is read_line's logical part for one line: @id, $NAME=,
// ~SEQ/~LST, $NAME substitution (rescanned), then include.
func (r *Reader) process(name, text string, pos scenarios.Pos, exact bool, via string, depth int) {
	if r.overflow || !r.budget(pos, via) {
		return
	}
	if depth > 64 {
		r.add(pos, SevError, via, "expansion nested deeper than 64 levels")
		return
	}
	for round := 0; ; round++ {
		if strings.HasPrefix(text, "@") {
			t, ok := r.configID(text)
			if !ok {
				return
			}
			pos.Col += len(text) - len(t)
			text = t
		}
		if n, v, ok := splitDefinition(text); ok {
			d := &definition{value: v}
			if strings.HasSuffix(v, "\\") {
				d.multiline = true
				d.value = strings.TrimRight(strings.TrimSuffix(v, "\\"), " \t")
				r.multi = d
			}
			r.defs[n] = d
			return
		}
		if strings.HasPrefix(text, "~SEQ") || strings.HasPrefix(text, "~LST") {
			r.sequence(name, text, pos, via, depth)
			return
		}
		if text == "" || text[0] == '~' || len(r.defs) == 0 || !strings.Contains(text, "$") {
			break
		}
		if round >= r.Limits.SubstRounds {
			r.add(pos, SevError, via, "$NAME substitution does not settle after %d rounds (a definition that names itself?)", round)
			return
		}
		out, changed := r.substitute(text)
		if !changed {
			break
		}
		if len(out) > r.Limits.LineBytes {
			r.add(pos, SevError, via, "line grows to %d bytes by $NAME substitution; limit %d", len(out), r.Limits.LineBytes)
			return
		}
		exact = false
		if strings.Contains(out, "\n") {
			// A multiline definition: each of its lines is a line.
			for _, part := range strings.Split(out, "\n") {
				t, _, _, _ := decomment(part)
				if t != "" {
					r.process(name, t, pos, false, joinVia(via, "multiline definition at "+pos.String()), depth+1)
				}
			}
			return
		}
		text, _, _, _ = decomment(out)
	}
	if text == "" {
		return
	}
	if kind, pattern, ok := includeOf(text); ok {
		r.include(name, kind, pattern, pos, via)
		return
	}
	r.lines = append(r.lines, Line{Text: text, Pos: pos, Exact: exact, Via: via})
}

func joinVia(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

// configID applies "@ID rest" / "@^ID rest" (read_line): the rest is kept
// when ID is (or, with ^, is not) the config id; a line with nothing
// after the id is dropped.
func (r *Reader) configID(text string) (string, bool) {
	rev := strings.HasPrefix(text, "@^")
	ofs := 1
	if rev {
		ofs = 2
	}
	sp := strings.IndexAny(text[ofs:], " \t")
	if sp < 0 {
		return "", false
	}
	id := text[ofs : ofs+sp]
	match := r.HasConfigID && id == r.ConfigID
	if match == rev {
		return "", false
	}
	return strings.TrimLeft(text[ofs+sp:], " \t"), true
}

// substitute is replace_param: each $NAME or ${NAME} that is defined is
// replaced by its value; undefined ones stay as written.
func (r *Reader) substitute(s string) (string, bool) {
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		j, braces := i+1, false
		if s[j] == '{' {
			braces = true
			j++
		}
		k := j
		if k < len(s) && (isAlpha(s[k]) || s[k] == '_') {
			k++
			for k < len(s) && (isAlnum(s[k]) || s[k] == '_') {
				k++
			}
		}
		nm := s[j:k]
		end := k
		if braces {
			if k >= len(s) || s[k] != '}' {
				nm = ""
			}
			end = k + 1
		} else if k < len(s) && !strings.ContainsRune(" \t,)", rune(s[k])) {
			// find_definition: a bare $NAME must end at a blank, ',' or ')'.
			nm = ""
		}
		d, ok := r.defs[nm]
		if nm == "" || !ok {
			b.WriteByte(s[i])
			continue
		}
		b.WriteString(d.value)
		changed = true
		i = end - 1
	}
	return b.String(), changed
}

// includeOf is is_include: "include", or "includer/m/w/b/a", then a path.
func includeOf(text string) (kind, pattern string, ok bool) {
	if !strings.HasPrefix(text, "include") || len(text) < 9 {
		return "", "", false
	}
	rest := text[7:]
	if rest[0] == ' ' || rest[0] == '\t' {
		return "include", strings.TrimSpace(rest), true
	}
	if strings.ContainsRune("rmwba", rune(rest[0])) && (rest[1] == ' ' || rest[1] == '\t') {
		return text[:8], strings.TrimSpace(rest[2:]), true
	}
	return "", "", false
}

// include is check_include/open_glob_file: the pattern is a glob with
// braces, relative to the including file's directory (keepalived chdirs
// there). A pattern that matches nothing is an error for includer/a and a
// warning otherwise (INCLUDE_R makes it fatal in open_and_check_glob).
func (r *Reader) include(name, kind, pattern string, pos scenarios.Pos, via string) {
	p := pattern
	if strings.HasPrefix(p, "/") {
		r.add(pos, SevError, via, "include %s: absolute path outside the directory being read; valid: a path relative to %s", pattern, r.display(path.Dir(name)))
		return
	}
	p = path.Join(path.Dir(name), p)
	if p == ".." || strings.HasPrefix(p, "../") {
		r.add(pos, SevError, via, "include %s: outside the directory being read", pattern)
		return
	}
	var matches []string
	seen := map[string]bool{}
	for _, g := range expandBraces(p, 64) {
		m, err := fs.Glob(r.FS, g)
		if err != nil {
			r.add(pos, SevError, via, "include %s: bad pattern: %v", pattern, err)
			return
		}
		for _, f := range m {
			if !seen[f] {
				seen[f] = true
				matches = append(matches, f)
			}
		}
	}
	if len(matches) == 0 {
		sev := SevWarning
		if kind == "includer" || kind == "includea" {
			sev = SevError
		}
		r.add(pos, sev, via, "%s %s: no file matches", kind, pattern)
		return
	}
	sort.Strings(matches) // glob(3) returns sorted names
	for _, m := range matches {
		r.readFile(m, pos, via)
	}
}

// expandBraces expands {a,b} alternatives as GLOB_BRACE does, at most max
// results.
func expandBraces(s string, max int) []string {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		return []string{s}
	}
	depth, close := 0, -1
	for i := open; i < len(s) && close < 0; i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				close = i
			}
		}
	}
	if close < 0 {
		return []string{s}
	}
	var out []string
	for _, a := range splitTop(s[open+1 : close]) { // seq.go
		for _, e := range expandBraces(s[:open]+a+s[close+1:], max) {
			if len(out) >= max {
				return out
			}
			out = append(out, e)
		}
	}
	return out
}
