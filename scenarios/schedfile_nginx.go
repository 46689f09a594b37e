package scenarios

import (
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// The playground speaks nginx too (issue 11 part 3): scheduler: nginx-*
// replays requests against one nginx upstream block instead of an IPVS
// service. Each dest is a server line: its addr is the address exactly
// as written (the consistent hash hashes that string), with weight and
// backup; a request may carry the hash key; {down: NAME} kills a server
// (tries of it fail, and max_fails takes it out) and {up: NAME} brings
// it back as a good probe would.

// NginxSchedulers are the playground names of nginx's balancing methods.
var NginxSchedulers = []string{"nginx-rr", "nginx-least-conn", "nginx-ip-hash", "nginx-hash", "nginx-hash-consistent", "nginx-random"}

// Nginx request kinds (SchedConnect and SchedClose are shared).
const (
	SchedDown SchedOp = "down"
	SchedUp   SchedOp = "up"
)

// Bounds of an nginx playground file: the consistent hash makes 160
// points per weight unit.
const (
	maxNginxWeight      = 1000
	maxNginxTotalWeight = 10000
	maxNginxAddrLen     = 255
)

// NginxPlay is the nginx part of a playground file.
type NginxPlay struct {
	Servers  []*NginxServer // file order, as the server lines
	Requests []*NginxRequest
	Conns    int // requests, count expanded
}

// NginxServer is one dest: a server line.
type NginxServer struct {
	Pos    Pos
	Name   string
	Addr   string // as written
	Weight int
	Backup bool
}

// NginxRequest is one entry of requests: of an nginx file.
type NginxRequest struct {
	Pos Pos
	Op  SchedOp // SchedConnect, SchedClose, SchedDown, SchedUp
	// SchedConnect: Count requests from Client, the port +1 each time,
	// with hash key Key; First is the number of the first.
	Client netip.AddrPort
	Key    string
	Count  int
	First  int
	Close  int    // SchedClose
	Name   string // SchedDown, SchedUp
}

var nginxTopKeys = []string{"scheduler", "seed", "dests", "requests"}
var nginxDestKeys = []string{"name", "addr", "weight", "backup"}
var nginxRequestKeys = []string{"client", "key", "count", "close", "down", "up"}

// nginxBackup names the methods that take backup servers
// (NGX_HTTP_UPSTREAM_BACKUP: round robin and least_conn).
var nginxBackup = []string{"nginx-rr", "nginx-least-conn"}

// nginxSchedFile reads the rest of an nginx playground file, o being its
// top mapping with scheduler: read.
func (d *decoder) nginxSchedFile(o *object, f *SchedFile) {
	for _, k := range schedTopKeys {
		if o.has(k) && !contains(nginxTopKeys, k) {
			d.add(o.keyAt(k), "%s in an nginx playground file; valid keys: %s", k, quoteList(nginxTopKeys))
		}
	}
	if v, ok := o.uint64Value("seed"); ok {
		f.Seed = v
	}
	ng := &NginxPlay{}
	f.Nginx = ng
	names, addrs := map[string]bool{}, map[string]string{}
	total, primaries := 0, 0
	for _, n := range d.list(o.node("dests"), "dests") {
		s := d.nginxServer(n, f.Scheduler)
		if s == nil {
			continue
		}
		switch {
		case names[s.Name]:
			d.add(s.Pos, "server %s is written twice; valid: a new name", s.Name)
			continue
		case addrs[s.Addr] != "":
			d.add(s.Pos, "address %s of %s is %s's already; valid: each server line once", s.Addr, s.Name, addrs[s.Addr])
			continue
		case len(ng.Servers) == MaxSchedDests:
			d.add(s.Pos, "more than %d servers; valid: at most %d", MaxSchedDests, MaxSchedDests)
			continue
		}
		total += s.Weight
		if total > maxNginxTotalWeight {
			d.add(s.Pos, "the weights add up to more than %d; valid: smaller weights", maxNginxTotalWeight)
			continue
		}
		names[s.Name], addrs[s.Addr] = true, s.Name
		if !s.Backup {
			primaries++
		}
		ng.Servers = append(ng.Servers, s)
	}
	if primaries == 0 && len(d.errs) == 0 {
		d.add(o.at("dests"), "no servers in upstream (ngx_http_upstream_init_round_robin); valid: at least one server that is not a backup")
	}
	down, closed := map[string]bool{}, map[int]bool{}
	cells := 0
	for _, n := range d.list(o.node("requests"), "requests") {
		entries := 1
		if r := d.nginxRequest(n, ng, names, down, closed); r != nil {
			ng.Requests = append(ng.Requests, r)
			entries = max(r.Count, 1)
		}
		cells += entries * max(len(ng.Servers), 1)
		if cells > MaxSchedCells {
			d.add(d.pos(n), "the output would print more than %d server counters (entries times servers); valid: fewer requests or servers", MaxSchedCells)
			break
		}
	}
}

// nginxServer decodes one dest as a server line.
func (d *decoder) nginxServer(n ast.Node, scheduler string) *NginxServer {
	before := len(d.errs)
	o := d.object(n, "", "dest", nginxDestKeys)
	if len(o.vals) == 0 && len(d.errs) > before {
		return nil // not a mapping: said once
	}
	s := &NginxServer{Pos: o.pos, Weight: 1} // nginx's default weight
	if v, ok := o.str("name"); ok {
		if validName(v) {
			s.Name = v
			o.what = "dest " + v
		} else {
			o.bad("name", "bad name %q; valid: letters, digits, '_', '-' and '.', starting with a letter, digit or '_' (like A or web-1)", v)
		}
	} else if !o.has("name") {
		o.missing(o.pos, "missing key \"name\" in dest; valid: name: A")
	}
	if v, ok := o.str("addr"); ok {
		if validServerAddr(v) {
			s.Addr = v
		} else {
			o.bad("addr", "bad server address %q; valid: the address of an nginx server line as written, like 10.1.0.1:80 or backend1:8080 (1..%d printable characters, no spaces)", v, maxNginxAddrLen)
		}
	} else if !o.has("addr") {
		o.missing(o.pos, "missing key \"addr\" in %s; valid: addr: 10.1.0.1:80", o.what)
	}
	// ngx_http_upstream_server: weight=0 is invalid.
	if v, ok := o.intIn("weight", 1, maxNginxWeight); ok {
		s.Weight = int(v)
	}
	if v, ok := o.boolean("backup"); ok {
		s.Backup = v
		if v && !contains(nginxBackup, scheduler) {
			o.bad("backup", "%s does not support backup servers (balancing method does not support parameter \"backup\"); valid: backup with %s", scheduler, strings.Join(nginxBackup, " or "))
			s.Backup = false
		}
	}
	if s.Name == "" || s.Addr == "" {
		return nil
	}
	return s
}

// schedCount reads count: of a client request (default 1): the source
// port must not pass 65535 and the file must stay within MaxSchedConns
// (noun: connections or requests, for the messages).
func (d *decoder) schedCount(o *object, client netip.AddrPort, sofar int, noun string) (int, bool) {
	count := 1
	if v, ok := o.intIn("count", 1, MaxSchedConns); ok {
		count = int(v)
	} else if o.has("count") {
		return 0, false
	}
	if last := int(client.Port()) + count - 1; last > 65535 {
		o.bad("count", "%d %s from port %d would reach port %d; valid: at most %d from this port", count, noun, client.Port(), last, 65536-int(client.Port()))
		return 0, false
	}
	if sofar+count > MaxSchedConns {
		o.bad("count", "%d more %s make %d in the file; valid: at most %d %s in all", count, noun, sofar+count, MaxSchedConns, noun)
		return 0, false
	}
	return count, true
}

// schedKind returns which one of kinds the request o is, saying so when
// it is none or several; the keys of clientOnly are refused on the other
// kinds. valid lists the forms of a request for the message.
func (d *decoder) schedKind(o *object, kinds, clientOnly []string, valid string) (string, bool) {
	var has []string
	for _, k := range kinds {
		if o.has(k) {
			has = append(has, k)
		}
	}
	switch {
	case len(has) == 0:
		o.missing(o.pos, "request does nothing; valid: %s", valid)
		return "", false
	case len(has) > 1:
		d.add(o.pos, "request has both %s and %s; valid: one of %s per request", has[0], has[1], strings.Join(kinds, ", "))
		return "", false
	}
	if has[0] != "client" {
		for _, k := range clientOnly {
			if o.has(k) {
				d.add(o.keyAt(k), "%s in a %s request; valid: %s only with client", k, has[0], k)
			}
		}
	}
	return has[0], true
}

// schedClose reads close: N, N being one of the opened connections (or
// requests: noun) not closed yet, and records it closed.
func (d *decoder) schedClose(o *object, opened int, closed map[int]bool, noun string) (int, bool) {
	v, ok := o.intIn("close", 1, MaxSchedConns)
	if !ok {
		return 0, false
	}
	n := int(v)
	switch {
	case n > opened:
		o.bad("close", "%s %d does not exist yet (%d opened so far); valid: 1..%d", noun, n, opened, opened)
		return 0, false
	case closed[n]:
		o.bad("close", "%s %d is already closed; valid: a %s still open", noun, n, noun)
		return 0, false
	}
	closed[n] = true
	return n, true
}

func validServerAddr(s string) bool {
	if s == "" || len(s) > maxNginxAddrLen {
		return false
	}
	for i := range len(s) {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// nginxRequest decodes one entry of requests: and checks it against the
// servers and the requests before it.
func (d *decoder) nginxRequest(n ast.Node, ng *NginxPlay, names, down map[string]bool, closed map[int]bool) *NginxRequest {
	o := d.object(n, "", "request", nginxRequestKeys)
	r := &NginxRequest{Pos: o.pos}
	kind, ok := d.schedKind(o, []string{"client", "close", "down", "up"}, []string{"key", "count"},
		"{client: ADDR:PORT, key: /uri}, {close: N}, {down: NAME} or {up: NAME}")
	if !ok {
		return nil
	}
	switch kind {
	case "client":
		r.Op, r.Count = SchedConnect, 1
		cn, ok := o.lookup("client")
		if !ok {
			return nil
		}
		if r.Client, ok = d.addrPort(cn, "client"); !ok {
			return nil
		}
		if v, ok := o.str("key"); ok {
			r.Key = v
		}
		if r.Count, ok = d.schedCount(o, r.Client, ng.Conns, "requests"); !ok {
			return nil
		}
		r.First = ng.Conns + 1
		ng.Conns += r.Count
	case "close":
		r.Op = SchedClose
		if r.Close, ok = d.schedClose(o, ng.Conns, closed, "request"); !ok {
			return nil
		}
	case "down", "up":
		r.Op = SchedOp(kind)
		name, ok := o.str(kind)
		if !ok {
			return nil
		}
		switch {
		case !names[name]:
			o.bad(kind, "no server %q; valid: %s", name, quoteList(slices.Sorted(maps.Keys(names))))
			return nil
		case r.Op == SchedDown && down[name]:
			o.bad("down", "server %s is down already; valid: {up: %s} first", name, name)
			return nil
		case r.Op == SchedUp && !down[name]:
			o.bad("up", "server %s is not down; valid: {down: %s} first", name, name)
			return nil
		}
		down[name] = r.Op == SchedDown
		r.Name = name
	}
	return r
}
