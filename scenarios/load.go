package scenarios

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
)

// Load parses and validates a scenario. filename is only used in error
// messages ("master-crash.yaml:14:9: ..."). The error is an Errors value: one
// line per problem, in file order.
func Load(filename string, data []byte) (*Scenario, error) {
	return LoadWithOverrides(filename, data, nil)
}

// LoadFile reads and loads the scenario file at path, within the default
// limits.
func LoadFile(path string) (*Scenario, error) {
	return LoadFileWithLimits(path, DefaultLimits())
}

// LoadFileWithLimits reads and loads the scenario file at path within lim
// (a regular file of at most lim.FileBytes; see Limits).
func LoadFileWithLimits(path string, lim Limits) (*Scenario, error) {
	lim = lim.orDefault()
	data, err := ReadFile(path, lim.FileBytes)
	if err != nil {
		return nil, err
	}
	return LoadWithLimits(path, data, nil, lim)
}

// LoadWithOverrides is Load with some values replaced first, as a sweep or
// `--set` does. Each key is a dotted path to a value
// ("nodes.r2.vrrp.VI_1.advert_int", "segments.lan.loss", "seed",
// "timeline.0.at"; list items by index), each value YAML text as it would be
// written in the file ("1.5s", "0.02", "[10.0.0.254]"). A key that the file
// does not write yet is added, if it is valid at that place. A path that
// leads nowhere is an error naming the valid keys where it failed.
func LoadWithOverrides(filename string, data []byte, overrides map[string]string) (s *Scenario, err error) {
	return LoadWithLimits(filename, data, overrides, DefaultLimits())
}

// LoadWithLimits is LoadWithOverrides within lim: the file and each
// override are checked against the size, depth and entries limits before
// they are parsed, and the decoded scenario against the count limits before
// it is validated.
func LoadWithLimits(filename string, data []byte, overrides map[string]string, lim Limits) (*Scenario, error) {
	return loadWithin(diskRoot(filename), filename, data, overrides, lim)
}

// loadWithin is LoadWithLimits reading keepalived_conf: paths in confs.
func loadWithin(confs confRoot, filename string, data []byte, overrides map[string]string, lim Limits) (s *Scenario, err error) {
	// goccy/go-yaml is third-party code fed untrusted bytes: a panic inside
	// it must become an error, not a crash of `vrrpsim check`.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, Errors{{Pos: Pos{File: filename, Line: 1, Col: 1}, Msg: fmt.Sprintf("YAML parser failed: %v; valid: a YAML mapping", r)}}
		}
	}()
	lim = lim.orDefault()
	d := &decoder{file: filename, overrides: map[string]ast.Node{}, levels: map[string][]string{}}
	if !d.withinLimits(data, lim) {
		return nil, d.err()
	}
	paths := make([]string, 0, len(overrides))
	for p := range overrides {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		v := overrides[p]
		pos := Pos{File: setFile(p), Line: 1, Col: 1}
		if len(v) > lim.SetBytes {
			d.add(pos, "%s", overLimit("value size in bytes", len(v), lim.SetBytes, "set_bytes"))
		} else if line, col, msg := scanLimits([]byte(v), lim); msg != "" {
			d.add(Pos{File: pos.File, Line: line, Col: col}, "%s", msg)
		}
	}
	if len(d.errs) > 0 {
		return nil, d.err()
	}
	root, ok := d.parse(data)
	if !ok {
		return nil, d.err()
	}
	d.setPaths = paths
	for i, p := range paths {
		d.overrides[p] = overrideValue(p, overrides[p], i)
	}
	s = d.scenario(root)
	d.readConfs(s, confs)
	d.readReloadConfs(s, confs)
	d.checkOverridesUsed(paths)
	if len(d.errs) == 0 {
		d.checkCounts(s, lim)
	}
	if len(d.errs) == 0 {
		d.validate(s)
	}
	if err := d.err(); err != nil {
		return nil, err
	}
	s.file, s.data, s.root = filename, data, confs
	if len(overrides) > 0 {
		s.overrides = make(map[string]string, len(overrides))
		for k, v := range overrides {
			s.overrides[k] = v
		}
	}
	return s, nil
}

// Set overrides one value by dotted path (see LoadWithOverrides) and re-loads
// the scenario from its source. On error s is unchanged.
func (s *Scenario) Set(path, value string) error {
	if s.data == nil {
		return errors.New("scenario was not loaded from a file; valid: Set on a scenario returned by Load")
	}
	ov := make(map[string]string, len(s.overrides)+1)
	for k, v := range s.overrides {
		ov[k] = v
	}
	ov[path] = value
	ns, err := loadWithin(s.root, s.file, s.data, ov, DefaultLimits())
	if err != nil {
		return err
	}
	*s = *ns
	return nil
}

// withinLimits checks a file against the size, depth and entries limits
// before the parser sees it (LoadWithLimits, LoadSched); false when it
// reported what is over.
func (d *decoder) withinLimits(data []byte, lim Limits) bool {
	if len(data) > lim.FileBytes {
		d.add(Pos{File: d.file, Line: 1, Col: 1}, "%s", overLimit("file size in bytes", len(data), lim.FileBytes, "file_bytes"))
		return false
	}
	if line, col, msg := scanLimits(data, lim); msg != "" {
		d.add(Pos{File: d.file, Line: line, Col: col}, "%s", msg)
		return false
	}
	return true
}

// setLineBase offsets the line numbers of --set values' tokens (see
// overrideValue); no file within Limits has that many lines.
const setLineBase = 1 << 24

// setPos maps a position inside a --set value back to the override.
func (d *decoder) setPos(p Pos) Pos {
	if k := p.Line/setLineBase - 1; k >= 0 && k < len(d.setPaths) {
		p.File, p.Line = setFile(d.setPaths[k]), p.Line%setLineBase
	}
	return p
}

// parse runs the YAML parser and returns the single document's body.
func (d *decoder) parse(data []byte) (ast.Node, bool) {
	if data = d.text(data); data == nil && len(d.errs) > 0 {
		return nil, false
	}
	f, err := parseChunked(data)
	if err != nil {
		p := Pos{File: d.file, Line: 1, Col: 1}
		msg := err.Error()
		var ye yaml.Error
		if errors.As(err, &ye) {
			msg = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				p.Line, p.Col = tk.Position.Line, tk.Position.Column
			}
		}
		d.add(p, "YAML syntax error: %s; valid: YAML like the built-in scenarios (see BuiltinSource)", oneLine(msg))
		return nil, false
	}
	var bodies []ast.Node
	for _, doc := range f.Docs {
		if doc != nil && doc.Body != nil && !isNull(doc.Body) {
			if _, comment := doc.Body.(*ast.CommentGroupNode); !comment {
				bodies = append(bodies, doc.Body)
			}
		}
	}
	switch {
	case len(bodies) == 0:
		d.add(Pos{File: d.file, Line: 1, Col: 1}, "empty scenario; valid: a mapping with at least name:, nodes: and segments:")
		return nil, false
	case len(bodies) > 1:
		d.add(d.pos(bodies[1]), "more than one YAML document; valid: one scenario per file")
		return nil, false
	}
	return bodies[0], true
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// overrideValue parses an override's YAML text into a node whose errors
// point at the override ("--set seed:1:1: ...").
//
// The value's tokens are numbered from line (i+1)*setLineBase, so that an
// error about a node inside it ("[10.0.0.254, bad]") names the override and
// the column in it (decoder.pos maps the line back).
func overrideValue(path, value string, i int) ast.Node {
	pos := Pos{File: setFile(path), Line: 1, Col: 1}
	var n ast.Node
	func() {
		defer func() { _ = recover() }()
		tokens := lexer.Tokenize(value)
		for _, tk := range tokens {
			if tk.Position != nil {
				tk.Position.Line += (i + 1) * setLineBase
			}
		}
		if f, err := parser.Parse(tokens, 0); err == nil && len(f.Docs) == 1 && f.Docs[0].Body != nil {
			n = f.Docs[0].Body
		}
	}()
	if n == nil {
		n = ast.String(tokenString(value))
	}
	return &overrideNode{Node: n, pos: pos}
}

// checkOverridesUsed reports each override that did not land anywhere,
// naming the valid keys at the deepest level it reached.
func (d *decoder) checkOverridesUsed(paths []string) {
	for _, p := range paths {
		if d.used[p] {
			continue
		}
		pos := Pos{File: setFile(p), Line: 1, Col: 1}
		parts := strings.Split(p, ".")
		// The deepest visited level that is a prefix of p.
		level := ""
		i := 0
		for ; i < len(parts); i++ {
			next := join(level, parts[i])
			if _, ok := d.levels[next]; !ok {
				break
			}
			level = next
		}
		valid := d.levels[level]
		where := level
		if where == "" {
			where = "the top level"
		}
		if i < len(parts) && contains(valid, parts[i]) {
			d.add(pos, "cannot set %s: %s is not written in the file or holds no %q; valid: set an existing value or a key of a mapping that exists", p, join(level, parts[i]), strings.Join(parts[i+1:], "."))
			continue
		}
		bad := ""
		if i < len(parts) {
			bad = parts[i]
		}
		d.add(pos, "cannot set %s: no key %q at %s; valid keys: %s", p, bad, where, quoteList(valid))
	}
}

// text returns data as UTF-8 without a byte order mark. YAML 1.2 allows a
// UTF-8 BOM and UTF-16 files (with a BOM, as Windows editors save them):
// both are accepted, and line:col positions stay those of the file.
func (d *decoder) text(data []byte) []byte {
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		return data[3:]
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		be := data[0] == 0xfe
		body := data[2:]
		if len(body)%2 != 0 {
			d.add(Pos{File: d.file, Line: 1, Col: 1}, "UTF-16 file with an odd number of bytes; valid: save the file as UTF-8")
			return nil
		}
		u := make([]uint16, len(body)/2)
		for i := range u {
			if be {
				u[i] = binary.BigEndian.Uint16(body[2*i:])
			} else {
				u[i] = binary.LittleEndian.Uint16(body[2*i:])
			}
		}
		return []byte(string(utf16.Decode(u)))
	case len(data) >= 2 && (data[0] == 0 || data[1] == 0):
		d.add(Pos{File: d.file, Line: 1, Col: 1}, "the file starts with NUL bytes: UTF-16 or UTF-32 without a byte order mark, or not text; valid: save the file as UTF-8")
		return nil
	}
	return data
}

// setFile is the "file" of positions in a --set value: the path, quoted
// when it holds anything that would break the error's line.
func setFile(path string) string {
	if strings.ContainsFunc(path, func(r rune) bool { return r < 0x20 || r == 0x7f || r == ':' }) {
		return "--set " + strconv.Quote(path)
	}
	return "--set " + path
}
