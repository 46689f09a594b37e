package reports

// nginx proxies (sim.KindProxy): per upstream server the picks against
// the weights, the failed tries, the requests nginx retried on another
// server and what that cost the client, nginx's own error responses by
// status, and when max_fails took a server out and a request probed it
// again. Aggregates only, as the rest of the load-balancing report.

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/sim"
)

// maxProxyEvents bounds the failed/probe/recovered events kept per proxy.
const maxProxyEvents = 1000

type proxyLog struct {
	node, upstream string
	servers        []*upstreamLog
	requests       int
	retried        int
	retryCost      latencyHist
	status         map[int]int // every response, by status
	own            map[int]int // nginx's own error pages, by status
	reasons        map[string]int
	events         []ProxyEvent
	dropped        int
}

type upstreamLog struct {
	addr     string
	weight   int
	backup   bool
	picks    int
	failed   int
	answered int
	series   series
}

func (p *proxyLog) server(addr string) *upstreamLog {
	for _, s := range p.servers {
		if s.addr == addr {
			return s
		}
	}
	s := &upstreamLog{addr: addr}
	p.servers = append(p.servers, s)
	return s
}

func (l *lbLog) proxy(node string) *proxyLog {
	for _, p := range l.proxies {
		if p.node == node {
			return p
		}
	}
	p := &proxyLog{node: node, status: map[int]int{}, own: map[int]int{}, reasons: map[string]int{}}
	l.proxies = append(l.proxies, p)
	return p
}

func (l *lbLog) onProxy(r *sim.Record) {
	p := l.proxy(r.Node)
	switch r.Event {
	case "server":
		p.upstream = r.From
		s := p.server(r.To)
		s.weight, s.backup = int(r.Value), r.Reason == "backup"
	case "try":
		s := p.server(r.To)
		s.picks++
		s.series.add(r.At, 1)
		if r.Reason == "" {
			p.requests++
		}
	case "next":
		p.server(r.To).failed++
	case "retried":
		p.retried++
		p.retryCost.add(r.Value)
	case "response":
		st := int(r.Value)
		p.status[st]++
		if r.To == "" || st == 499 { // 499: the client left; the upstream tried gave nothing
			p.own[st]++
			if r.Reason != "" {
				p.reasons[r.Reason]++
			}
		} else {
			p.server(r.To).answered++
		}
	case "failed", "probe", "recovered":
		if len(p.events) >= maxProxyEvents {
			p.dropped++
			return
		}
		e := ProxyEvent{At: Seconds(r.At), Server: r.To, Event: r.Event}
		if r.Event == "failed" {
			e.Fails = int(r.Value)
			e.FailTimeout = secPtr(sim.Time(r.Value2))
		}
		p.events = append(p.events, e)
	}
}

// ProxyStats is one nginx's account of its requests.
type ProxyStats struct {
	Node     string `json:"node"`
	Upstream string `json:"upstream"`
	Requests int    `json:"requests"`
	// Responses by status, nginx's own error pages included.
	Responses []StatusCount `json:"responses"`
	// Errors are the responses nginx made itself (502, 504...): no
	// upstream answered; and 499, a client that closed before the
	// answer (nothing sent). ErrorReasons: "no_live_upstreams" (every
	// server out), "tries" (each try failed), "next_upstream_timeout",
	// "not_in_proxy_next_upstream" (the failure is not to be retried),
	// "client_closed" (499).
	Errors       []StatusCount `json:"errors"`
	ErrorReasons []NameCount   `json:"error_reasons"`
	// Retried requests were answered after one or more failed tries; the
	// time those tries took is what the retry added to the client's
	// latency (a refused connect costs a round trip, a black hole the
	// whole proxy_connect_timeout).
	Retried  int            `json:"retried"`
	RetryP50 *Seconds       `json:"retry_added_p50_s"`
	RetryMax *Seconds       `json:"retry_added_max_s"`
	Servers  []UpstreamPick `json:"servers"`
	// Events: max_fails took a server out ("failed"), a request probed it
	// after fail_timeout ("probe"), the probe answered ("recovered").
	Events        []ProxyEvent `json:"events"`
	EventsDropped int          `json:"events_dropped,omitempty"`
}

// StatusCount is an HTTP status and how often.
type StatusCount struct {
	Status int `json:"status"`
	Count  int `json:"count"`
}

// UpstreamPick is one upstream server's part.
type UpstreamPick struct {
	Server      string  `json:"server"`
	Weight      int     `json:"weight"`
	Backup      bool    `json:"backup,omitempty"`
	Picks       int     `json:"picks"`
	Share       float64 `json:"share"`
	WeightShare float64 `json:"weight_share"`
	FailedTries int     `json:"failed_tries"`
	Answered    int     `json:"answered"`
}

// ProxyEvent is a passive health event of an upstream server.
type ProxyEvent struct {
	At          Seconds  `json:"t_s"`
	Server      string   `json:"server"`
	Event       string   `json:"event"`
	Fails       int      `json:"fails,omitempty"`
	FailTimeout *Seconds `json:"fail_timeout_s,omitempty"`
}

func statusCounts(m map[int]int) []StatusCount {
	out := make([]StatusCount, 0, len(m))
	for k, v := range m {
		out = append(out, StatusCount{k, v})
	}
	slices.SortFunc(out, func(a, b StatusCount) int { return cmp.Compare(a.Status, b.Status) })
	return out
}

func (l *lbLog) proxyReport() []ProxyStats {
	var out []ProxyStats
	for _, p := range l.proxies {
		ps := ProxyStats{Node: p.node, Upstream: p.upstream, Requests: p.requests, Responses: statusCounts(p.status),
			Errors: statusCounts(p.own), ErrorReasons: sortedCounts(p.reasons), Retried: p.retried,
			Servers: []UpstreamPick{}, Events: p.events, EventsDropped: p.dropped}
		if ps.Events == nil {
			ps.Events = []ProxyEvent{}
		}
		if p.retryCost.n > 0 {
			ps.RetryP50, ps.RetryMax = secPtr(p.retryCost.quantile(0.5)), secPtr(p.retryCost.max)
		}
		picks, wsum := 0, 0
		for _, s := range p.servers {
			picks += s.picks
			if !s.backup {
				wsum += s.weight
			}
		}
		for _, s := range p.servers {
			u := UpstreamPick{Server: s.addr, Weight: s.weight, Backup: s.backup, Picks: s.picks, FailedTries: s.failed, Answered: s.answered}
			if picks > 0 {
				u.Share = round4(float64(s.picks) / float64(picks))
			}
			if wsum > 0 && !s.backup {
				u.WeightShare = round4(float64(s.weight) / float64(wsum))
			}
			ps.Servers = append(ps.Servers, u)
		}
		out = append(out, ps)
	}
	slices.SortFunc(out, func(a, b ProxyStats) int { return cmp.Compare(a.Node, b.Node) })
	return out
}

func writeProxyText(b *strings.Builder, ps []ProxyStats) {
	for _, p := range ps {
		fmt.Fprintf(b, "  nginx %s upstream %s: %d requests, %d retried on another server", p.Node, p.Upstream, p.Requests, p.Retried)
		if p.RetryP50 != nil {
			fmt.Fprintf(b, " (added p50 %s, max %s)", ms(*p.RetryP50), ms(*p.RetryMax))
		}
		fmt.Fprintf(b, "; responses %s\n", statusList(p.Responses))
		if len(p.Errors) > 0 {
			var why []string
			for _, r := range p.ErrorReasons {
				why = append(why, fmt.Sprintf("%s %d", r.Name, r.Count))
			}
			fmt.Fprintf(b, "    nginx's own errors %s", statusList(p.Errors))
			if len(why) > 0 {
				fmt.Fprintf(b, " (%s)", strings.Join(why, ", "))
			}
			b.WriteString("\n")
		}
		nw := 4
		for _, s := range p.Servers {
			nw = max(nw, len(s.Server))
		}
		for _, s := range p.Servers {
			fmt.Fprintf(b, "    %-*s weight %4d  %6d picks  share %5.1f%%", nw, s.Server, s.Weight, s.Picks, 100*s.Share)
			if s.Backup {
				b.WriteString(" (backup)        ")
			} else {
				fmt.Fprintf(b, " (weight %5.1f%%)", 100*s.WeightShare)
			}
			fmt.Fprintf(b, "  %d failed tries, %d answered\n", s.FailedTries, s.Answered)
		}
		for _, e := range p.Events {
			fmt.Fprintf(b, "    %.3f s %s %s", float64(e.At)/float64(sim.Second), e.Server, e.Event)
			if e.FailTimeout != nil {
				fmt.Fprintf(b, " (%d fails: out for fail_timeout %s)", e.Fails, formatSeconds(sim.Time(*e.FailTimeout))+" s")
			}
			b.WriteString("\n")
		}
		if p.EventsDropped > 0 {
			fmt.Fprintf(b, "    %d more events not kept\n", p.EventsDropped)
		}
	}
}

// statusList is "502: 3, 504: 1".
func statusList(sc []StatusCount) string {
	var out []string
	for _, s := range sc {
		out = append(out, fmt.Sprintf("%d: %d", s.Status, s.Count))
	}
	return strings.Join(out, ", ")
}

// checkProxyShare is the share expectation for an nginx upstream (the
// virtual_server written as the upstream's name or "upstream NAME"):
// picks against weights, backups left out. found is false when node
// runs no nginx.
func (r *Report) checkProxyShare(node, service string, tol float64) (ok bool, detail string, found bool) {
	if r.LB == nil {
		return false, "", false
	}
	for _, p := range r.LB.Proxies {
		if p.Node != node || service != p.Upstream && service != "upstream "+p.Upstream {
			continue
		}
		dev, worst := -1.0, UpstreamPick{}
		picks := 0
		for _, s := range p.Servers {
			picks += s.Picks
			if s.Backup {
				continue
			}
			if d := math.Abs(s.Share - s.WeightShare); d > dev {
				dev, worst = d, s
			}
		}
		if picks == 0 {
			return false, fmt.Sprintf("nginx %s picked no server", node), true
		}
		return dev <= tol+1e-12, fmt.Sprintf("largest deviation %s: share %.4f vs weight %.4f (%.4f, tolerance %g)", worst.Server, worst.Share, worst.WeightShare, dev, tol), true
	}
	return false, "", false
}

// ProxyLoadSeries returns, per nginx, each upstream server's picks over
// time (for the load plot, as LoadSeries for a virtual service).
func (c *Collector) ProxyLoadSeries() map[string][]LBSeries {
	out := map[string][]LBSeries{}
	for _, p := range c.lb.proxies {
		name := p.node + " upstream " + p.upstream
		for _, s := range p.servers {
			out[name] = append(out[name], LBSeries{Name: s.addr, Width: s.series.width, Counts: slices.Clone(s.series.counts)})
		}
	}
	return out
}

// proxyLine is the text trace's line for an nginx record: each try and
// response, so a pick sequence reads off the trace.
func proxyLine(r *sim.Record) string {
	client := r.Addr.String() + ":" + strconv.FormatInt(r.Value2, 10)
	switch r.Event {
	case "try":
		s := fmt.Sprintf("%s nginx try %s for %s (worker %d)", r.Node, r.To, client, r.Value)
		if r.Reason != "" {
			s += " " + r.Reason
		}
		return s
	case "next":
		return fmt.Sprintf("%s nginx next: %s %s after %s for %s", r.Node, r.To, r.Reason, time.Duration(r.Value), client)
	case "response":
		from := r.To
		if from == "" {
			from = "nginx"
		}
		s := fmt.Sprintf("%s nginx %d from %s for %s after %s", r.Node, r.Value, from, r.Addr, time.Duration(r.Value2))
		if r.Reason != "" {
			s += " (" + r.Reason + ")"
		}
		return s
	case "failed":
		return fmt.Sprintf("%s nginx %s failed: %d fails, out for %s", r.Node, r.To, r.Value, time.Duration(r.Value2))
	case "probe", "recovered":
		return fmt.Sprintf("%s nginx %s %s", r.Node, r.To, r.Event)
	}
	return ""
}

// proxyComment is the pcapng packet comment for an nginx record: the
// upstream's servers at start and the max_fails events, "" for the rest.
func proxyComment(r *sim.Record) string {
	switch r.Event {
	case "server":
		return fmt.Sprintf("%s %s nginx upstream %s: real server %s (weight %d%s)", r.At, r.Node, r.From, r.To, r.Value, strings.TrimSuffix(", "+r.Reason, ", "))
	case "failed", "probe", "recovered":
		return fmt.Sprintf("%s %s nginx: real server %s %s", r.At, r.Node, r.To, r.Event)
	}
	return ""
}
