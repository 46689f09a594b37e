package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"

	"github.com/vrrpsim/vrrpsim/model/proxy/upstream"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

// nginxMethods maps the playground's nginx scheduler names to nginx's
// balancing methods (scenarios.NginxSchedulers).
var nginxMethods = map[string]upstream.Method{
	"nginx-rr":              upstream.RoundRobin,
	"nginx-least-conn":      upstream.LeastConn,
	"nginx-ip-hash":         upstream.IPHash,
	"nginx-hash":            upstream.Hash,
	"nginx-hash-consistent": upstream.HashConsistent,
	"nginx-random":          upstream.Random,
}

// nginxEntry is one line of nginx playground output.
type nginxEntry struct {
	n      int
	op     scenarios.SchedOp
	conn   int
	client netip.AddrPort
	key    string
	tried  []*upstream.Peer // tries that failed (the server was down), in order
	pick   *upstream.Peer   // the server that serves the request; nil: 502
	why    string           // why there is no pick
	name   string           // down, up: the server; close: the server it was on
}

// playNginx replays an nginx playground file against one upstream
// block (model/proxy/upstream). Each request is one HTTP request: the
// method's init_peer, then tries in nginx's order; a try of a server that
// is down fails (Free failed, as a refused connect with
// proxy_next_upstream error), and the next is tried while the request
// has tries left (ngx_http_upstream_next). The request then stays open
// on its server until {close: N}. The playground has no clock: every
// request is at second 0, so a server that max_fails took out stays out
// until {up}, which clears its failures as a good probe would.
func playNginx(f *scenarios.SchedFile, w *bufio.Writer, asJSON bool) error {
	ng := f.Nginx
	servers := make([]upstream.Server, len(ng.Servers))
	for i, s := range ng.Servers {
		servers[i] = upstream.Server{Addr: s.Addr, Weight: s.Weight, Backup: s.Backup}
	}
	u, err := upstream.New(nginxMethods[f.Scheduler], servers, rand.New(rand.NewPCG(f.Seed, schedStreamID)))
	if err != nil {
		return inputError{fmt.Errorf("%v: %w", f.Pos, err)}
	}
	peers := make([]*upstream.Peer, len(ng.Servers)) // file order
	byName := map[string]*upstream.Peer{}
	names := map[*upstream.Peer]string{}
	for i, s := range ng.Servers {
		peers[i] = u.Lookup(s.Addr)
		byName[s.Name] = peers[i]
		names[peers[i]] = s.Name
	}
	dead := map[*upstream.Peer]bool{}
	out := &nginxWriter{w: w, json: asJSON, peers: peers, names: names, down: dead}
	if err := out.begin(f); err != nil {
		return err
	}
	open := make([]*upstream.Peer, 0, ng.Conns) // by request number; nil: no server or closed
	var r upstream.Request
	e := &nginxEntry{}
	for _, q := range ng.Requests {
		e.op, e.pick, e.tried, e.why, e.name = q.Op, nil, e.tried[:0], "", ""
		switch q.Op {
		case scenarios.SchedConnect:
			for i := range q.Count {
				e.client = netip.AddrPortFrom(q.Client.Addr(), q.Client.Port()+uint16(i))
				e.key, e.pick, e.tried, e.why = q.Key, nil, e.tried[:0], ""
				u.Begin(&r, e.client.Addr(), q.Key)
				for {
					p, err := u.Get(&r, 0)
					if err != nil {
						e.why = "502 no live upstreams"
						break
					}
					if !dead[p] {
						e.pick = p
						break
					}
					e.tried = append(e.tried, p)
					u.Free(&r, true, 0)
					if r.Tries == 0 {
						e.why = "502 no tries left"
						break
					}
				}
				open = append(open, e.pick)
				e.conn = len(open)
				if err := out.entry(e); err != nil {
					return err
				}
			}
			continue
		case scenarios.SchedClose:
			e.conn = q.Close
			if p := open[q.Close-1]; p != nil {
				// The response came: a good try ends.
				done := upstream.Request{Current: p}
				u.Free(&done, false, 0)
				e.name = names[p]
				open[q.Close-1] = nil
			}
		case scenarios.SchedDown:
			e.name = q.Name
			dead[byName[q.Name]] = true
		case scenarios.SchedUp:
			e.name = q.Name
			p := byName[q.Name]
			delete(dead, p)
			p.Fails = 0
		}
		if err := out.entry(e); err != nil {
			return err
		}
	}
	return out.end()
}

// nginxWriter prints entries as text (aligned columns of conns/fails per
// server, ! when down) or as JSON, one entry per line.
type nginxWriter struct {
	w      *bufio.Writer
	json   bool
	peers  []*upstream.Peer
	names  map[*upstream.Peer]string
	down   map[*upstream.Peer]bool // playNginx's servers marked down
	nameW  int
	widths []int
	n      int
	buf    []byte
}

func (o *nginxWriter) begin(f *scenarios.SchedFile) error {
	if o.json {
		o.buf = append(o.buf[:0], `{"scheduler": `...)
		o.buf = appendJSONString(o.buf, f.Scheduler)
		o.buf = append(o.buf, `, "picks": [`...)
		_, err := o.w.Write(o.buf)
		return err
	}
	o.nameW = len("pick")
	b := append(o.buf[:0], "   #  "...)
	for _, s := range f.Nginx.Servers {
		o.nameW = max(o.nameW, len(s.Name))
	}
	b = pad(b, "pick", o.nameW)
	cw := len(strconv.Itoa(f.Nginx.Conns))
	for _, s := range f.Nginx.Servers {
		col := s.Name + "(" + strconv.Itoa(s.Weight)
		if s.Backup {
			col += ",backup"
		}
		col += ")"
		w := max(len(col), 2*cw+2)
		b = append(b, "  "...)
		b = pad(b, col, w)
		o.widths = append(o.widths, w)
	}
	b = append(b, "  request\n"...)
	method := nginxMethods[f.Scheduler]
	_, err := fmt.Fprintf(o.w, "scheduler %s (nginx %s), seed %d, every request at second 0\ncolumns in server order: NAME(weight); counters open requests/fails, ! down; a down server's tries fail and the next server is tried\n%s",
		f.Scheduler, method, f.Seed, b)
	return err
}

func (o *nginxWriter) entry(e *nginxEntry) error {
	o.n++
	if o.json {
		return o.jsonEntry(e)
	}
	b := padInt(o.buf[:0], o.n, 4)
	b = append(b, "  "...)
	pick := ""
	if e.op == scenarios.SchedConnect {
		pick = "none"
		if e.pick != nil {
			pick = o.names[e.pick]
		}
	}
	b = pad(b, pick, o.nameW)
	for i, p := range o.peers {
		b = appendCounters(b, p.Conns, p.Fails, o.down[p], '!', o.widths[i])
	}
	b = append(b, "  "...)
	switch e.op {
	case scenarios.SchedConnect:
		b = append(b, "req "...)
		b = strconv.AppendInt(b, int64(e.conn), 10)
		b = append(b, " from "...)
		b = e.client.AppendTo(b)
		if e.key != "" {
			b = append(b, " key "...)
			b = append(b, e.key...)
		}
		for i, p := range e.tried {
			if i == 0 {
				b = append(b, ", tried "...)
			} else {
				b = append(b, ", "...)
			}
			b = append(b, o.names[p]...)
			b = append(b, " (down)"...)
		}
		if e.pick == nil {
			b = append(b, ": "...)
			b = append(b, e.why...)
		}
	case scenarios.SchedClose:
		b = append(b, "close req "...)
		b = strconv.AppendInt(b, int64(e.conn), 10)
		if e.name != "" {
			b = append(b, " on "...)
			b = append(b, e.name...)
		} else {
			b = append(b, " (it had no server)"...)
		}
	case scenarios.SchedDown:
		b = append(b, "down "...)
		b = append(b, e.name...)
		b = append(b, ": its tries fail from now on"...)
	case scenarios.SchedUp:
		b = append(b, "up "...)
		b = append(b, e.name...)
		b = append(b, ": back, its fails cleared"...)
	}
	b = append(b, '\n')
	o.buf = b
	_, err := o.w.Write(b)
	return err
}

func (o *nginxWriter) jsonEntry(e *nginxEntry) error {
	b := o.buf[:0]
	if o.n > 1 {
		b = append(b, ',')
	}
	b = append(b, "\n  {\"request\": "...)
	b = strconv.AppendInt(b, int64(o.n), 10)
	switch e.op {
	case scenarios.SchedConnect:
		b = appendJSONConn(b, e.conn, e.client)
		if e.key != "" {
			b = append(b, `, "key": `...)
			b = appendJSONString(b, e.key)
		}
		b = append(b, `, "tried": [`...)
		for i, p := range e.tried {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJSONString(b, o.names[p])
		}
		b = append(b, `], "dest": `...)
		if e.pick == nil {
			b = append(b, `null, "status": 502`...)
		} else {
			b = appendJSONString(b, o.names[e.pick])
		}
	default:
		b = append(b, `, "op": `...)
		b = appendJSONString(b, string(e.op))
		if e.op == scenarios.SchedClose {
			b = append(b, `, "conn": `...)
			b = strconv.AppendInt(b, int64(e.conn), 10)
		} else {
			b = append(b, `, "name": `...)
			b = appendJSONString(b, e.name)
		}
	}
	b = append(b, `, "dests": {`...)
	for i, p := range o.peers {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendJSONString(b, o.names[p])
		b = append(b, `: {"addr": `...)
		b = appendJSONString(b, p.Server)
		b = append(b, `, "weight": `...)
		b = strconv.AppendInt(b, int64(p.Weight), 10)
		if p.Backup {
			b = append(b, `, "backup": true`...)
		}
		b = append(b, `, "conns": `...)
		b = strconv.AppendInt(b, int64(p.Conns), 10)
		b = append(b, `, "fails": `...)
		b = strconv.AppendInt(b, int64(p.Fails), 10)
		b = append(b, `, "down": `...)
		b = strconv.AppendBool(b, o.down[p])
		b = append(b, '}')
	}
	b = append(b, "}}"...)
	o.buf = b
	_, err := o.w.Write(b)
	return err
}

// appendJSONConn appends the "conn" and "client" of a new connection or
// request (both playgrounds' JSON).
func appendJSONConn(b []byte, conn int, client netip.AddrPort) []byte {
	b = append(b, `, "conn": `...)
	b = strconv.AppendInt(b, int64(conn), 10)
	b = append(b, `, "client": "`...)
	b = client.AppendTo(b)
	return append(b, '"')
}

func (o *nginxWriter) end() error {
	if o.json {
		_, err := o.w.WriteString("\n]}\n")
		return err
	}
	return nil
}
