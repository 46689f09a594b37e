package keepalived

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// sequence expands "~SEQ(var, start, step, end) text" (add_seq) and
// "~LST(var, v1, v2...) text" / "~LST({a,b}, {1,2}, {3,4}) text"
// (add_lst): text is read once per value with $var defined. The number of
// lines is known before any is made, so an explosion is refused at once.
func (r *Reader) sequence(name, text string, pos scenarios.Pos, via string, depth int) {
	kind := text[:4]
	open := strings.IndexByte(text, '(')
	closeAt := strings.IndexByte(text, ')')
	hex := strings.HasPrefix(text, "~SEQx")
	if open < 0 || closeAt < open || strings.TrimSpace(text[4:open]) != map[bool]string{true: "x", false: ""}[hex] {
		r.add(pos, SevError, via, "invalid %s specification %q; valid: %s(var, start, step, end) text", kind, text, kind)
		return
	}
	args := text[open+1 : closeAt]
	body := strings.TrimLeft(text[closeAt+1:], " \t")
	var vars []string
	var sets [][]string
	if kind == "~SEQ" {
		v, vals, ok := r.seqValues(args, hex, pos, via)
		if !ok {
			return
		}
		vars = []string{v}
		for _, x := range vals {
			sets = append(sets, []string{x})
		}
	} else {
		var ok bool
		vars, sets, ok = lstValues(args)
		if !ok {
			r.add(pos, SevError, via, "invalid ~LST specification %q; valid: ~LST(var, v1, v2) or ~LST({a,b}, {1,2}, {3,4})", text)
			return
		}
	}
	if len(r.lines)+len(sets) > r.Limits.Lines {
		r.add(pos, SevError, via, "%s would make %d lines; limit %d", kind, len(sets), r.Limits.Lines-len(r.lines))
		r.overflow = true
		return
	}
	here := joinVia(via, kind+" at "+pos.String())
	for _, set := range sets {
		for i, v := range vars {
			r.defs[v] = &definition{value: set[i]}
		}
		r.process(name, body, pos, false, here, depth+1)
		if r.overflow {
			return
		}
	}
}

// seqValues reads add_seq's one, two or three numbers (which may be
// $NAMEs) and returns the values, or refuses more than the line budget.
func (r *Reader) seqValues(args string, hex bool, pos scenarios.Pos, via string) (string, []string, bool) {
	parts := strings.Split(args, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	bad := func(why string) (string, []string, bool) {
		r.add(pos, SevError, via, "invalid ~SEQ(%s): %s; valid: ~SEQ(var, end), ~SEQ(var, start, end) or ~SEQ(var, start, step, end)", args, why)
		return "", nil, false
	}
	if len(parts) < 2 || len(parts) > 4 || parts[0] == "" {
		return bad("wrong number of values")
	}
	nums := make([]int64, len(parts)-1)
	for i, p := range parts[1:] {
		if s, ok := r.substitute(p); ok {
			p = strings.TrimSpace(s)
		}
		n, err := strconv.ParseInt(p, 0, 64)
		if err != nil {
			return bad(fmt.Sprintf("%q is not a number", p))
		}
		nums[i] = n
	}
	var start, step, end int64
	switch len(nums) {
	case 1:
		end = nums[0]
		step, start = 1, 1
		if end < 1 {
			step = -1
		}
		if end < 0 {
			start = -1
		}
	case 2:
		start, end = nums[0], nums[1]
		step = 1
		if start > end {
			step = -1
		}
	case 3:
		start, step, end = nums[0], nums[1], nums[2]
		if step == 0 || start < end && step < 0 || start > end && step > 0 {
			return bad("the step does not lead from start to end")
		}
	}
	if hex && (start < 0 || end < 0) {
		return bad("~SEQx is only valid for positive numbers")
	}
	count := (end-start)/step + 1
	if count < 0 || count > int64(r.Limits.Lines-len(r.lines)) {
		r.add(pos, SevError, via, "~SEQ(%s) would make %d lines; limit %d", args, count, r.Limits.Lines-len(r.lines))
		r.overflow = true
		return "", nil, false
	}
	var out []string
	for v, i := start, int64(0); i < count; v, i = v+step, i+1 {
		if hex {
			out = append(out, strconv.FormatInt(v, 16))
		} else {
			out = append(out, strconv.FormatInt(v, 10))
		}
	}
	return parts[0], out, true
}

// lstValues parses add_lst's variables and value sets; a set with fewer
// values than variables leaves the rest blank, more is an error.
func lstValues(args string) ([]string, [][]string, bool) {
	items := splitTop(args)
	if len(items) < 2 {
		return nil, nil, false
	}
	vars := braceList(items[0])
	for _, v := range vars {
		if v == "" {
			return nil, nil, false
		}
	}
	var sets [][]string
	if len(vars) == 1 && !strings.HasPrefix(strings.TrimSpace(items[0]), "{") {
		for _, it := range items[1:] {
			sets = append(sets, []string{strings.TrimSpace(it)})
		}
		return vars, sets, true
	}
	for _, it := range items[1:] {
		vals := braceList(it)
		if len(vals) > len(vars) {
			return nil, nil, false
		}
		for len(vals) < len(vars) {
			vals = append(vals, "")
		}
		sets = append(sets, vals)
	}
	return vars, sets, true
}

// splitTop splits at commas outside braces.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func braceList(s string) []string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
