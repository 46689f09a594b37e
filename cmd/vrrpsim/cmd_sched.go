package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"strconv"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

const schedUsage = `usage: vrrpsim sched FILE [--json]

Replays a scheduler playground file against one IPVS virtual service and
prints what the kernel's scheduler picks for each new connection, with
every destination's active/inactive counters after each request; with
scheduler: nginx-* it replays HTTP requests against one nginx upstream
instead (docs/nginx.md). The file format is described in docs/lb.md ("The
scheduler playground"); scenarios/sched-examples/ holds examples.

flags:
`

func cmdSched(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sched", stdout, schedUsage)
	asJSON := fs.Bool("json", false, "print the picks as JSON on stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("sched takes one playground file, got %d; valid: vrrpsim sched FILE [--json]", fs.NArg())
	}
	path := fs.Arg(0)
	data, err := scenarios.ReadFile(path, scenarios.DefaultLimits().FileBytes)
	if err != nil {
		return inputError{err}
	}
	f, err := scenarios.LoadSched(path, data)
	if err != nil {
		return inputError{err}
	}
	w := bufio.NewWriter(stdout)
	if f.Nginx != nil {
		if err := playNginx(f, w, *asJSON); err != nil {
			return err
		}
		return w.Flush()
	}
	var out schedWriter = &schedText{w: w}
	if *asJSON {
		out = &schedJSON{w: w}
	}
	if err := playSched(f, out); err != nil {
		return err
	}
	return w.Flush()
}

// schedStreamID is the PCG stream the playground's twos draws from, with
// the file's seed as the PCG seed.
const schedStreamID = 0x7363686564 // "sched"

// schedConn is one new connection of the file, by number.
type schedConn struct {
	dest   *sched.Dest // nil: no destination took it
	active bool
	closed bool
}

// schedEntry is one line of output: a new connection or an edit.
type schedEntry struct {
	n    int // 1-based index of the entry in the output
	op   scenarios.SchedOp
	conn int // the connection's number (new connections and close)
	// A new connection: its client, destination address and pick.
	client, dst netip.AddrPort
	pick        *sched.Dest
	// close: the destination the connection was on (nil: none).
	// set_weight, remove, add: the destination.
	dest      *sched.Dest
	oldWeight int
	revived   bool // add: back from the kernel's trash with its connections
	// shown is the destinations whose counters follow the entry: the
	// service's list (newest first), then the removed ones that still
	// hold connections, in the order they were first added.
	shown []*sched.Dest
}

// schedWriter prints the entries as they happen.
type schedWriter interface {
	begin(f *scenarios.SchedFile) error
	entry(e *schedEntry) error
	end() error
}

// playSched replays f against a fresh service. Each new connection is
// scheduled (ip_vs_schedule -> svc->scheduler->schedule) and, when a
// destination is picked, bound to it (ip_vs_bind_dest: inactive); with
// conns: active it reaches ESTABLISHED at once (set_tcp_state clears
// IP_VS_CONN_F_INACTIVE). close unbinds it (ip_vs_unbind_dest, as when its
// entry expires); set_weight, remove and add are ipvsadm -e, -d and -a.
func playSched(f *scenarios.SchedFile, out schedWriter) error {
	rnd := rand.New(rand.NewPCG(f.Seed, schedStreamID))
	s, err := sched.New(f.Scheduler, rnd)
	if err != nil {
		return inputError{fmt.Errorf("%v: %w", f.Pos, err)}
	}
	svc := sched.NewService(s, f.Flags)
	var all []*sched.Dest // every destination, in the order first added
	byName := map[string]*sched.Dest{}
	add := func(sd *scenarios.SchedDest) (*sched.Dest, bool, error) {
		d, revived := byName[sd.Name]
		if !revived {
			d = &sched.Dest{Name: sd.Name, Addr: sd.Addr}
			all = append(all, d)
			byName[sd.Name] = d
		}
		// __ip_vs_update_dest: weight and thresholds, then list_add.
		d.Weight = sd.Weight
		sched.SetThresholds(d, sd.UThreshold, sd.LThreshold)
		if err := svc.Add(d); err != nil {
			return nil, false, inputError{fmt.Errorf("%v: %w", sd.Pos, err)}
		}
		return d, revived, nil
	}
	for _, sd := range f.Dests {
		d, _, err := add(sd)
		if err != nil {
			return err
		}
		d.Active, d.Inactive, d.Overloaded = sd.Active, sd.Inactive, sd.Overloaded
	}
	if err := out.begin(f); err != nil {
		return err
	}
	conns := make([]schedConn, 0, f.Conns)
	shown := make([]*sched.Dest, 0, len(all))
	e := &schedEntry{}
	req := &sched.Request{} // one, reused: Schedule must not keep it
	emit := func() error {
		e.n++
		shown = append(shown[:0], svc.Dests...)
		for _, d := range all {
			if !d.Available && d.Conns() > 0 {
				shown = append(shown, d)
			}
		}
		e.shown = shown
		return out.entry(e)
	}
	for _, r := range f.Requests {
		e.op, e.pick, e.dest, e.revived = r.Op, nil, nil, false
		switch r.Op {
		case scenarios.SchedConnect:
			for i := 0; i < r.Count; i++ {
				e.client = netip.AddrPortFrom(r.Client.Addr(), r.Client.Port()+uint16(i))
				e.dst = r.Dst
				*req = sched.Request{Proto: 6, Client: e.client, Dst: r.Dst}
				d := svc.Schedule(req)
				c := schedConn{dest: d}
				if d != nil {
					sched.Bind(d)
					if !f.Inactive {
						sched.Activate(d)
						c.active = true
					}
				}
				conns = append(conns, c)
				e.conn, e.pick = len(conns), d
				if err := emit(); err != nil {
					return err
				}
			}
			continue
		case scenarios.SchedClose:
			c := &conns[r.Close-1]
			if c.dest != nil && !c.closed {
				sched.Unbind(c.dest, c.active)
			}
			c.closed = true
			e.conn, e.dest = r.Close, c.dest
		case scenarios.SchedSetWeight:
			e.dest = byName[r.Name]
			e.oldWeight = e.dest.Weight
			svc.SetWeight(e.dest, r.Weight)
		case scenarios.SchedRemove:
			e.dest = byName[r.Name]
			svc.Remove(e.dest)
		case scenarios.SchedAdd:
			d, revived, err := add(r.Add)
			if err != nil {
				return err
			}
			e.dest, e.revived = d, revived
		}
		if err := emit(); err != nil {
			return err
		}
	}
	return out.end()
}

// schedText prints one aligned line per entry: its number, the pick, the
// counters of each destination (active/inactive, * when overloaded) and
// what the request was. A header names the columns, with each
// destination's weight (- when removed), and is printed again whenever
// that changes.
type schedText struct {
	w       *bufio.Writer
	service netip.AddrPort // a request's dst is printed when it is not this
	cw      int            // width of one counter
	nameW   int
	header  string
	widths  []int
	buf     []byte
}

func (t *schedText) begin(f *scenarios.SchedFile) error {
	most := 0
	names := []*scenarios.SchedDest{}
	names = append(names, f.Dests...)
	for _, sd := range f.Dests {
		most = max(most, sd.Active, sd.Inactive)
	}
	for _, r := range f.Requests {
		if r.Add != nil {
			names = append(names, r.Add)
		}
	}
	t.nameW = len("pick")
	for _, sd := range names {
		t.nameW = max(t.nameW, len(sd.Name))
	}
	t.cw = len(strconv.Itoa(most + f.Conns))
	t.service = f.Service
	conns := "active (ESTABLISHED at once)"
	if f.Inactive {
		conns = "inactive (left in SYN_RECV)"
	}
	flags := ""
	if f.Flags != 0 {
		flags = " -b " + f.Flags.String()
	}
	_, err := fmt.Fprintf(t.w, "scheduler %s%s on %v, seed %d, new connections %s\ncolumns in list order (newest first): NAME(weight), NAME(-) removed; counters active/inactive, * overloaded\n",
		f.Scheduler, flags, f.Service, f.Seed, conns)
	for _, n := range f.Ignored {
		if err == nil {
			_, err = fmt.Fprintf(t.w, "note: %s\n", n)
		}
	}
	return err
}

func (t *schedText) entry(e *schedEntry) error {
	// The header: reprinted when the destinations or weights change.
	b := t.buf[:0]
	b = append(b, "   #  "...)
	b = pad(b, "pick", t.nameW)
	t.widths = t.widths[:0]
	for _, d := range e.shown {
		b = append(b, "  "...)
		start := len(b)
		b = append(b, d.Name...)
		if d.Available {
			b = append(b, '(')
			b = strconv.AppendInt(b, int64(d.Weight), 10)
			b = append(b, ')')
		} else {
			b = append(b, "(-)"...)
		}
		w := max(len(b)-start, 2*t.cw+2)
		for len(b)-start < w {
			b = append(b, ' ')
		}
		t.widths = append(t.widths, w)
	}
	b = append(b, "  request"...)
	if string(b) != t.header {
		t.header = string(b)
		if _, err := fmt.Fprintln(t.w, t.header); err != nil {
			return err
		}
	}
	b = b[:0]
	b = padInt(b, e.n, 4)
	b = append(b, "  "...)
	pick := ""
	if e.op == scenarios.SchedConnect {
		pick = "none"
		if e.pick != nil {
			pick = e.pick.Name
		}
	}
	b = pad(b, pick, t.nameW)
	for i, d := range e.shown {
		b = appendCounters(b, d.Active, d.Inactive, d.Overloaded, '*', t.widths[i])
	}
	b = append(b, "  "...)
	if e.op == scenarios.SchedConnect {
		// The common line, without fmt.
		b = append(b, "conn "...)
		b = strconv.AppendInt(b, int64(e.conn), 10)
		b = append(b, " from "...)
		b = e.client.AppendTo(b)
		if e.dst != t.service {
			b = append(b, " to "...)
			b = e.dst.AppendTo(b)
		}
		if e.pick == nil {
			b = append(b, ": no destination available"...)
		}
	} else {
		b = append(b, describeOp(e)...)
	}
	b = append(b, '\n')
	t.buf = b
	_, err := t.w.Write(b)
	return err
}

func (t *schedText) end() error { return nil }

// describeOp says what an edit did, in words.
func describeOp(e *schedEntry) string {
	switch e.op {
	case scenarios.SchedClose:
		if e.dest == nil {
			return fmt.Sprintf("close conn %d (it had no destination)", e.conn)
		}
		return fmt.Sprintf("close conn %d on %s", e.conn, e.dest.Name)
	case scenarios.SchedSetWeight:
		return fmt.Sprintf("set_weight %s %d -> %d (ipvsadm -e)", e.dest.Name, e.oldWeight, e.dest.Weight)
	case scenarios.SchedRemove:
		s := fmt.Sprintf("remove %s (ipvsadm -d)", e.dest.Name)
		if n := e.dest.Conns(); n > 0 {
			s += fmt.Sprintf(": its %d connection(s) stay bound", n)
		}
		return s
	case scenarios.SchedAdd:
		s := fmt.Sprintf("add %s %v weight %d (ipvsadm -a)", e.dest.Name, e.dest.Addr, e.dest.Weight)
		if e.revived {
			s += ": back from the trash with its connections"
		}
		return s
	}
	return string(e.op)
}

func pad(b []byte, s string, w int) []byte {
	b = append(b, s...)
	for i := len(s); i < w; i++ {
		b = append(b, ' ')
	}
	return b
}

// appendCounters appends one column of both playgrounds' tables: two
// blanks, then "a/c", then mark when marked, padded to w.
func appendCounters(b []byte, a, c int, marked bool, mark byte, w int) []byte {
	b = append(b, "  "...)
	start := len(b)
	b = strconv.AppendInt(b, int64(a), 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(c), 10)
	if marked {
		b = append(b, mark)
	}
	for len(b)-start < w {
		b = append(b, ' ')
	}
	return b
}

func padInt(b []byte, v, w int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	for i := len(s); i < w; i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// schedJSON prints {"scheduler": ..., "picks": [...]}, one entry per line.
// The keys of "dests" are in the order of the text columns: the service's
// list (newest first), then removed destinations that still hold
// connections (these carry "removed": true).
type schedJSON struct {
	w     *bufio.Writer
	first bool
	buf   []byte
}

func (j *schedJSON) begin(f *scenarios.SchedFile) error {
	j.first = true
	j.buf = append(j.buf[:0], `{"scheduler": `...)
	j.buf = appendJSONString(j.buf, f.Scheduler)
	j.buf = append(j.buf, `, "picks": [`...)
	_, err := j.w.Write(j.buf)
	return err
}

func (j *schedJSON) entry(e *schedEntry) error {
	b := j.buf[:0]
	if !j.first {
		b = append(b, ',')
	}
	j.first = false
	b = append(b, "\n  {\"request\": "...)
	b = strconv.AppendInt(b, int64(e.n), 10)
	switch e.op {
	case scenarios.SchedConnect:
		b = appendJSONConn(b, e.conn, e.client)
		b = append(b, `, "dest": `...)
		if e.pick == nil {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, e.pick.Name)
		}
	default:
		b = append(b, `, "op": `...)
		b = appendJSONString(b, string(e.op))
		if e.op == scenarios.SchedClose {
			b = append(b, `, "conn": `...)
			b = strconv.AppendInt(b, int64(e.conn), 10)
			break
		}
		b = append(b, `, "name": `...)
		b = appendJSONString(b, e.dest.Name)
		switch e.op {
		case scenarios.SchedAdd:
			b = append(b, `, "addr": "`...)
			b = e.dest.Addr.AppendTo(b)
			b = append(b, '"')
			fallthrough
		case scenarios.SchedSetWeight:
			b = append(b, `, "weight": `...)
			b = strconv.AppendInt(b, int64(e.dest.Weight), 10)
		}
	}
	b = append(b, `, "dests": {`...)
	for i, d := range e.shown {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendJSONString(b, d.Name)
		b = append(b, `: {"weight": `...)
		b = strconv.AppendInt(b, int64(d.Weight), 10)
		b = append(b, `, "active": `...)
		b = strconv.AppendInt(b, int64(d.Active), 10)
		b = append(b, `, "inactive": `...)
		b = strconv.AppendInt(b, int64(d.Inactive), 10)
		b = append(b, `, "overloaded": `...)
		b = strconv.AppendBool(b, d.Overloaded)
		if !d.Available {
			b = append(b, `, "removed": true`...)
		}
		b = append(b, '}')
	}
	b = append(b, "}}"...)
	j.buf = b
	_, err := j.w.Write(b)
	return err
}

func (j *schedJSON) end() error {
	_, err := j.w.WriteString("\n]}\n")
	return err
}

// appendJSONString appends s as a JSON string. Names and addresses need
// no escaping (the loader keeps names to letters, digits, '_', '-', '.'),
// so they are copied as they are; anything else goes through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
