package scenarios

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Scenario files and sweep shards are copied from other machines and CI
// jobs: untrusted input. The YAML parser's cost grows faster than the
// input in nesting depth and in entries per mapping, so a small file can
// exhaust memory. Limits bounds the input before it reaches the parser
// (size, depth, entries per collection, by a linear scan) and the model it
// describes after decoding (nodes, interfaces, flows, timeline), before
// validation and building. Every limit can be raised: `--limit NAME=N`.
type Limits struct {
	FileBytes  int // bytes of a scenario file
	SetBytes   int // bytes of one --set value
	Depth      int // nesting of mappings and sequences
	Entries    int // entries of one mapping or sequence
	Nodes      int // nodes of the scenario
	Interfaces int // interfaces, all nodes together
	Flows      int // traffic flows, all nodes together
	Timeline   int // timeline actions
	// Events bounds a run: the events the kernel may run (estimated from
	// the scenario before the run, and counted while it runs).
	Events int
}

// DefaultLimits are generous for hand-written and generated scenarios
// (10^4 nodes load in well under a second) and keep a hostile file from
// costing more than about a second and a few hundred MB.
func DefaultLimits() Limits {
	return Limits{
		FileBytes:  8 << 20,
		SetBytes:   64 << 10,
		Depth:      32,
		Entries:    20000,
		Nodes:      10000,
		Interfaces: 40000,
		Flows:      20000,
		Timeline:   10000,
		Events:     200_000_000,
	}
}

// orDefault fills each zero limit with its default, so a zero Limits
// (or one with a few fields set) means the defaults.
func (l Limits) orDefault() Limits {
	def := DefaultLimits()
	dst, src := l.limitFields(), def.limitFields()
	for name, p := range dst {
		if *p <= 0 {
			*p = *src[name]
		}
	}
	return l
}

// limitFields names each limit as the --limit flag spells it.
func (l *Limits) limitFields() map[string]*int {
	return map[string]*int{
		"file_bytes": &l.FileBytes,
		"set_bytes":  &l.SetBytes,
		"depth":      &l.Depth,
		"entries":    &l.Entries,
		"nodes":      &l.Nodes,
		"interfaces": &l.Interfaces,
		"flows":      &l.Flows,
		"timeline":   &l.Timeline,
		"events":     &l.Events,
	}
}

// LimitNames lists the limit names in sorted order.
func LimitNames() []string {
	var l Limits
	names := make([]string, 0, 8)
	for n := range l.limitFields() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Set changes one limit by name ("nodes", "depth"...).
func (l *Limits) Set(name string, v int) error {
	p, ok := l.limitFields()[name]
	if !ok {
		return fmt.Errorf("unknown limit %q%s; valid: %s", name, didYouMean(name, LimitNames()), strings.Join(LimitNames(), ", "))
	}
	if v < 1 {
		return fmt.Errorf("limit %s=%d: want 1 or more", name, v)
	}
	*p = v
	return nil
}

// overLimit words every limit error the same way: which limit, what was
// found, and how to raise it.
func overLimit(what string, got, limit int, name string) string {
	return fmt.Sprintf("%s: %d, over the limit of %d (%s); valid: a smaller scenario, or raise the limit with --limit %s=N", what, got, limit, name, name)
}

// ReadFile reads a scenario (or other input) file of at most max bytes. It
// refuses what is not a regular file (a FIFO, /dev/zero, a directory)
// before reading a byte: such inputs may never end.
func ReadFile(path string, max int) ([]byte, error) {
	if max <= 0 {
		max = DefaultLimits().FileBytes
	}
	// O_NONBLOCK: opening a FIFO for reading would wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s, not a regular file; valid: a scenario .yaml file (copy a stream to a file first)", path, fileKind(st.Mode()))
	}
	if st.Size() > int64(max) {
		return nil, errors.New(path + ": " + overLimit("file size in bytes", int(min(st.Size(), 1<<62)), max, "file_bytes"))
	}
	// The file may grow while it is read: read one byte more than allowed.
	data, err := io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > max {
		return nil, errors.New(path + ": " + overLimit("file size in bytes", len(data), max, "file_bytes"))
	}
	return data, nil
}

// fileKind names a non-regular file type for an error.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "a special file"
}

// scanLimits checks YAML text against the depth and entries limits in one
// linear pass, before the parser sees it. It understands just enough YAML
// to be conservative: block nesting by indentation and "- " items, flow
// nesting by brackets outside quotes and comments, entries as lines at one
// indentation under one parent and commas at one flow level. Block scalar
// bodies (after | or >) are skipped. It returns the position of the first
// excess and what was exceeded.
func scanLimits(data []byte, lim Limits) (line, col int, msg string) {
	type level struct {
		indent  int // block: indentation; flow: -1
		entries int
	}
	var stack []level
	scalarIndent := -1 // inside a block scalar deeper than this indentation
	lineNo := 0
	for len(data) > 0 {
		lineNo++
		var text []byte
		if i := indexByte(data, '\n'); i >= 0 {
			text, data = data[:i], data[i+1:]
		} else {
			text, data = data, nil
		}
		indent := 0
		for indent < len(text) && text[indent] == ' ' {
			indent++
		}
		rest := text[indent:]
		if len(rest) == 0 || rest[0] == '#' || rest[0] == '\r' {
			continue
		}
		if scalarIndent >= 0 {
			if indent > scalarIndent {
				continue
			}
			scalarIndent = -1
		}
		inFlow := len(stack) > 0 && stack[len(stack)-1].indent < 0
		if !inFlow {
			for len(stack) > 0 && stack[len(stack)-1].indent > indent {
				stack = stack[:len(stack)-1]
			}
			if len(stack) == 0 || stack[len(stack)-1].indent < indent {
				stack = append(stack, level{indent: indent})
			}
			top := &stack[len(stack)-1]
			top.entries++
			if top.entries > lim.Entries {
				return lineNo, indent + 1, overLimit("entries in one mapping or list", top.entries, lim.Entries, "entries")
			}
			// "- - - x": each dash opens one more level.
			for c := indent; c+1 < len(text) && text[c] == '-' && (text[c+1] == ' ' || text[c+1] == '\t'); {
				c += 2
				for c < len(text) && text[c] == ' ' {
					c++
				}
				stack = append(stack, level{indent: c})
				if len(stack) > lim.Depth {
					return lineNo, c + 1, overLimit("nesting depth", len(stack), lim.Depth, "depth")
				}
				stack[len(stack)-1].entries = 1
			}
			if len(stack) > lim.Depth {
				return lineNo, indent + 1, overLimit("nesting depth", len(stack), lim.Depth, "depth")
			}
		}
		// Flow collections, quotes and comments within the line.
		var quote byte
		lastSpace := true
		for c := indent; c < len(text); c++ {
			ch := text[c]
			if quote != 0 {
				switch {
				case quote == '"' && ch == '\\':
					c++
				case ch == quote:
					quote = 0
				}
				continue
			}
			switch ch {
			case '#':
				if lastSpace {
					c = len(text)
					continue
				}
			case '"', '\'':
				if lastSpace || c > 0 && strings.IndexByte("[{,: ", text[c-1]) >= 0 {
					quote = ch
				}
			case '[', '{':
				stack = append(stack, level{indent: -1, entries: 1})
				if len(stack) > lim.Depth {
					return lineNo, c + 1, overLimit("nesting depth", len(stack), lim.Depth, "depth")
				}
			case ']', '}':
				if len(stack) > 0 && stack[len(stack)-1].indent < 0 {
					stack = stack[:len(stack)-1]
				}
			case ',':
				if len(stack) > 0 && stack[len(stack)-1].indent < 0 {
					top := &stack[len(stack)-1]
					top.entries++
					if top.entries > lim.Entries {
						return lineNo, c + 1, overLimit("entries in one mapping or list", top.entries, lim.Entries, "entries")
					}
				}
			case '|', '>':
				// A block scalar header ("|", ">-", "|2 # note") ends the
				// line's structure; its body is text.
				if lastSpace && !(len(stack) > 0 && stack[len(stack)-1].indent < 0) && blockHeader(text[c+1:]) {
					scalarIndent = indent
					c = len(text)
					continue
				}
			}
			lastSpace = ch == ' ' || ch == '\t'
		}
	}
	return 0, 0, ""
}

// blockHeader reports whether what follows | or > is a block scalar's
// indicators ([-+0-9]*), optionally a comment.
func blockHeader(b []byte) bool {
	i := 0
	for i < len(b) && (b[i] == '-' || b[i] == '+' || b[i] >= '0' && b[i] <= '9') {
		i++
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i == len(b) || b[i] == '#'
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// checkCounts bounds what the scenario asks the simulator to build.
func (d *decoder) checkCounts(s *Scenario, lim Limits) {
	ifaces, flows := 0, 0
	for _, n := range s.Nodes {
		ifaces += len(n.Interfaces)
		flows += len(n.Traffic)
	}
	for _, c := range []struct {
		what       string
		got, limit int
		name       string
	}{
		{"nodes", len(s.Nodes), lim.Nodes, "nodes"},
		{"interfaces (all nodes)", ifaces, lim.Interfaces, "interfaces"},
		{"traffic flows (all nodes)", flows, lim.Flows, "flows"},
		{"timeline actions", len(s.Timeline), lim.Timeline, "timeline"},
	} {
		if c.got > c.limit {
			d.add(s.Pos, "%s", overLimit(c.what, c.got, c.limit, c.name))
		}
	}
}

// chunkEntries is how many entries of a large top-level mapping are parsed
// at once (see parseChunked); a mapping with fewer is parsed whole.
const chunkEntries = 128

// parseChunked is parser.ParseBytes, except that a large top-level block
// mapping (nodes: with 10^4 nodes) is parsed in chunks of chunkEntries
// entries. goccy/go-yaml parses the n keys of one block mapping by
// recursion and appends the rest of the mapping at each level
// (parser.parseMap), so n keys cost O(n^2) copying: 10^4 nodes took a
// second and 600 MB. Each chunk is parsed behind blank lines, so every
// position is still the file's. Anything unusual (a chunk that does not
// parse alone) falls back to parsing the file whole, which then reports
// the error as before.
func parseChunked(data []byte) (*ast.File, error) {
	lines := strings.SplitAfter(string(data), "\n")
	type section struct {
		keyLine, key  string
		at            int   // index of the key line
		entries       []int // line indexes where entries start
		first, beyond int   // body lines [first, beyond)
	}
	var big []section
	for i := 0; i < len(lines); i++ {
		key, ok := blockKeyLine(lines[i])
		if !ok {
			continue
		}
		sec := section{keyLine: lines[i], key: key, at: i, first: i + 1}
		indent := -1
		j := i + 1
		for ; j < len(lines); j++ {
			t := strings.TrimLeft(lines[j], " ")
			if t == "" || t == "\n" || t == "\r\n" || t[0] == '#' {
				continue
			}
			n := len(lines[j]) - len(t)
			if n == 0 {
				break
			}
			if indent < 0 {
				indent = n
				if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "-\n") {
					break // a sequence: parsed whole
				}
			}
			if n == indent {
				sec.entries = append(sec.entries, j)
			}
		}
		sec.beyond = j
		i = j - 1
		if len(sec.entries) > 2*chunkEntries {
			big = append(big, sec)
		}
	}
	if len(big) == 0 {
		return parser.ParseBytes(data, 0)
	}
	// The file with each big section's body blanked and its value {}.
	main := append([]string(nil), lines...)
	for _, sec := range big {
		main[sec.at] = strings.Replace(sec.keyLine, ":", ": {}", 1)
		for k := sec.first; k < sec.beyond; k++ {
			main[k] = blankLine(lines[k])
		}
	}
	f, err := parser.ParseBytes([]byte(strings.Join(main, "")), 0)
	if err != nil || len(f.Docs) != 1 || f.Docs[0] == nil {
		return parser.ParseBytes(data, 0)
	}
	root, ok := f.Docs[0].Body.(*ast.MappingNode)
	if !ok {
		return parser.ParseBytes(data, 0)
	}
	for _, sec := range big {
		var values []*ast.MappingValueNode
		for c := 0; c < len(sec.entries); c += chunkEntries {
			from := sec.entries[c]
			to := sec.beyond
			if c+chunkEntries < len(sec.entries) {
				to = sec.entries[c+chunkEntries]
			}
			text := strings.Repeat("\n", from) + strings.Join(lines[from:to], "")
			cf, err := parser.ParseBytes([]byte(text), 0)
			if err != nil || len(cf.Docs) != 1 || cf.Docs[0] == nil {
				return parser.ParseBytes(data, 0)
			}
			switch b := cf.Docs[0].Body.(type) {
			case *ast.MappingNode:
				values = append(values, b.Values...)
			case *ast.MappingValueNode:
				values = append(values, b)
			default:
				return parser.ParseBytes(data, 0)
			}
		}
		replaced := false
		for _, mv := range root.Values {
			if k, ok := mv.Key.(*ast.StringNode); ok && k.Value == sec.key && !replaced {
				mv.Value = ast.Mapping(values[0].GetToken(), false, values...)
				replaced = true
			}
		}
		if !replaced {
			return parser.ParseBytes(data, 0)
		}
	}
	return f, nil
}

// blockKeyLine reports whether line is "key:" at column 1 with nothing
// after the colon but a comment (a block mapping or sequence follows), and
// returns the key.
func blockKeyLine(line string) (string, bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	key := line[:i]
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "", false
		}
	}
	rest := strings.TrimSpace(line[i+1:])
	return key, rest == "" || strings.HasPrefix(rest, "#")
}

// blankLine keeps only the line break of a line.
func blankLine(line string) string {
	if strings.HasSuffix(line, "\r\n") {
		return "\r\n"
	}
	if strings.HasSuffix(line, "\n") {
		return "\n"
	}
	return ""
}

// eventsPerPacket is a generous count of kernel events per packet a
// traffic source sends: the send, the switch, the delivery, the reply and
// their ARP, with timers.
const eventsPerPacket = 10

// EstimateEvents estimates the events a run of sc until end costs, before
// it runs, and names the biggest contributor: traffic packets (ping
// interval, stream and http rates) and VRRP adverts. It is an upper-bound
// guess for refusing runs that cannot finish (a 1 ns ping for an hour),
// not a prediction.
func EstimateEvents(sc *Scenario, end time.Duration) (float64, string) {
	total, top, what := 0.0, 0.0, ""
	add := func(n float64, desc string) {
		total += n
		if n > top {
			top, what = n, desc
		}
	}
	span := func(start, stop sim.Time) float64 {
		e := sim.Time(end)
		if stop > 0 && stop < e {
			e = stop
		}
		if e <= start {
			return 0
		}
		return float64(e-start) / 1e9
	}
	for _, n := range sc.Nodes {
		for _, f := range n.Traffic {
			secs := span(f.Start, f.Stop)
			switch {
			case f.Interval > 0:
				add(secs/f.Interval.Seconds()*eventsPerPacket, fmt.Sprintf("flow %s: one packet every %v for %.0f s", f.Name, f.Interval, secs))
			case f.Rate > 0:
				add(secs*f.Rate*eventsPerPacket, fmt.Sprintf("flow %s: %g packets/s for %.0f s", f.Name, f.Rate, secs))
			}
		}
		for _, in := range n.VRRP {
			iv := in.AdvertInt
			if iv <= 0 {
				iv = DefaultAdvertInt
			}
			add(end.Seconds()/iv.Seconds()*eventsPerPacket, fmt.Sprintf("vrrp %s/%s: one advert every %v for %.0f s", n.Name, in.Name, iv, end.Seconds()))
		}
	}
	return total, what
}

// Suggest returns ` (did you mean "x"?)` for the valid name closest to bad
// (edit distance under 3), or "": the loader's hint, for the CLI's
// commands, flags and built-in names too.
func Suggest(bad string, valid []string) string { return didYouMean(bad, valid) }
