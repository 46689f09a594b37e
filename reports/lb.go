package reports

// Load-balancing metrics, kept as aggregates while the run goes (DESIGN:
// reports are consumers of a stream): per virtual service the connections
// each real server got against its weight, per client flow the outcome and
// a latency histogram, per real server what it served and how many packets
// for a VIP reached it without a director (the DR ARP trap), and every time
// a host's ARP entry for a VIP moved to a real server's MAC.

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/sim"
)

// lbLog is the load-balancing part of a Collector.
type lbLog struct {
	services  map[svcKey]*svcLog
	svcOrder  []svcKey
	clients   map[flowKey]*clientLog
	cliOrder  []flowKey
	servers   map[string]*serverLog // reported in name order
	directors map[string]bool
	vips      map[netip.Addr]bool
	lastARP   map[string][]byte // node -> last ARP frame it sent (Ethernet + ARP)
	poison    []ARPPoison
	pending   []pendingNeigh     // neighbour changes for a VIP seen before the VIP was known
	holder    map[hostIP][6]byte // last MAC of each host's entry for a VIP
	takeover  takeoverLog        // lbsync.go
	health    *healthLog         // health.go
	proxies   []*proxyLog        // proxy.go, in order of appearance
}

type svcKey struct{ director, service string }

type svcLog struct {
	reals  []*realLog
	nodest int
	total  int
	sticky int
}

type realLog struct {
	name     string
	weight   int // as first added
	now      int // current weight
	removed  bool
	conns    int
	expired  int
	series   series
	position int
}

type clientLog struct {
	conns    int            // records without From "keepalive": one per connection
	outcomes map[string]int // one per request
	reasons  map[string]int
	served   map[string]int
	lat      latencyHist
	series   series // completed connections over time
	failed   series
}

type serverLog struct {
	accepted, served, refused int
	vip                       int
	bypass                    map[string]int // sender -> packets
}

type pendingNeigh struct {
	at        sim.Time
	host, dev string
	ip        netip.Addr
	mac       [6]byte
	reason    string
}

func newLBLog() *lbLog {
	return &lbLog{
		services: map[svcKey]*svcLog{}, clients: map[flowKey]*clientLog{}, servers: map[string]*serverLog{},
		directors: map[string]bool{}, vips: map[netip.Addr]bool{}, lastARP: map[string][]byte{},
		holder: map[hostIP][6]byte{}, health: newHealthLog(),
	}
}

// serviceAddr reads the address of a virtual service name as the director
// traces it ("TCP 10.0.0.100:80", "10.0.0.100 80", "10.0.0.100:80").
func serviceAddr(s string) (netip.Addr, bool) {
	f := strings.Fields(s)
	for i := len(f) - 1; i >= 0; i-- {
		if ap, err := netip.ParseAddrPort(f[i]); err == nil {
			return ap.Addr(), true
		}
		if a, err := netip.ParseAddr(f[i]); err == nil {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func (l *lbLog) service(r *sim.Record) *svcLog {
	k := svcKey{r.Node, r.Comp}
	s := l.services[k]
	if s == nil {
		s = &svcLog{}
		l.services[k] = s
		l.svcOrder = append(l.svcOrder, k)
		l.directors[r.Node] = true
		if a, ok := serviceAddr(r.Comp); ok {
			l.vips[a] = true
		}
	}
	return s
}

func (s *svcLog) real(name string) *realLog {
	for _, rl := range s.reals {
		if rl.name == name {
			return rl
		}
	}
	rl := &realLog{name: name, position: len(s.reals)}
	s.reals = append(s.reals, rl)
	return rl
}

func (l *lbLog) onIPVS(c *Collector, r *sim.Record) {
	if r.Comp == syncComp { // the sync daemon (lbsync.go)
		l.takeover.onSync(r)
		return
	}
	s := l.service(r)
	switch r.Event {
	case "new":
		s.total++
		if r.Value2 == 1 {
			s.sticky++
		}
		rl := s.real(r.To)
		rl.conns++
		rl.series.add(r.At, 1)
		l.health.onNew(c, r)
	case "nodest":
		s.total++
		s.nodest++
	case "expire":
		if r.To != "" {
			s.real(r.To).expired++
		}
	case "dest":
		rl := s.real(r.To)
		switch r.Reason {
		case "add":
			if rl.conns == 0 && !rl.removed && rl.weight == 0 && rl.now == 0 {
				rl.weight = int(r.Value)
			}
			rl.now, rl.removed = int(r.Value), false
		case "remove":
			rl.removed = true
		case "weight":
			rl.now = int(r.Value)
		}
	}
	l.replayPending(c)
}

func (l *lbLog) onConn(r *sim.Record) {
	l.takeover.onConn(r) // lbsync.go
	k := flowKey{r.Node, r.Comp}
	cl := l.clients[k]
	if cl == nil {
		cl = &clientLog{outcomes: map[string]int{}, reasons: map[string]int{}, served: map[string]int{}}
		l.clients[k] = cl
		l.cliOrder = append(l.cliOrder, k)
	}
	cl.outcomes[r.Event]++
	if r.From != "keepalive" {
		cl.conns++
	}
	l.health.onConn(r)
	if r.Event == "ok" {
		cl.lat.add(r.Value)
		cl.series.add(r.At, 1)
	} else {
		cl.failed.add(r.At, 1)
		if r.Reason != "" {
			cl.reasons[r.Reason]++
		}
	}
	if r.To != "" {
		cl.served[r.To]++
	}
}

func (l *lbLog) server(name string) *serverLog {
	s := l.servers[name]
	if s == nil {
		s = &serverLog{bypass: map[string]int{}}
		l.servers[name] = s
	}
	return s
}

func (l *lbLog) onServe(c *Collector, r *sim.Record) {
	s := l.server(r.Node)
	switch r.Event {
	case "accept":
		s.accepted++
	case "served":
		s.served++
	case "refused":
		s.refused++
	case "vip":
		s.vip++
		if who := c.owner(r.MAC); !l.directors[who] {
			s.bypass[who]++
		}
	}
}

// onFrame remembers the last ARP frame each node sent, to name the frame
// that poisoned a cache.
func (l *lbLog) onFrame(r *sim.Record) {
	if len(r.Frame) < 42 || r.Frame[12] != 0x08 || r.Frame[13] != 0x06 {
		return
	}
	node, _, _ := strings.Cut(r.Comp, "/")
	l.lastARP[node] = append(l.lastARP[node][:0], r.Frame[:42]...)
}

// onNeigh spots a host's entry for a VIP moving to a real server's MAC.
func (l *lbLog) onNeigh(c *Collector, r *sim.Record) {
	if r.MAC == ([6]byte{}) {
		return
	}
	p := pendingNeigh{at: r.At, host: r.Node, dev: r.Comp, ip: r.Addr, mac: r.MAC, reason: r.Reason}
	if len(l.vips) == 0 {
		// Directors announce their services at start; keep the few
		// changes that come before in order (bounded).
		if len(l.pending) < 64 {
			l.pending = append(l.pending, p)
		}
		return
	}
	l.check(c, p)
}

func (l *lbLog) replayPending(c *Collector) {
	if len(l.pending) == 0 || len(l.vips) == 0 {
		return
	}
	for _, p := range l.pending {
		l.check(c, p)
	}
	l.pending = nil
}

func (l *lbLog) check(c *Collector, p pendingNeigh) {
	if !l.vips[p.ip] {
		return
	}
	k := hostIP{p.host, p.ip}
	if prev, ok := l.holder[k]; ok && prev == p.mac {
		return // the entry changed state, not owner
	}
	l.holder[k] = p.mac
	who := c.owner(p.mac)
	if l.directors[who] || strings.HasPrefix(who, "vmac") {
		return
	}
	if _, known := c.macOwner[p.mac]; !known {
		return
	}
	l.poison = append(l.poison, ARPPoison{At: Seconds(p.at), Host: p.host, IP: p.ip.String(), Owner: who,
		MAC: macString(p.mac), Reason: p.reason, Frame: describeARP(who, l.lastARP[who])})
}

// describeARP names an ARP frame the way tcpdump -n prints it.
func describeARP(node string, b []byte) string {
	if len(b) < 42 {
		return ""
	}
	p := b[14:]
	spa := netip.AddrFrom4([4]byte(p[14:18]))
	tpa := netip.AddrFrom4([4]byte(p[24:28]))
	switch uint16(p[6])<<8 | uint16(p[7]) {
	case 1:
		return fmt.Sprintf("%s: ARP, Request who-has %s tell %s", node, tpa, spa)
	case 2:
		return fmt.Sprintf("%s: ARP, Reply %s is-at %s", node, spa, macString([6]byte(p[8:14])))
	}
	return ""
}

// LBReport is the load-balancing part of a report.
type LBReport struct {
	Services []VirtualService `json:"virtual_services"`
	Clients  []ClientStats    `json:"clients"`
	Servers  []ServerStats    `json:"real_servers"`
	// BypassPackets counts packets for a VIP that reached a real server
	// from something other than a director.
	BypassPackets int         `json:"bypass_packets"`
	Poisoned      []ARPPoison `json:"arp_poisoning"`
	// Takeovers: directors taking a VIP over and the connections
	// open then (lbsync.go).
	Takeovers []Takeover `json:"takeovers,omitempty"`
	// Health: each health-checked real server's timeline (health.go).
	Health []HealthTimeline `json:"health,omitempty"`
	// Proxies: each nginx (proxy.go).
	Proxies []ProxyStats `json:"proxies,omitempty"`
}

// VirtualService is one virtual service of one director.
type VirtualService struct {
	Director    string `json:"director"`
	Service     string `json:"service"`
	Connections int    `json:"connections"`
	Persistent  int    `json:"persistent"`
	NoDest      int    `json:"no_destination"`
	// Imbalance is the most connections a real server got over the mean
	// (1 is perfectly even).
	Imbalance float64     `json:"imbalance"`
	Reals     []RealShare `json:"real_servers"`
}

// RealShare is one real server's part of a virtual service.
type RealShare struct {
	Name        string  `json:"name"`
	Weight      int     `json:"weight"`
	FinalWeight int     `json:"final_weight"`
	Removed     bool    `json:"removed"`
	Connections int     `json:"connections"`
	Expired     int     `json:"expired"`
	Share       float64 `json:"share"`
	WeightShare float64 `json:"weight_share"`
}

// ClientStats is one client flow's account of its connections.
type ClientStats struct {
	Node        string `json:"node"`
	Flow        string `json:"flow"`
	Connections int    `json:"connections"`
	OK          int    `json:"ok"`
	Refused     int    `json:"refused"`
	Reset       int    `json:"reset"`
	Timeout     int    `json:"timeout"`
	// Requests, with keep-alive clients (requests_per_connection), is
	// the requests made, which OK and the failures count; 0: one
	// request per connection.
	Requests int `json:"requests,omitempty"`
	// HTTPError counts whole responses with a status of 400 or more
	// (nginx's 502 and 504 among them); Reasons splits them by status
	// (http_502...).
	HTTPError int         `json:"http_error,omitempty"`
	Reasons   []NameCount `json:"failure_reasons"`
	// Latency of successful connections: first SYN to the end of the
	// response. Percentiles are nearest-rank over a log-linear histogram
	// (relative error below 1/64, see latencyHist).
	P50      *Seconds    `json:"latency_p50_s"`
	P95      *Seconds    `json:"latency_p95_s"`
	P99      *Seconds    `json:"latency_p99_s"`
	Max      *Seconds    `json:"latency_max_s"`
	ServedBy []NameCount `json:"served_by"`
}

// Failed is the flow's failed requests (with HTTP/1.0, connections):
// refused, reset, timed out or answered with an HTTP error.
func (cs ClientStats) Failed() int {
	if cs.Requests > 0 {
		return cs.Requests - cs.OK
	}
	return cs.Connections - cs.OK
}

// ServerStats is what one real server's services did.
type ServerStats struct {
	Name       string      `json:"name"`
	Accepted   int         `json:"accepted"`
	Served     int         `json:"served"`
	Refused    int         `json:"refused"`
	VIPPackets int         `json:"vip_packets"`
	Bypass     int         `json:"bypass_packets"`
	BypassFrom []NameCount `json:"bypass_from"`
}

// NameCount is a name and how often.
type NameCount struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// ARPPoison is a host's entry for a virtual IP moving to a real server.
type ARPPoison struct {
	At     Seconds `json:"t_s"`
	Host   string  `json:"host"`
	IP     string  `json:"ip"`
	Owner  string  `json:"real_server"`
	MAC    string  `json:"mac"`
	Reason string  `json:"reason"`
	Frame  string  `json:"frame,omitempty"`
}

func round4(f float64) float64 { return math.Round(f*1e4) / 1e4 }

func sortedCounts(m map[string]int) []NameCount {
	out := make([]NameCount, 0, len(m))
	for k, v := range m {
		out = append(out, NameCount{k, v})
	}
	slices.SortFunc(out, func(a, b NameCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out
}

// report builds the LB section; nil when the run had no load balancing.
func (l *lbLog) report() *LBReport {
	if len(l.services) == 0 && len(l.clients) == 0 && len(l.servers) == 0 && len(l.proxies) == 0 {
		return nil
	}
	out := &LBReport{Services: []VirtualService{}, Clients: []ClientStats{}, Servers: []ServerStats{}, Poisoned: l.poison, Health: l.health.report(), Proxies: l.proxyReport()}
	if out.Poisoned == nil {
		out.Poisoned = []ARPPoison{}
	}
	out.Takeovers = l.takeover.report()
	for _, k := range l.svcOrder {
		s := l.services[k]
		vs := VirtualService{Director: k.director, Service: k.service, Connections: s.total, Persistent: s.sticky, NoDest: s.nodest, Reals: []RealShare{}}
		wsum, served, most := 0, 0, 0
		for _, rl := range s.reals {
			wsum += rl.weight
			served += rl.conns
			most = max(most, rl.conns)
		}
		for _, rl := range s.reals {
			rs := RealShare{Name: rl.name, Weight: rl.weight, FinalWeight: rl.now, Removed: rl.removed, Connections: rl.conns, Expired: rl.expired}
			if served > 0 {
				rs.Share = round4(float64(rl.conns) / float64(served))
			}
			if wsum > 0 {
				rs.WeightShare = round4(float64(rl.weight) / float64(wsum))
			}
			vs.Reals = append(vs.Reals, rs)
		}
		if served > 0 && len(s.reals) > 0 {
			vs.Imbalance = round4(float64(most) / (float64(served) / float64(len(s.reals))))
		}
		out.Services = append(out.Services, vs)
	}
	for _, k := range l.cliOrder {
		cl := l.clients[k]
		cs := ClientStats{Node: k.node, Flow: k.name, OK: cl.outcomes["ok"], Refused: cl.outcomes["refused"],
			Reset: cl.outcomes["reset"], Timeout: cl.outcomes["timeout"], HTTPError: cl.outcomes["http_error"],
			Reasons: sortedCounts(cl.reasons), ServedBy: sortedCounts(cl.served), Connections: cl.conns}
		n := 0
		for _, c := range cl.outcomes {
			n += c
		}
		if n != cl.conns {
			cs.Requests = n
		}
		if cl.lat.n > 0 {
			cs.P50, cs.P95, cs.P99 = secPtr(cl.lat.quantile(0.50)), secPtr(cl.lat.quantile(0.95)), secPtr(cl.lat.quantile(0.99))
			cs.Max = secPtr(cl.lat.max)
		}
		out.Clients = append(out.Clients, cs)
	}
	slices.SortFunc(out.Clients, func(a, b ClientStats) int { return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Flow, b.Flow)) })
	for _, name := range sortedKeys(l.servers) {
		s := l.servers[name]
		ss := ServerStats{Name: name, Accepted: s.accepted, Served: s.served, Refused: s.refused, VIPPackets: s.vip, BypassFrom: sortedCounts(s.bypass)}
		for _, n := range s.bypass {
			ss.Bypass += n
		}
		out.BypassPackets += ss.Bypass
		out.Servers = append(out.Servers, ss)
	}
	return out
}

// latencyHist is a log-linear histogram of nanosecond values: exact below
// 128 ns, then 64 buckets per power of two, so a bucket's width is under
// 1/64 of its values (the stated error of the percentiles). Its size is
// fixed: memory does not grow with the number of connections.
type latencyHist struct {
	counts   [128 + 64*57]uint32
	n        uint64
	min, max sim.Time
}

func histIndex(v uint64) int {
	if v < 128 {
		return int(v)
	}
	shift := bits.Len64(v) - 7
	return 128 + (shift-1)*64 + int(v>>shift) - 64
}

// histMid is the middle of bucket i (its exact value below 128).
func histMid(i int) uint64 {
	if i < 128 {
		return uint64(i)
	}
	shift := (i-128)/64 + 1
	lo := uint64((i-128)%64+64) << shift
	return lo + (uint64(1)<<shift)/2
}

func (h *latencyHist) add(v int64) {
	if v < 0 {
		v = 0
	}
	t := sim.Time(v)
	if h.n == 0 || t < h.min {
		h.min = t
	}
	if t > h.max {
		h.max = t
	}
	h.n++
	h.counts[histIndex(uint64(v))]++
}

// quantile is the nearest-rank q-quantile, as the middle of its bucket
// clamped to the exact minimum and maximum.
func (h *latencyHist) quantile(q float64) sim.Time {
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			v := sim.Time(histMid(i))
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}

// series counts events in time buckets of a width that doubles whenever
// the run outgrows maxBuckets, so its size stays bounded however long the
// run is.
type series struct {
	width  sim.Time
	counts []int
}

const maxBuckets = 512

func (s *series) add(at sim.Time, n int) {
	if s.width == 0 {
		s.width = sim.Second
	}
	i := int(at / s.width)
	for i >= maxBuckets {
		for j := 0; j < len(s.counts); j += 2 {
			v := s.counts[j]
			if j+1 < len(s.counts) {
				v += s.counts[j+1]
			}
			s.counts[j/2] = v
		}
		s.counts = s.counts[:(len(s.counts)+1)/2]
		s.width *= 2
		i = int(at / s.width)
	}
	for len(s.counts) <= i {
		s.counts = append(s.counts, 0)
	}
	s.counts[i] += n
}

// LBSeries is a time series for plots: counts per bucket of Width.
type LBSeries struct {
	Name   string
	Width  sim.Time
	Counts []int
}

// LoadSeries returns, per virtual service, the new connections each real
// server got over time (for the load plot).
func (c *Collector) LoadSeries() map[string][]LBSeries {
	out := map[string][]LBSeries{}
	for _, k := range c.lb.svcOrder {
		s := c.lb.services[k]
		name := k.director + " " + k.service
		for _, rl := range s.reals {
			out[name] = append(out[name], LBSeries{Name: rl.name, Width: rl.series.width, Counts: slices.Clone(rl.series.counts)})
		}
	}
	maps.Copy(out, c.ProxyLoadSeries()) // each nginx upstream: picks per server
	return out
}

// FailedSeries returns, per client flow that had failures, its failed
// connections over time (counted when each failed).
func (c *Collector) FailedSeries() []LBSeries {
	var out []LBSeries
	for _, k := range c.lb.cliOrder {
		cl := c.lb.clients[k]
		if len(cl.failed.counts) > 0 {
			out = append(out, LBSeries{Name: k.name + " failed", Width: cl.failed.width, Counts: slices.Clone(cl.failed.counts)})
		}
	}
	return out
}

// LatencyCDF returns, per client flow, the cumulative distribution of its
// successful connections' latency: (seconds, fraction) points.
func (c *Collector) LatencyCDF() map[string][][2]float64 {
	out := map[string][][2]float64{}
	for _, k := range c.lb.cliOrder {
		h := &c.lb.clients[k].lat
		if h.n == 0 {
			continue
		}
		var pts [][2]float64
		var seen uint64
		for i, n := range h.counts {
			if n == 0 {
				continue
			}
			seen += uint64(n)
			v := min(max(sim.Time(histMid(i)), h.min), h.max)
			pts = append(pts, [2]float64{v.Seconds(), float64(seen) / float64(h.n)})
		}
		out[k.name] = pts
	}
	return out
}

// ms prints a latency in milliseconds with microsecond precision.
func ms(s Seconds) string {
	return strconv.FormatFloat(float64(s)/float64(sim.Millisecond), 'f', 3, 64) + " ms"
}

// writeLBText prints the load-balancing section of the text report.
func writeLBText(b *strings.Builder, lb *LBReport) {
	if lb == nil {
		return
	}
	b.WriteString("\nLoad balancing\n")
	writeProxyText(b, lb.Proxies)
	for _, vs := range lb.Services {
		fmt.Fprintf(b, "  %s %s: %d connections", vs.Director, vs.Service, vs.Connections)
		if vs.NoDest > 0 {
			fmt.Fprintf(b, ", %d with no destination", vs.NoDest)
		}
		if vs.Persistent > 0 {
			fmt.Fprintf(b, ", %d by persistence", vs.Persistent)
		}
		fmt.Fprintf(b, ", imbalance %s (max/mean)\n", strconv.FormatFloat(vs.Imbalance, 'f', 2, 64))
		nw := width(4, func() []string {
			var s []string
			for _, r := range vs.Reals {
				s = append(s, r.Name)
			}
			return s
		}()...)
		for _, r := range vs.Reals {
			fmt.Fprintf(b, "    %-*s weight %5d  %6d conns  share %5.1f%% (weight %5.1f%%)", nw, r.Name, r.Weight, r.Connections, 100*r.Share, 100*r.WeightShare)
			if r.FinalWeight != r.Weight {
				fmt.Fprintf(b, "  now weight %d", r.FinalWeight)
			}
			if r.Removed {
				b.WriteString("  removed")
			}
			b.WriteString("\n")
		}
	}
	for _, cs := range lb.Clients {
		fmt.Fprintf(b, "  %s %s: %d connections", cs.Node, cs.Flow, cs.Connections)
		if cs.Requests > 0 {
			fmt.Fprintf(b, ", %d requests", cs.Requests)
		}
		fmt.Fprintf(b, ", %d ok, %d failed (%d refused, %d reset, %d timeout", cs.OK, cs.Failed(), cs.Refused, cs.Reset, cs.Timeout)
		if cs.HTTPError > 0 {
			fmt.Fprintf(b, ", %d http error", cs.HTTPError)
		}
		b.WriteString(")")
		if cs.P50 != nil {
			fmt.Fprintf(b, "; latency p50 %s p95 %s p99 %s max %s", ms(*cs.P50), ms(*cs.P95), ms(*cs.P99), ms(*cs.Max))
		}
		b.WriteString("\n")
		if len(cs.ServedBy) > 0 {
			var parts []string
			for _, s := range cs.ServedBy {
				parts = append(parts, fmt.Sprintf("%s %d", s.Name, s.Count))
			}
			fmt.Fprintf(b, "    served by %s\n", strings.Join(parts, ", "))
		}
		for _, r := range cs.Reasons {
			fmt.Fprintf(b, "    failed: %s %d\n", r.Name, r.Count)
		}
	}
	for _, ss := range lb.Servers {
		fmt.Fprintf(b, "  %s: accepted %d, served %d, refused %d", ss.Name, ss.Accepted, ss.Served, ss.Refused)
		if ss.Bypass > 0 {
			var parts []string
			for _, s := range ss.BypassFrom {
				parts = append(parts, fmt.Sprintf("%s %d", s.Name, s.Count))
			}
			fmt.Fprintf(b, "; %d packets for the VIP bypassed the director (from %s)", ss.Bypass, strings.Join(parts, ", "))
		}
		b.WriteString("\n")
	}
	writeTakeoverText(b, lb.Takeovers) // lbsync.go
	writeHealthText(b, lb.Health)
	writeDetectionText(b, lb.Health)
	if lb.BypassPackets > 0 {
		fmt.Fprintf(b, "  director bypassed: %d packets for a VIP went straight to a real server\n", lb.BypassPackets)
	}
	for _, p := range lb.Poisoned {
		fmt.Fprintf(b, "  %12s  %s's ARP entry for %s -> %s (%s, %s)", p.At.text(), p.Host, p.IP, p.Owner, p.MAC, p.Reason)
		if p.Frame != "" {
			fmt.Fprintf(b, " after %s", p.Frame)
		}
		b.WriteString("\n")
	}
}

// checkShare: every real server of the service got a share of its
// connections within tol of its weight's share.
func (r *Report) checkShare(director, service string, tol float64) (bool, string) {
	if r.LB == nil {
		return false, "no load balancing in this run"
	}
	if ok, detail, found := r.checkProxyShare(director, service, tol); found {
		return ok, detail
	}
	for _, vs := range r.LB.Services {
		if vs.Director != director || !sameService(vs.Service, service) {
			continue
		}
		if vs.Connections == 0 {
			return false, fmt.Sprintf("%s %s scheduled no connection", director, service)
		}
		var worst RealShare
		dev := -1.0
		for _, rs := range vs.Reals {
			if d := math.Abs(rs.Share - rs.WeightShare); d > dev {
				dev, worst = d, rs
			}
		}
		detail := fmt.Sprintf("largest deviation %s: share %.4f vs weight %.4f (%.4f, tolerance %g)", worst.Name, worst.Share, worst.WeightShare, dev, tol)
		return dev <= tol+1e-12, detail
	}
	return false, fmt.Sprintf("no virtual service %s on %s in this run", service, director)
}

// sameService compares a service as written in a scenario ("10.0.0.100
// 80") with the name the director traced.
func sameService(traced, written string) bool {
	if traced == written {
		return true
	}
	norm := func(s string) string {
		f := strings.Fields(s)
		if len(f) > 0 && (f[0] == "TCP" || f[0] == "UDP") {
			f = f[1:]
		}
		return strings.Join(f, ":")
	}
	return norm(traced) == norm(written)
}

func (r *Report) checkFailed(flow string, n int) (bool, string) {
	failed := 0
	if r.LB != nil {
		for _, cs := range r.LB.Clients {
			if flow == "" || cs.Flow == flow {
				failed += cs.Failed()
			}
		}
	}
	return failed <= n, fmt.Sprintf("%d failed connections, at most %d allowed", failed, n)
}

func (r *Report) checkNoBypass() (bool, string) {
	if r.LB == nil || r.LB.BypassPackets == 0 {
		return true, "no packet for a VIP bypassed the director"
	}
	return false, fmt.Sprintf("%d packets for a VIP bypassed the director", r.LB.BypassPackets)
}
