package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// Trace filters (--trace-filter) pick the records a text trace, pcap or
// pcapng keeps. The language, in the spirit of tcpdump's pcap-filter(7):
//
//	expr    = term { "or" term }
//	term    = factor { ["and"] factor }      (and binds tighter than or)
//	factor  = "not" factor | "(" expr ")" | prim
//	prim    = "vrrp" | "arp" | "icmp" | "udp" | "tcp" | "action"
//	        | "node" NAME | "segment" NAME | "vrid" 1..255
//
// "&&", "||" and "!" are accepted for and, or, not. What each primitive
// matches:
//   - a protocol: frames carrying it; vrrp also VRRP state changes and
//     adverts, arp neighbour-cache changes, tcp connection, IPVS and
//     server records;
//   - node N: frames N sent, and records about N (its state changes,
//     drops, neighbour entries; switch records about N's port);
//   - segment S: frames on S, switch records of S, records of a VRRP
//     instance or interface on S, and other records about a node with
//     an interface on S;
//   - vrid V: VRRP frames, state changes and adverts for VRID V;
//   - action: timeline actions ("crash r1").

// FrameFacts is what a filter needs to know about a frame. Reports never
// decode frames: the caller classifies them (cmd uses model/wire).
type FrameFacts struct {
	VRRP, ARP, ICMP, UDP, TCP bool
	VRID                      int // VRRP only
}

// FilterEnv gives a filter the facts it cannot read from a record.
type FilterEnv struct {
	Classify     func(frame []byte) FrameFacts
	NodeSegments map[string][]string // node -> segments of its interfaces
	Segments     map[string]bool     // segment names (records whose Node is a segment)
	// CompSegment names the segment of a node's component where it has
	// one: "r1/VI_1" -> "lan" for a VRRP instance, "h1/eth0" -> "lan".
	// Records of such a component match only that segment.
	CompSegment map[string]string
}

// FilterError is a parse error located in the expression (Col counts
// bytes from 1).
type FilterError struct {
	Expr string
	Col  int
	Msg  string
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("trace filter %q: column %d: %s", e.Expr, e.Col, e.Msg)
}

// Filter is a parsed expression. The zero value is not usable; a nil
// *Filter keeps everything.
type Filter struct {
	root fnode
	env  FilterEnv
}

type fop uint8

const (
	fProto fop = iota + 1
	fAction
	fNode
	fSegment
	fVRID
	fNot
	fAnd
	fOr
)

type fnode struct {
	op   fop
	arg  string
	vrid int
	kids []fnode
}

type ftoken struct {
	text string
	col  int
}

// ParseFilter parses expr. Errors name the column and what was expected.
func ParseFilter(expr string, env FilterEnv) (*Filter, error) {
	p := &fparser{expr: expr, toks: lexFilter(expr)}
	if len(p.toks) == 0 {
		return nil, &FilterError{Expr: expr, Col: 1, Msg: "empty expression; want e.g. 'vrrp and node r1'"}
	}
	root, err := p.or()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		return nil, p.errf(t.col, "unexpected %q; want and, or or the end", t.text)
	}
	return &Filter{root: root, env: env}, nil
}

func lexFilter(s string) []ftoken {
	var toks []ftoken
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')' || c == '!':
			toks = append(toks, ftoken{s[i : i+1], i + 1})
			i++
		case (c == '&' || c == '|') && i+1 < len(s) && s[i+1] == c:
			toks = append(toks, ftoken{s[i : i+2], i + 1})
			i += 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n()!", rune(s[j])) && !strings.HasPrefix(s[j:], "&&") && !strings.HasPrefix(s[j:], "||") {
				j++
			}
			if j == i { // a lone & or |
				j++
			}
			toks = append(toks, ftoken{s[i:j], i + 1})
			i = j
		}
	}
	return toks
}

type fparser struct {
	expr string
	toks []ftoken
	pos  int
}

func (p *fparser) peek() (ftoken, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return ftoken{}, false
}

func (p *fparser) errf(col int, format string, a ...any) error {
	return &FilterError{Expr: p.expr, Col: col, Msg: fmt.Sprintf(format, a...)}
}

// endCol is the column just past the expression, for "missing" errors.
func (p *fparser) endCol() int { return len(p.expr) + 1 }

func (p *fparser) or() (fnode, error) {
	n, err := p.and()
	if err != nil {
		return n, err
	}
	for {
		t, ok := p.peek()
		if !ok || (t.text != "or" && t.text != "||") {
			return n, nil
		}
		p.pos++
		m, err := p.and()
		if err != nil {
			return n, err
		}
		n = fnode{op: fOr, kids: []fnode{n, m}}
	}
}

func (p *fparser) and() (fnode, error) {
	n, err := p.factor()
	if err != nil {
		return n, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.text == "or" || t.text == "||" || t.text == ")" {
			return n, nil
		}
		if t.text == "and" || t.text == "&&" {
			p.pos++
		}
		m, err := p.factor()
		if err != nil {
			return n, err
		}
		n = fnode{op: fAnd, kids: []fnode{n, m}}
	}
}

func (p *fparser) factor() (fnode, error) {
	t, ok := p.peek()
	if !ok {
		return fnode{}, p.errf(p.endCol(), "expression ends early; want a primitive (vrrp, arp, icmp, udp, tcp, action, node NAME, segment NAME, vrid N), not or (")
	}
	p.pos++
	switch t.text {
	case "not", "!":
		n, err := p.factor()
		return fnode{op: fNot, kids: []fnode{n}}, err
	case "(":
		n, err := p.or()
		if err != nil {
			return n, err
		}
		c, ok := p.peek()
		if !ok {
			return n, p.errf(p.endCol(), "missing ) for the ( at column %d", t.col)
		}
		if c.text != ")" {
			return n, p.errf(c.col, "unexpected %q; want ) for the ( at column %d", c.text, t.col)
		}
		p.pos++
		return n, nil
	case "vrrp", "arp", "icmp", "udp", "tcp":
		return fnode{op: fProto, arg: t.text}, nil
	case "action":
		return fnode{op: fAction}, nil
	case "node", "segment", "vrid":
		a, ok := p.peek()
		if !ok || isFilterWord(a.text) {
			col := p.endCol()
			if ok {
				col = a.col
			}
			return fnode{}, p.errf(col, "%s needs an argument (e.g. %s)", t.text, map[string]string{"node": "node r1", "segment": "segment lan", "vrid": "vrid 51"}[t.text])
		}
		p.pos++
		switch t.text {
		case "node":
			return fnode{op: fNode, arg: a.text}, nil
		case "segment":
			return fnode{op: fSegment, arg: a.text}, nil
		}
		v, err := strconv.Atoi(a.text)
		if err != nil || v < 1 || v > 255 {
			return fnode{}, p.errf(a.col, "vrid %q: want a number 1..255", a.text)
		}
		return fnode{op: fVRID, vrid: v}, nil
	case ")":
		return fnode{}, p.errf(t.col, "unexpected ); no ( to close")
	}
	return fnode{}, p.errf(t.col, "unknown word %q; want vrrp, arp, icmp, udp, tcp, action, node NAME, segment NAME, vrid N, and, or, not", t.text)
}

func isFilterWord(s string) bool {
	switch s {
	case "and", "or", "not", "&&", "||", "!", "(", ")":
		return true
	}
	return false
}

// Match reports whether the filter keeps r. A nil filter keeps everything.
func (f *Filter) Match(r *sim.Record) bool {
	if f == nil {
		return true
	}
	var facts *FrameFacts
	if (r.Kind == sim.KindFrame || r.Kind == sim.KindDeliver) && f.env.Classify != nil {
		ff := f.env.Classify(r.Frame)
		facts = &ff
	}
	return f.eval(&f.root, r, facts)
}

func (f *Filter) eval(n *fnode, r *sim.Record, facts *FrameFacts) bool {
	switch n.op {
	case fNot:
		return !f.eval(&n.kids[0], r, facts)
	case fAnd:
		return f.eval(&n.kids[0], r, facts) && f.eval(&n.kids[1], r, facts)
	case fOr:
		return f.eval(&n.kids[0], r, facts) || f.eval(&n.kids[1], r, facts)
	case fAction:
		return r.Kind == sim.KindAction
	case fProto:
		if facts != nil {
			switch n.arg {
			case "vrrp":
				return facts.VRRP
			case "arp":
				return facts.ARP
			case "icmp":
				return facts.ICMP
			case "udp":
				return facts.UDP
			}
			return facts.TCP
		}
		switch n.arg {
		case "vrrp":
			return r.Kind == sim.KindState || r.Kind == sim.KindAdvert || isPriorityNote(r)
		case "arp":
			return r.Kind == sim.KindNeigh
		case "tcp":
			return r.Kind == sim.KindConn || r.Kind == sim.KindIPVS || r.Kind == sim.KindServe || r.Kind == sim.KindProxy
		}
		return false
	case fVRID:
		if facts != nil {
			return facts.VRRP && facts.VRID == n.vrid
		}
		return (r.Kind == sim.KindState || r.Kind == sim.KindAdvert || isPriorityNote(r)) && r.Value2 == int64(n.vrid)
	case fNode:
		return f.recordNode(r) == n.arg
	case fSegment:
		if f.onSegment(r) {
			return r.Node == n.arg
		}
		if s, ok := f.env.CompSegment[r.Node+"/"+r.Comp]; ok {
			return s == n.arg
		}
		return slices.Contains(f.env.NodeSegments[f.recordNode(r)], n.arg)
	}
	return false
}

// onSegment: the record was emitted by a segment (Node is its name).
func (f *Filter) onSegment(r *sim.Record) bool {
	return r.Kind == sim.KindFrame || r.Kind == sim.KindDeliver || r.Kind == sim.KindFDB || f.env.Segments[r.Node]
}

// recordNode is the node a record is about: for a segment's records the
// node owning the port ("r1/eth0" in Comp, or To/From for FDB moves).
func (f *Filter) recordNode(r *sim.Record) string {
	if !f.onSegment(r) {
		return r.Node
	}
	port := r.Comp
	if r.Kind == sim.KindFDB {
		port = r.To
		if port == "" {
			port = r.From
		}
	}
	node, _, _ := strings.Cut(port, "/")
	return node
}

// FilterTracer returns a tracer that hands t only the records f keeps.
func FilterTracer(f *Filter, t sim.Tracer) sim.Tracer {
	if f == nil {
		return t
	}
	return func(r *sim.Record) {
		if f.Match(r) {
			t(r)
		}
	}
}
