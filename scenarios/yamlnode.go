package scenarios

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/vrrpsim/vrrpsim/sim"
)

// This file turns goccy/go-yaml AST nodes into typed values. We walk the AST
// ourselves instead of using yaml.Unmarshal so that every value keeps the
// line and column it was written at, every unknown key is an error naming the
// valid ones, and overrides (--set path=value) can be spliced in by path.

// decoder walks one file's AST and collects errors.
type decoder struct {
	errorList
	file string
	// overrides maps a dotted path ("nodes.r2.vrrp.VI_1.advert_int") to the
	// value node that replaces (or adds) the value written in the file.
	overrides map[string]ast.Node

	// Cross-references collected while decoding, checked by validation.
	refs       []ref
	adverts    []advertCheck
	unblocks   []unblockCheck
	scriptUses []scriptUse
	ports      []portCheck
	services   []serviceUse // lb.go
	lbRefs     []lbRef      // lb.go
	warnings   []Warning    // lb.go

	// For override error messages: the valid keys (or names, or list
	// indexes) at each path visited, and which overrides landed.
	levels map[string][]string
	used   map[string]bool
	// setPaths are the overrides in order: the file of positions inside
	// their values (see overrideValue).
	setPaths []string
}

// entry is one key: value pair of a mapping, in file order.
type entry struct {
	key    string
	keyPos Pos
	val    ast.Node
}

func (d *decoder) pos(n ast.Node) Pos {
	if n == nil {
		return Pos{File: d.file, Line: 1, Col: 1}
	}
	// A mapping is where its first key is written (goccy's start token of a
	// block mapping is the first colon).
	switch m := n.(type) {
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 && m.Values[0] != nil && m.Values[0].Key != nil {
			return d.pos(m.Values[0].Key)
		}
	case *ast.MappingValueNode:
		if m.Key != nil {
			return d.pos(m.Key)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{File: d.file, Line: 1, Col: 1}
	}
	p := d.setPos(Pos{File: d.file, Line: tk.Position.Line, Col: tk.Position.Column})
	if o, ok := n.(*overrideNode); ok {
		p = o.pos
	}
	return p
}

// overrideNode wraps a value given on the command line so that errors about
// it point at the override, not at a line of the file.
type overrideNode struct {
	ast.Node
	pos Pos
}

// unwrap strips anchors and tags (they do not change meaning here) and
// rejects aliases, which would let one value appear at two positions.
func (d *decoder) unwrap(n ast.Node) ast.Node {
	for i := 0; i < 100 && n != nil; i++ {
		switch v := n.(type) {
		case *overrideNode:
			inner := d.unwrap(v.Node)
			if inner == nil {
				return nil
			}
			return &overrideNode{Node: inner, pos: v.pos}
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			d.add(d.pos(n), "YAML aliases (*name) are not supported; valid: write the value out")
			return nil
		case *ast.DocumentNode:
			n = v.Body
		default:
			return n
		}
	}
	return n
}

// base returns the concrete AST node under an overrideNode.
func base(n ast.Node) ast.Node {
	if o, ok := n.(*overrideNode); ok {
		return o.Node
	}
	return n
}

// describe names a node's YAML type for "got X" messages.
func describe(n ast.Node) string {
	switch v := base(n).(type) {
	case nil, *ast.NullNode:
		return "nothing (null)"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.IntegerNode:
		return "the integer " + v.GetToken().Value
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + v.GetToken().Value
	case *ast.BoolNode:
		return "the boolean " + v.GetToken().Value
	case *ast.StringNode, *ast.LiteralNode:
		s, _ := scalarText(v)
		// Keep the error on one readable line whatever was pasted.
		if r := []rune(s); len(r) > maxQuoted {
			return strconv.Quote(string(r[:maxQuoted])) + "..."
		}
		return strconv.Quote(s)
	default:
		return "a " + v.Type().String()
	}
}

// maxQuoted bounds the text of a bad value quoted in an error.
const maxQuoted = 40

func isNull(n ast.Node) bool {
	switch base(n).(type) {
	case nil, *ast.NullNode:
		return true
	}
	return false
}

// scalarText returns the text of a scalar node as written (unquoted).
func scalarText(n ast.Node) (string, bool) {
	switch v := base(n).(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		tk := v.GetToken()
		if tk == nil {
			return "", false
		}
		return tk.Value, true
	}
	return "", false
}

// entries returns the pairs of a mapping in file order; null counts as an
// empty mapping (`lan:` with nothing after it). Duplicate keys are errors.
func (d *decoder) entries(n ast.Node, what string) []entry {
	n = d.unwrap(n)
	if isNull(n) {
		return nil
	}
	var pairs []*ast.MappingValueNode
	switch v := base(n).(type) {
	case *ast.MappingNode:
		pairs = v.Values
	case *ast.MappingValueNode:
		pairs = []*ast.MappingValueNode{v}
	default:
		d.add(d.pos(n), "%s must be a mapping (key: value), got %s; valid: one \"key: value\" per line, or {key: value, ...}", what, describe(n))
		return nil
	}
	seen := make(map[string]bool, len(pairs))
	out := make([]entry, 0, len(pairs))
	for _, mv := range pairs {
		if mv == nil {
			continue
		}
		var k ast.Node = mv.Key
		if mk, ok := k.(*ast.MappingKeyNode); ok {
			k = mk.Value
		}
		if mk, ok := k.(*ast.MergeKeyNode); ok {
			d.add(d.pos(mk), "YAML merge keys (<<) are not supported in %s; valid: write the keys out", what)
			continue
		}
		k = d.unwrap(k)
		key, ok := scalarText(k)
		if !ok {
			d.add(d.pos(mv), "a key in %s must be a plain name, got %s; valid: a name like r1 or eth0", what, describe(k))
			continue
		}
		kp := d.pos(k)
		if seen[key] {
			d.add(kp, "duplicate key %q in %s; valid: each key once", key, what)
			continue
		}
		seen[key] = true
		out = append(out, entry{key: key, keyPos: kp, val: mv.Value})
	}
	return out
}

// visit records the valid keys at path, for override error messages.
func (d *decoder) visit(path string, keys []string) {
	if d.levels != nil {
		d.levels[path] = keys
	}
}

// override returns the override for path and marks it used.
func (d *decoder) override(path string) (ast.Node, bool) {
	v, ok := d.overrides[path]
	if ok {
		if d.used == nil {
			d.used = map[string]bool{}
		}
		d.used[path] = true
	}
	return v, ok
}

// object is a mapping whose keys are a fixed set of field names.
type object struct {
	d    *decoder
	what string // "vrrp instance VI_1 of r1", for messages
	path string // dotted path, for overrides
	pos  Pos
	vals map[string]entry
	// unknown counts keys not in the valid set. A misspelt key is also a
	// missing one; saying both would put "missing key" (at the mapping)
	// before the line that is really wrong.
	unknown int
}

// missing reports a required key that is absent, unless the mapping has
// an unknown key, which was reported and is most likely the misspelling.
func (o *object) missing(p Pos, format string, args ...any) {
	if o.unknown > 0 {
		return
	}
	o.d.add(p, format, args...)
}

// object checks that n is a mapping whose keys are all in valid, applies
// overrides under path, and returns the fields by name.
func (d *decoder) object(n ast.Node, path, what string, valid []string) *object {
	o := &object{d: d, what: what, path: path, pos: d.pos(n), vals: map[string]entry{}}
	for _, e := range d.entries(n, what) {
		if !contains(valid, e.key) {
			o.unknown++
			d.add(e.keyPos, "unknown key %q in %s%s; valid keys: %s", e.key, what, didYouMean(e.key, valid), quoteList(valid))
			continue
		}
		o.vals[e.key] = e
	}
	d.visit(path, valid)
	for _, k := range valid {
		if v, ok := d.override(join(path, k)); ok {
			o.vals[k] = entry{key: k, keyPos: d.pos(v), val: v}
		}
	}
	return o
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// named returns the entries of a name -> value mapping (nodes, segments,
// instances...), applying overrides to existing names.
func (d *decoder) named(n ast.Node, path, what string) []entry {
	es := d.entries(n, what)
	keys := make([]string, len(es))
	for i := range es {
		keys[i] = es[i].key
		if v, ok := d.override(join(path, es[i].key)); ok {
			es[i].val = v
		}
	}
	d.visit(path, keys)
	return es
}

func (o *object) has(key string) bool {
	_, ok := o.vals[key]
	return ok
}

func (o *object) node(key string) ast.Node {
	return o.vals[key].val
}

func (o *object) at(key string) Pos {
	if e, ok := o.vals[key]; ok {
		return o.d.pos(e.val)
	}
	return o.pos
}

func (o *object) keyAt(key string) Pos {
	if e, ok := o.vals[key]; ok {
		return e.keyPos
	}
	return o.pos
}

func (o *object) bad(key, format string, args ...any) {
	o.d.add(o.at(key), "%s in %s: "+format, append([]any{key, o.what}, args...)...)
}

// str returns a scalar as text. Numbers are accepted as their text (keepalived
// writes auth_pass 1111 unquoted).
func (o *object) str(key string) (string, bool) {
	n, ok := o.lookup(key)
	if !ok {
		return "", false
	}
	s, ok := scalarText(n)
	if !ok {
		o.bad(key, "want a single value, got %s; valid: a name or text like r1", describe(n))
		return "", false
	}
	return s, true
}

// lookup returns the unwrapped value of key, if present and not null.
func (o *object) lookup(key string) (ast.Node, bool) {
	e, ok := o.vals[key]
	if !ok {
		return nil, false
	}
	before := len(o.d.errs)
	n := o.d.unwrap(e.val)
	if len(o.d.errs) > before {
		return nil, false // unwrap said what is wrong (an alias)
	}
	if isNull(n) {
		o.d.add(e.keyPos, "%s in %s has no value; valid: remove the key or give a value", key, o.what)
		return nil, false
	}
	return n, true
}

// intIn returns an integer in lo..hi.
func (o *object) intIn(key string, lo, hi int64) (int64, bool) {
	n, ok := o.lookup(key)
	if !ok {
		return 0, false
	}
	v, ok := intValue(n)
	if !ok {
		o.bad(key, "want an integer, got %s; valid: %d..%d", describe(n), lo, hi)
		return 0, false
	}
	if v < lo || v > hi {
		o.bad(key, "%d out of range; valid: %d..%d", v, lo, hi)
		return 0, false
	}
	return v, true
}

func intValue(n ast.Node) (int64, bool) {
	iv, ok := base(n).(*ast.IntegerNode)
	if !ok {
		return 0, false
	}
	switch x := iv.Value.(type) {
	case int64:
		return x, true
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	case int:
		return int64(x), true
	}
	return 0, false
}

// uint64Value returns a non-negative integer (the seed).
func (o *object) uint64Value(key string) (uint64, bool) {
	n, ok := o.lookup(key)
	if !ok {
		return 0, false
	}
	if iv, ok := base(n).(*ast.IntegerNode); ok {
		switch x := iv.Value.(type) {
		case uint64:
			return x, true
		case int64:
			if x >= 0 {
				return uint64(x), true
			}
		}
	}
	o.bad(key, "want a non-negative integer, got %s; valid: 0..%d", describe(n), uint64(math.MaxUint64))
	return 0, false
}

func (o *object) boolean(key string) (bool, bool) {
	n, ok := o.lookup(key)
	if !ok {
		return false, false
	}
	b, ok := base(n).(*ast.BoolNode)
	if !ok {
		o.bad(key, "want a boolean, got %s; valid: true or false", describe(n))
		return false, false
	}
	return b.Value, true
}

// number returns a finite float in lo..hi (integers accepted).
func (o *object) number(key string, lo, hi float64) (float64, bool) {
	n, ok := o.lookup(key)
	if !ok {
		return 0, false
	}
	var f float64
	switch v := base(n).(type) {
	case *ast.FloatNode:
		f = v.Value
	case *ast.IntegerNode:
		i, ok := intValue(v)
		if !ok {
			o.bad(key, "want a number, got %s; valid: %g..%g", describe(n), lo, hi)
			return 0, false
		}
		f = float64(i)
	case *ast.StringNode:
		// YAML 1.2 reads 1e9 as a number; goccy leaves it a string.
		x, err := strconv.ParseFloat(v.Value, 64)
		if err != nil {
			o.bad(key, "want a number, got %s; valid: %g..%g", describe(n), lo, hi)
			return 0, false
		}
		f = x
	default:
		o.bad(key, "want a number, got %s; valid: %g..%g", describe(n), lo, hi)
		return 0, false
	}
	if math.IsNaN(f) || f < lo || f > hi {
		o.bad(key, "%g out of range; valid: %g..%g", f, lo, hi)
		return 0, false
	}
	return f, true
}

// loss returns a loss probability: a fraction 0..1 or a percentage "5%".
func (o *object) loss(key string) (float64, bool) {
	n, ok := o.lookup(key)
	if !ok {
		return 0, false
	}
	if s, ok := base(n).(*ast.StringNode); ok && strings.HasSuffix(s.Value, "%") {
		f, err := strconv.ParseFloat(strings.TrimSuffix(s.Value, "%"), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
			o.bad(key, "bad loss %q; valid: a fraction 0..1 like 0.05, or a percentage 0%%..100%% like \"5%%\"", s.Value)
			return 0, false
		}
		return f / 100, true
	}
	switch base(n).(type) {
	case *ast.FloatNode, *ast.IntegerNode:
		return o.number(key, 0, 1)
	}
	o.bad(key, "want a loss, got %s; valid: a fraction 0..1 like 0.05, or a percentage like \"5%%\"", describe(n))
	return 0, false
}

// durationHint is the "valid:" part of every duration error.
const durationHint = `a Go duration like "1s", "20ms", "3.5s", "100us", or a number of seconds like 1 or 0.1`

// ParseDuration parses a scenario duration: a Go duration string ("1s",
// "20ms", "3.5s", "100us", "1m30s") or a bare number of seconds as keepalived
// writes them ("1", "0.1", "5"). Negative durations are rejected
// (ErrNegativeDuration), and so are durations longer than Go's limit of
// about 292 years (ErrDurationTooLong); the error wraps ErrBadDuration.
func ParseDuration(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t != s || t == "" {
		return 0, ErrBadDuration
	}
	if strings.HasPrefix(t, "-") {
		if _, err := ParseDuration(t[1:]); err == nil || errors.Is(err, ErrDurationTooLong) {
			return 0, ErrNegativeDuration
		}
		return 0, ErrBadDuration
	}
	if d, err := time.ParseDuration(t); err == nil {
		return d, nil
	}
	if goDuration.MatchString(t) {
		return 0, ErrDurationTooLong // well formed, so it overflowed
	}
	// A bare number: seconds. Reuse ParseDuration on "<number>s" so 0.1
	// becomes exactly 100ms (no float rounding).
	if d, err := time.ParseDuration(t + "s"); err == nil && t[len(t)-1] >= '0' && t[len(t)-1] <= '9' {
		return d, nil
	}
	// Forms like 1e-3 that time.ParseDuration does not take.
	f, err := strconv.ParseFloat(t, 64)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange), math.IsNaN(f):
		return 0, ErrBadDuration
	case math.IsInf(f, 1) || f*1e9 > math.MaxInt64:
		return 0, ErrDurationTooLong
	}
	return time.Duration(math.Round(f * 1e9)), nil
}

// goDuration matches what time.ParseDuration accepts, whatever the size.
var goDuration = regexp.MustCompile(`^(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// Duration errors.
var (
	ErrBadDuration      = errors.New("bad duration")
	ErrNegativeDuration = fmt.Errorf("%w: negative", ErrBadDuration)
	ErrDurationTooLong  = fmt.Errorf("%w: longer than %v", ErrBadDuration, time.Duration(math.MaxInt64).Truncate(time.Hour))
)

// duration returns a non-negative duration.
func (o *object) duration(key string) (time.Duration, bool) {
	n, ok := o.lookup(key)
	if !ok {
		return 0, false
	}
	switch base(n).(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode:
	default:
		o.bad(key, "want a duration, got %s; valid: %s", describe(n), durationHint)
		return 0, false
	}
	s, _ := scalarText(n)
	d, err := ParseDuration(s)
	switch {
	case errors.Is(err, ErrNegativeDuration):
		o.bad(key, "negative duration %q; valid: 0 or more, %s", s, durationHint)
		return 0, false
	case errors.Is(err, ErrDurationTooLong):
		o.bad(key, "duration %q is too long; valid: at most %v (about 292 years)", s, time.Duration(math.MaxInt64).Truncate(time.Hour))
		return 0, false
	case err != nil:
		o.bad(key, "bad duration %q; valid: %s", s, durationHint)
		return 0, false
	}
	return d, true
}

// time returns a point in virtual time (a duration from the start).
func (o *object) time(key string) (sim.Time, bool) {
	d, ok := o.duration(key)
	return sim.D(d), ok
}

// addr returns an IPv4 address.
func (o *object) addr(key string) (netip.Addr, bool) {
	n, ok := o.lookup(key)
	if !ok {
		return netip.Addr{}, false
	}
	return o.d.addr(n, key+" in "+o.what)
}

func (d *decoder) addr(n ast.Node, what string) (netip.Addr, bool) {
	s, ok := scalarText(n)
	a, err := netip.ParseAddr(s)
	if !ok || err != nil || !a.Is4() {
		d.add(d.pos(n), "bad IPv4 address %s for %s; valid: dotted quad like 10.0.0.1", describe(n), what)
		return netip.Addr{}, false
	}
	return a, true
}

// prefix returns an address with its prefix length ("10.0.0.1/24"). When
// bareBits >= 0, a bare address is accepted and gets that length (keepalived
// writes virtual_ipaddress 10.0.0.254 and means /32).
func (d *decoder) prefix(n ast.Node, what string, bareBits int) (netip.Prefix, bool) {
	s, ok := scalarText(n)
	if ok && bareBits >= 0 && !strings.Contains(s, "/") {
		if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
			return netip.PrefixFrom(a, bareBits), true
		}
	}
	p, err := netip.ParsePrefix(s)
	if !ok || err != nil || !p.Addr().Is4() {
		hint := "address/length like 10.0.0.1/24"
		if bareBits >= 0 {
			hint = "an IPv4 address like 10.0.0.254, or " + hint
		}
		d.add(d.pos(n), "bad IPv4 %s %s; valid: %s", what, describe(n), hint)
		return netip.Prefix{}, false
	}
	return p, true
}

// mac returns a MAC address written "02:00:00:00:00:01".
func (d *decoder) mac(n ast.Node, what string) ([6]byte, bool) {
	var m [6]byte
	s, ok := scalarText(n)
	parts := strings.Split(s, ":")
	if !ok || len(parts) != 6 {
		d.add(d.pos(n), "bad MAC address %s for %s; valid: six hex bytes like 02:00:5e:00:01:33", describe(n), what)
		return m, false
	}
	for i, p := range parts {
		b, err := strconv.ParseUint(p, 16, 8)
		if err != nil || len(p) != 2 {
			d.add(d.pos(n), "bad MAC address %s for %s; valid: six hex bytes like 02:00:5e:00:01:33", describe(n), what)
			return m, false
		}
		m[i] = byte(b)
	}
	return m, true
}

// list returns the items of a YAML list; null is an empty list.
func (d *decoder) list(n ast.Node, what string) []ast.Node {
	n = d.unwrap(n)
	if isNull(n) {
		return nil
	}
	s, ok := base(n).(*ast.SequenceNode)
	if !ok {
		d.add(d.pos(n), "%s must be a list, got %s; valid: [a, b] or one \"- item\" per line", what, describe(n))
		return nil
	}
	out := make([]ast.Node, 0, len(s.Values))
	for _, v := range s.Values {
		out = append(out, d.unwrap(v))
	}
	return out
}

// items is list for lists of mappings (timeline, expect, routes, traffic):
// it records the indexes at path so overrides like timeline.0.at can be
// checked.
func (d *decoder) items(n ast.Node, path, what string) []ast.Node {
	out := d.list(n, what)
	idx := make([]string, len(out))
	for i := range out {
		idx[i] = strconv.Itoa(i)
	}
	d.visit(path, idx)
	return out
}

// names returns a list of plain names (instance names, node names).
func (d *decoder) names(n ast.Node, what string) []Name {
	var out []Name
	for _, v := range d.list(n, what) {
		s, ok := scalarText(v)
		if !ok || s == "" {
			d.add(d.pos(v), "%s must be a list of names, got %s; valid: [a, b]", what, describe(v))
			continue
		}
		out = append(out, Name{Pos: d.pos(v), Name: s})
	}
	return out
}

// Name is a name written in the file, with its position (a sync group
// member, a partition group member).
type Name struct {
	Pos  Pos
	Name string
}

// didYouMean suggests the valid key closest to a misspelt one (at most two
// edits away, or the same with case ignored), as " (did you mean "x"?)".
func didYouMean(bad string, valid []string) string {
	best, bestD := "", 3
	for _, v := range valid {
		d := editDistance(strings.ToLower(bad), strings.ToLower(v))
		if d < bestD {
			best, bestD = v, d
		}
	}
	if best == "" || bestD >= len(bad) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance: "kidn" is one swap from "kind".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		return 1 << 30 // a key this long is no misspelling of ours
	}
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
