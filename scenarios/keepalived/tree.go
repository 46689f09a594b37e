package keepalived

import (
	"strings"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// Word is one word of a statement, placed in the original file.
type Word struct {
	Text string
	Pos  scenarios.Pos
}

// Stmt is a keyword line and, if it opens one, its block.
type Stmt struct {
	Key      Word
	Args     []Word
	Block    []*Stmt
	HasBlock bool
	Line     *Line // the logical line, for keywords that read it raw (script)
}

// Pos is where the keyword is.
func (s *Stmt) Pos() scenarios.Pos { return s.Key.Pos }

// token is a word or a brace of a logical line.
type token struct {
	Word
	brace   byte // '{' or '}' for an unquoted brace, else 0
	newline bool // first token of its line
	line    *Line
}

// tokenize splits a line as alloc_strvec_r does (blanks separate words, a
// "..." word keeps its blanks and loses its quotes, no escapes), with the
// braces read_line splits off as words of their own.
func tokenize(l *Line, finds *[]Finding) []token {
	var out []token
	s := l.Text
	place := func(off int) scenarios.Pos {
		p := l.Pos
		if l.Exact {
			p.Col += off
		}
		return p
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r':
			i++
		case c == '{' || c == '}':
			out = append(out, token{Word: Word{Text: string(c), Pos: place(i)}, brace: c, line: l})
			i++
		case c == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				*finds = append(*finds, Finding{Pos: place(i), Severity: SevError, Via: l.Via, Msg: "unmatched quote; valid: close the string with \""})
				out = append(out, token{Word: Word{Text: s[i+1:], Pos: place(i)}, line: l})
				i = len(s)
				continue
			}
			out = append(out, token{Word: Word{Text: s[i+1 : i+1+end], Pos: place(i)}, line: l})
			i += end + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\f\v\r\"{}", rune(s[j])) {
				j++
			}
			out = append(out, token{Word: Word{Text: s[i:j], Pos: place(i)}, line: l})
			i = j
		}
	}
	if len(out) > 0 {
		out[0].newline = true
	}
	return out
}

// maxBlockDepth bounds nesting (keepalived's deepest is four levels).
const maxBlockDepth = 16

type treeBuilder struct {
	toks  []token
	i     int
	finds *[]Finding
}

// Tree groups preprocessed lines into statements and blocks as
// process_stream and alloc_value_block see them: a '{' may end the
// keyword's line or start the next one, a block may sit on one line, and a
// '}' closes the innermost block.
func Tree(lines []Line) ([]*Stmt, []Finding) {
	var finds []Finding
	b := &treeBuilder{finds: &finds}
	for i := range lines {
		b.toks = append(b.toks, tokenize(&lines[i], &finds)...)
	}
	stmts := b.block(0, nil)
	return stmts, finds
}

func (b *treeBuilder) block(depth int, opener *Stmt) []*Stmt {
	var out []*Stmt
	var cur *Stmt
	var last *Stmt // the previous statement, which a '{' on the next line opens
	for b.i < len(b.toks) {
		t := b.toks[b.i]
		if t.newline && cur != nil {
			last, cur = cur, nil
		}
		b.i++
		switch t.brace {
		case '{':
			target := cur
			if target == nil && last != nil && !last.HasBlock && t.newline {
				target = last
			}
			if target == nil {
				*b.finds = append(*b.finds, Finding{Pos: t.Pos, Severity: SevWarning, Via: t.line.Via, Msg: "unexpected '{' - ignoring (process_stream)"})
				continue
			}
			if depth+1 > maxBlockDepth {
				*b.finds = append(*b.finds, Finding{Pos: t.Pos, Severity: SevError, Via: t.line.Via, Msg: "blocks nested deeper than 16"})
				b.i = len(b.toks)
				return out
			}
			target.HasBlock = true
			target.Block = b.block(depth+1, target)
			last, cur = target, nil
		case '}':
			if depth > 0 {
				return out
			}
			*b.finds = append(*b.finds, Finding{Pos: t.Pos, Severity: SevError, Via: t.line.Via, Msg: "extra '}' found"})
			last, cur = cur, nil
		default:
			if cur == nil {
				cur = &Stmt{Key: t.Word, Line: t.line}
				out = append(out, cur)
			} else {
				cur.Args = append(cur.Args, t.Word)
			}
		}
	}
	if opener != nil {
		*b.finds = append(*b.finds, Finding{Pos: opener.Key.Pos, Severity: SevError, Via: opener.Line.Via, Msg: "block " + opener.Key.Text + " is never closed; valid: a matching '}'"})
	}
	return out
}

// quotedEscaped splits a script line as alloc_strvec_quoted_escaped does:
// single or double quotes group, backslash escapes (\n, \t, \xHH, \NNN,
// \cX ...) are decoded. It is the argv keepalived would exec.
func quotedEscaped(s string) ([]string, bool) {
	var out []string
	var w strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote, in = c, true
		case c == '\\':
			if i+1 == len(s) {
				return out, false
			}
			i++
			in = true
			w.WriteByte(unescape(s, &i))
		case quote == 0 && strings.IndexByte(" \t\f\n\r\v", c) >= 0:
			if in {
				out = append(out, w.String())
				w.Reset()
				in = false
			}
		default:
			in = true
			w.WriteByte(c)
		}
	}
	if quote != 0 {
		return out, false
	}
	if in {
		out = append(out, w.String())
	}
	return out, true
}

// unescape decodes the escape at s[*i] (after the '\'), leaving *i on its
// last byte.
func unescape(s string, i *int) byte {
	c := s[*i]
	isHex := func(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' }
	hexVal := func(b byte) byte {
		switch {
		case b <= '9':
			return b - '0'
		case b >= 'a':
			return b - 'a' + 10
		}
		return b - 'A' + 10
	}
	switch {
	case c == 'x' && *i+1 < len(s) && isHex(s[*i+1]):
		var v byte
		for *i+1 < len(s) && isHex(s[*i+1]) {
			*i++
			v = v<<4 | hexVal(s[*i])
		}
		return v
	case c == 'c' && *i+1 < len(s):
		*i++
		return s[*i] & 0x1f
	case c >= '0' && c <= '7':
		v := c - '0'
		for n := 0; n < 2 && *i+1 < len(s) && s[*i+1] >= '0' && s[*i+1] <= '7'; n++ {
			*i++
			v = v<<3 + s[*i] - '0'
		}
		return v
	}
	switch c {
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'E':
		return 0x1b
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'v':
		return '\v'
	}
	return c
}
