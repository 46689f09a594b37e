package scenarios

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/vrrpsim/vrrpsim/model/lb/sched"
)

// A scheduler playground file (`vrrpsim sched FILE`) describes one IPVS
// virtual service, its destinations in ipvsadm -a order and a list of
// requests: new connections and the ipvsadm edits between them. The loader
// checks everything that can be checked without scheduling: names,
// addresses, ranges, which destination exists at each step and which
// connection each close refers to.

// Bounds of a playground file. The expanded connections and the counter
// cells of the output (entries times destinations) are capped so a short
// file cannot ask for gigabytes of output.
const (
	MaxSchedConns  = 1_000_000
	MaxSchedDests  = 1000
	MaxSchedCells  = 20_000_000
	maxSchedCount  = 1_000_000_000 // initial active/inactive counters
	maxSchedWeight = 65535         // IPVS weights are 0..65535 (ipvsadm -w)
)

// DefaultSchedService is the virtual service when the file names none.
var DefaultSchedService = netip.MustParseAddrPort("10.0.0.100:80")

// DefaultSchedSeed seeds twos when the file gives no seed.
const DefaultSchedSeed = 1

// SchedFile is a decoded playground file.
type SchedFile struct {
	Pos       Pos
	Scheduler string // one of sched.Names
	Flags     sched.Flags
	Seed      uint64
	Service   netip.AddrPort
	// Inactive is conns: inactive: new connections stay in SYN_RECV
	// (counted inactive) instead of reaching ESTABLISHED at once.
	Inactive bool
	Dests    []*SchedDest // file order; the last is the newest (first in the list)
	Requests []*SchedRequest
	// Conns is the number of new connections, count expanded.
	Conns int
	// Nginx is set for the nginx-* schedulers, whose files have servers
	// and requests of their own (schedfile_nginx.go); Dests and Requests
	// are then empty.
	Nginx *NginxPlay
	// Ignored lists flags that the scheduler does not read (sh-port with
	// wrr): the kernel keeps them on the service and only sh or mh looks
	// at them, so they are accepted and change nothing.
	Ignored []string
}

// SchedDest is a destination as written in dests: or in an add request.
type SchedDest struct {
	Pos    Pos
	Name   string
	Addr   netip.AddrPort
	Weight int
	// Initial counters and thresholds (dests: only; an add starts at 0).
	Active, Inactive       int
	Overloaded             bool
	UThreshold, LThreshold int
}

// SchedOp is what a request does.
type SchedOp string

// Request kinds. A new connection has no op.
const (
	SchedConnect   SchedOp = ""
	SchedClose     SchedOp = "close"
	SchedSetWeight SchedOp = "set_weight"
	SchedRemove    SchedOp = "remove"
	SchedAdd       SchedOp = "add"
)

// SchedRequest is one entry of requests:.
type SchedRequest struct {
	Pos Pos
	Op  SchedOp
	// SchedConnect: Count connections from Client, the source port +1
	// each time, to Dst (the service when not written).
	Client netip.AddrPort
	Dst    netip.AddrPort
	Count  int
	// First is the 1-based number of the first of these connections,
	// counting every earlier connection of the file (what close: names).
	First int
	// SchedClose: the connection number.
	Close int
	// SchedSetWeight, SchedRemove: the destination; SchedSetWeight: the
	// new weight.
	Name   string
	Weight int
	// SchedAdd: the new destination.
	Add *SchedDest
}

var schedTopKeys = []string{"scheduler", "flags", "seed", "service", "conns", "dests", "requests"}
var schedDestKeys = []string{"name", "addr", "weight", "active", "inactive", "overloaded", "u_threshold", "l_threshold"}
var schedAddKeys = []string{"name", "addr", "weight", "u_threshold", "l_threshold"}
var schedRequestKeys = []string{"client", "dst", "count", "close", "set_weight", "remove", "add"}
var schedConnsValues = []string{"active", "inactive"}

// flagScheduler names the scheduler each flag changes.
var flagScheduler = map[sched.Flags]string{
	sched.FlagSHFallback: "sh", sched.FlagSHPort: "sh",
	sched.FlagMHFallback: "mh", sched.FlagMHPort: "mh",
}

// LoadSched parses and checks a playground file. filename is only used in
// error messages. The error is an Errors value, one FILE:LINE:COL line per
// problem.
func LoadSched(filename string, data []byte) (f *SchedFile, err error) {
	// The YAML parser is third-party code fed untrusted bytes: a panic in
	// it becomes an error (as in LoadWithLimits).
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, Errors{{Pos: Pos{File: filename, Line: 1, Col: 1}, Msg: fmt.Sprintf("YAML parser failed: %v; valid: a YAML mapping", r)}}
		}
	}()
	d := &decoder{file: filename}
	if !d.withinLimits(data, DefaultLimits()) {
		return nil, d.err()
	}
	root, ok := d.parse(data)
	if !ok {
		// parse words its hints for scenarios; say what this file wants.
		for _, e := range d.errs {
			if strings.HasPrefix(e.Msg, "empty scenario") {
				e.Msg = "empty playground file; valid: a mapping with at least scheduler:"
			}
			e.Msg = strings.Replace(e.Msg, "valid: YAML like the built-in scenarios (see BuiltinSource)", "valid: YAML like scenarios/sched-examples/*.yaml", 1)
		}
		return nil, d.err()
	}
	f = d.schedFile(root)
	if err := d.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// schedState is what the loader tracks while it reads requests, to check
// each one against the service as it will be at that point.
type schedState struct {
	present map[string]*SchedDest // in the service
	removed map[string]*SchedDest // removed (the kernel's trash)
	addrs   map[netip.AddrPort]string
	closed  map[int]bool
	conns   int
	dests   int // destinations in the service or removed, for the cells bound
	cells   int
}

func (d *decoder) schedFile(root ast.Node) *SchedFile {
	f := &SchedFile{Pos: d.pos(root), Seed: DefaultSchedSeed, Service: DefaultSchedService}
	o := d.object(root, "", "the playground file", schedTopKeys)
	if v, ok := o.str("scheduler"); ok {
		all := append(slices.Clip(sched.Names), NginxSchedulers...)
		if contains(all, v) {
			f.Scheduler = v
		} else {
			o.bad("scheduler", "unknown scheduler %q%s; valid: %s", v, didYouMean(v, all), strings.Join(all, ", "))
		}
	} else if !o.has("scheduler") {
		o.missing(f.Pos, "missing key \"scheduler\" in the playground file; valid: scheduler: one of %s, %s", strings.Join(sched.Names, ", "), strings.Join(NginxSchedulers, ", "))
	}
	if contains(NginxSchedulers, f.Scheduler) {
		d.nginxSchedFile(o, f)
		return f
	}
	for _, n := range d.list(o.node("flags"), "flags") {
		s, _ := scalarText(n)
		fl, ok := sched.ParseFlag(s)
		switch {
		case !ok:
			d.add(d.pos(n), "unknown flag %s%s; valid: %s", describe(n), didYouMean(s, sched.FlagNames), strings.Join(sched.FlagNames, ", "))
		case f.Flags&fl != 0:
			d.add(d.pos(n), "flag %s given twice; valid: each flag once", s)
		case f.Scheduler != "" && flagScheduler[fl] != f.Scheduler:
			// ipvsadm -b takes any flag with any scheduler
			// (IP_VS_SVC_F_SCHED1..3 are stored on the service); only the
			// scheduler it names reads it.
			f.Ignored = append(f.Ignored, fmt.Sprintf("flag %s: only the %s scheduler reads it; %s ignores it", s, flagScheduler[fl], f.Scheduler))
		}
		f.Flags |= fl
	}
	if v, ok := o.uint64Value("seed"); ok {
		f.Seed = v
	}
	if n, ok := o.lookup("service"); ok {
		if ap, ok := d.addrPort(n, "service"); ok {
			f.Service = ap
		}
	}
	if v, ok := o.str("conns"); ok {
		switch v {
		case "active":
		case "inactive":
			f.Inactive = true
		default:
			o.bad("conns", "unknown value %q; valid: %s (active: ESTABLISHED at once; inactive: left in SYN_RECV)", v, strings.Join(schedConnsValues, ", "))
		}
	}
	st := &schedState{
		present: map[string]*SchedDest{}, removed: map[string]*SchedDest{},
		addrs: map[netip.AddrPort]string{}, closed: map[int]bool{},
	}
	for _, n := range d.list(o.node("dests"), "dests") {
		if sd := d.schedDest(n, "dest", schedDestKeys); sd != nil {
			if d.schedAddDest(st, sd, "dests") {
				f.Dests = append(f.Dests, sd)
			}
		}
	}
	reqs := d.list(o.node("requests"), "requests")
	for _, n := range reqs {
		entries := 1
		if r := d.schedRequest(n, st, f); r != nil {
			f.Requests = append(f.Requests, r)
			entries = max(r.Count, 1)
		}
		// Each output entry prints every destination: bound the output.
		st.cells += entries * max(st.dests, 1)
		if st.cells > MaxSchedCells {
			d.add(d.pos(n), "the output would print more than %d destination counters (entries times destinations); valid: fewer requests or destinations", MaxSchedCells)
			break
		}
	}
	f.Conns = st.conns
	return f
}

// schedDest decodes one destination (of dests:, or an add request).
func (d *decoder) schedDest(n ast.Node, what string, keys []string) *SchedDest {
	before := len(d.errs)
	o := d.object(n, "", what, keys)
	if len(o.vals) == 0 && len(d.errs) > before {
		return nil // not a mapping: said once
	}
	sd := &SchedDest{Pos: o.pos, Weight: 1} // ipvsadm's default weight
	if v, ok := o.str("name"); ok {
		if validName(v) {
			sd.Name = v
			o.what = what + " " + v
		} else {
			o.bad("name", "bad name %q; valid: letters, digits, '_', '-' and '.', starting with a letter, digit or '_' (like A or web-1)", v)
		}
	} else if !o.has("name") {
		o.missing(o.pos, "missing key \"name\" in %s; valid: name: A", what)
	}
	if n, ok := o.lookup("addr"); ok {
		sd.Addr, _ = d.addrPort(n, "addr of "+o.what)
	} else if !o.has("addr") {
		o.missing(o.pos, "missing key \"addr\" in %s; valid: addr: 10.1.0.1:80", o.what)
	}
	if v, ok := o.intIn("weight", 0, maxSchedWeight); ok {
		sd.Weight = int(v)
	}
	if v, ok := o.intIn("active", 0, maxSchedCount); ok {
		sd.Active = int(v)
	}
	if v, ok := o.intIn("inactive", 0, maxSchedCount); ok {
		sd.Inactive = int(v)
	}
	if v, ok := o.boolean("overloaded"); ok {
		sd.Overloaded = v
	}
	if v, ok := o.intIn("u_threshold", 0, 1<<31-1); ok {
		sd.UThreshold = int(v)
	}
	if v, ok := o.intIn("l_threshold", 0, 1<<31-1); ok {
		sd.LThreshold = int(v)
	}
	// ip_vs_add_dest refuses a lower threshold above the upper one (-ERANGE).
	if sd.LThreshold > sd.UThreshold {
		o.bad("l_threshold", "%d is above u_threshold %d (ip_vs_add_dest: -ERANGE); valid: 0..u_threshold", sd.LThreshold, sd.UThreshold)
	}
	if sd.Name == "" || !sd.Addr.IsValid() {
		return nil
	}
	return sd
}

// schedAddDest checks that sd can join the service now, as ip_vs_add_dest
// does (-EEXIST for an address in the list), and records it. A removed
// destination re-added with its name and address comes back from the
// kernel's trash (ip_vs_trash_get_dest) with the connections it still has.
func (d *decoder) schedAddDest(st *schedState, sd *SchedDest, where string) bool {
	if _, ok := st.present[sd.Name]; ok {
		d.add(sd.Pos, "destination %s is already in the service; valid: a new name, or set_weight to change it", sd.Name)
		return false
	}
	if old, ok := st.removed[sd.Name]; ok && old.Addr != sd.Addr {
		d.add(sd.Pos, "destination %s was removed with address %v, not %v; valid: re-add it as {name: %s, addr: %v} or use a new name", sd.Name, old.Addr, sd.Addr, sd.Name, old.Addr)
		return false
	}
	if owner, ok := st.addrs[sd.Addr]; ok && owner != sd.Name {
		state := "is in the service"
		if _, gone := st.removed[owner]; gone {
			state = "was removed; the kernel revives it from its trash by address"
		}
		d.add(sd.Pos, "address %v of %s belongs to %s, which %s; valid: another address, or the name %s", sd.Addr, sd.Name, owner, state, owner)
		return false
	}
	if _, back := st.removed[sd.Name]; back {
		delete(st.removed, sd.Name)
	} else {
		st.dests++
		if st.dests > MaxSchedDests {
			d.add(sd.Pos, "more than %d destinations in %s; valid: at most %d", MaxSchedDests, where, MaxSchedDests)
			return false
		}
	}
	st.present[sd.Name] = sd
	st.addrs[sd.Addr] = sd.Name
	return true
}

// schedRequest decodes one entry of requests: and checks it against the
// state of the service at that point.
func (d *decoder) schedRequest(n ast.Node, st *schedState, f *SchedFile) *SchedRequest {
	o := d.object(n, "", "request", schedRequestKeys)
	r := &SchedRequest{Pos: o.pos}
	kind, ok := d.schedKind(o, []string{"client", "close", "set_weight", "remove", "add"}, []string{"dst", "count"},
		"{client: ADDR:PORT}, {close: N}, {set_weight: {name: A, weight: W}}, {remove: NAME} or {add: {name: D, addr: ADDR:PORT, weight: W}}")
	if !ok {
		return nil
	}
	switch kind {
	case "client":
		r.Op, r.Count, r.Dst = SchedConnect, 1, f.Service
		cn, ok := o.lookup("client")
		if !ok {
			return nil
		}
		if r.Client, ok = d.addrPort(cn, "client"); !ok {
			return nil
		}
		if dn, ok := o.lookup("dst"); ok {
			if r.Dst, ok = d.addrPort(dn, "dst"); !ok {
				return nil
			}
		}
		if r.Count, ok = d.schedCount(o, r.Client, st.conns, "connections"); !ok {
			return nil
		}
		r.First = st.conns + 1
		st.conns += r.Count
	case "close":
		r.Op = SchedClose
		if r.Close, ok = d.schedClose(o, st.conns, st.closed, "connection"); !ok {
			return nil
		}
	case "set_weight":
		r.Op = SchedSetWeight
		before := len(d.errs)
		so := d.object(o.node("set_weight"), "", "set_weight", []string{"name", "weight"})
		if len(so.vals) == 0 && len(d.errs) > before {
			return nil // not a mapping: said once
		}
		name, ok := so.str("name")
		if !ok {
			if !so.has("name") {
				so.missing(so.pos, "missing key \"name\" in set_weight; valid: set_weight: {name: A, weight: 2}")
			}
			return nil
		}
		if !d.schedPresent(st, so.at("name"), name, "set_weight") {
			return nil
		}
		w, ok := so.intIn("weight", 0, maxSchedWeight)
		if !ok {
			if !so.has("weight") {
				so.missing(so.pos, "missing key \"weight\" in set_weight; valid: weight: 0..%d", maxSchedWeight)
			}
			return nil
		}
		r.Name, r.Weight = name, int(w)
	case "remove":
		r.Op = SchedRemove
		name, ok := o.str("remove")
		if !ok || !d.schedPresent(st, o.at("remove"), name, "remove") {
			return nil
		}
		r.Name = name
		st.removed[name] = st.present[name]
		delete(st.present, name)
	case "add":
		r.Op = SchedAdd
		sd := d.schedDest(o.node("add"), "add", schedAddKeys)
		if sd == nil || !d.schedAddDest(st, sd, "the service") {
			return nil
		}
		r.Add, r.Name, r.Weight = sd, sd.Name, sd.Weight
	}
	return r
}

// schedPresent checks that name is in the service (ipvsadm -e and -d on an
// unknown destination fail with "No such destination").
func (d *decoder) schedPresent(st *schedState, p Pos, name, op string) bool {
	if _, ok := st.present[name]; ok {
		return true
	}
	names := make([]string, 0, len(st.present))
	for n := range st.present {
		names = append(names, n)
	}
	slices.Sort(names)
	if _, ok := st.removed[name]; ok {
		d.add(p, "%s: destination %s was removed; valid: one in the service: %s", op, name, quoteList(names))
		return false
	}
	d.add(p, "%s: no destination %q in the service; valid: %s", op, name, quoteList(names))
	return false
}

// addrPort reads an IPv4 ADDR:PORT with a port of 1..65535.
func (d *decoder) addrPort(n ast.Node, what string) (netip.AddrPort, bool) {
	s, ok := scalarText(n)
	ap, err := netip.ParseAddrPort(s)
	if !ok || err != nil || !ap.Addr().Is4() || ap.Port() == 0 {
		d.add(d.pos(n), "bad %s %s; valid: an IPv4 address and port like 10.0.0.1:40000", what, describe(n))
		return netip.AddrPort{}, false
	}
	return ap, true
}
