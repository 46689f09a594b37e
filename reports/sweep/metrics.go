package sweep

import (
	"strconv"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
)

// Metric is one metric column of a run: its name and its CSV text (a
// decimal number, a word, or "" when the run has no value, e.g. no
// takeover happened so there is no detection time).
type Metric struct {
	Name  string
	Value string
}

// Metrics flattens one run's report into columns, in a fixed order:
//
//   - per convergence entry (disruptive action x VRRP instance, key
//     "ACTION/INSTANCE", e.g. "crash r1/VI_1"): detect_s[key],
//     since_last_advert_s[key], converged_s[key], transitions[key],
//     new_master[key];
//   - split_brain_total_s;
//   - per traffic flow (key "NODE/NAME"): sent[key], lost[key],
//     outage_s[key] (all outages of the run, startup included) and
//     failover_outage_s[key] (the first outage that ends after the first
//     disruptive action, so one that began with a lost packet just before
//     it counts whole: what the failover cost the host; 0 if none);
//   - per host ARP entry that moved (key "HOST/IP"): arp_move_s[key], the
//     time from the first disruptive action to the entry's first move;
//   - with load balancing: per virtual service (key "DIRECTOR SERVICE")
//     lb_conns[key], lb_imbalance[key] and lb_share[key/REAL] per real
//     server; per client flow conn_failed[key], conn_p50_s[key],
//     conn_p99_s[key]; bypass_packets; per nginx (key "NODE")
//     nginx_errors[key] (its own error pages), nginx_retried[key],
//     nginx_retry_max_s[key] and nginx_share[NODE/SERVER];
//   - transitions_total, expect_failed, frames, events.
//
// Names ending in _s are seconds. events is the number of kernel events
// the run fired (the caller passes it: it is not in the report).
func Metrics(r *reports.Report, events uint64) []Metric {
	var out []Metric
	add := func(name, value string) { out = append(out, Metric{name, value}) }
	secs := func(s *reports.Seconds) string {
		if s == nil {
			return ""
		}
		return formatNano(int64(*s))
	}
	for _, c := range r.Convergence {
		key := "[" + c.Action + "/" + c.Instance + "]"
		add("detect_s"+key, secs(c.Detect))
		add("since_last_advert_s"+key, secs(c.SinceLastAdvert))
		add("converged_s"+key, secs(c.Converged))
		add("transitions"+key, strconv.Itoa(c.Transitions))
		add("new_master"+key, strings.Join(c.NewMaster, " "))
	}
	add("split_brain_total_s", formatNano(int64(r.SplitBrainTotal)))

	var first *reports.Seconds
	for i := range r.Actions {
		if r.Actions[i].Disruptive {
			first = &r.Actions[i].At
			break
		}
	}
	for _, f := range r.Flows {
		key := "[" + f.Name + "]"
		add("sent"+key, strconv.Itoa(f.Sent))
		add("lost"+key, strconv.Itoa(f.Lost))
		add("outage_s"+key, formatNano(int64(f.Outage)))
		fo := ""
		if first != nil {
			// The failover's own outage: the first one still running at,
			// or starting after, the first disruptive action. Later
			// outages (random loss, other actions) are not its cost.
			fo = formatNano(0)
			for _, o := range f.Outages {
				if o.End > *first {
					fo = formatNano(int64(o.End - o.Start))
					break
				}
			}
		}
		add("failover_outage_s"+key, fo)
	}
	for _, a := range r.ARP {
		v := ""
		for _, m := range a.Moves {
			if first != nil && m.At >= *first && m.AfterAction != nil {
				v = formatNano(int64(m.At - *first))
				break
			}
		}
		add("arp_move_s["+a.Host+"/"+a.IP+"]", v)
	}
	if r.LB != nil {
		for _, vs := range r.LB.Services {
			key := "[" + vs.Director + " " + vs.Service + "]"
			add("lb_conns"+key, strconv.Itoa(vs.Connections))
			add("lb_imbalance"+key, strconv.FormatFloat(vs.Imbalance, 'f', 4, 64))
			for _, rs := range vs.Reals {
				add("lb_share["+vs.Director+" "+vs.Service+"/"+rs.Name+"]", strconv.FormatFloat(rs.Share, 'f', 4, 64))
			}
		}
		for _, cs := range r.LB.Clients {
			key := "[" + cs.Flow + "]"
			add("conn_failed"+key, strconv.Itoa(cs.Failed()))
			add("conn_p50_s"+key, secs(cs.P50))
			add("conn_p99_s"+key, secs(cs.P99))
		}
		add("bypass_packets", strconv.Itoa(r.LB.BypassPackets))
		for _, p := range r.LB.Proxies { // nginx (reports/proxy.go)
			key := "[" + p.Node + "]"
			errs := 0
			for _, e := range p.Errors {
				errs += e.Count
			}
			add("nginx_errors"+key, strconv.Itoa(errs))
			add("nginx_retried"+key, strconv.Itoa(p.Retried))
			add("nginx_retry_max_s"+key, secs(p.RetryMax))
			for _, s := range p.Servers {
				add("nginx_share["+p.Node+"/"+s.Server+"]", strconv.FormatFloat(s.Share, 'f', 4, 64))
			}
		}
		if len(r.LB.Takeovers) > 0 { // a director pair (lbsync.go)
			open, broken := 0, 0
			for _, t := range r.LB.Takeovers {
				open, broken = open+t.Open, broken+t.Broken
			}
			add("takeover_open", strconv.Itoa(open))
			add("takeover_broken", strconv.Itoa(broken))
		}
	}
	add("transitions_total", strconv.Itoa(len(r.Transitions)))
	add("expect_failed", strconv.Itoa(r.Failed()))
	frames := 0
	for _, f := range r.Frames {
		frames += f.Frames
	}
	add("frames", strconv.Itoa(frames))
	add("events", strconv.FormatUint(events, 10))
	return out
}

// BaseName is a metric name without its [key]: "detect_s[crash r1/VI_1]"
// -> "detect_s".
func BaseName(col string) string {
	if i := strings.IndexByte(col, '['); i >= 0 {
		return col[:i]
	}
	return col
}

// Key is the [key] part of a metric name without brackets, or "".
func Key(col string) string {
	i := strings.IndexByte(col, '[')
	if i < 0 || !strings.HasSuffix(col, "]") {
		return ""
	}
	return col[i+1 : len(col)-1]
}

// nano is 1e9: metric values are handled as integers of 1e-9 units
// (nanoseconds for times, billionths for counts), so medians and CSV text
// never depend on float rounding.
const nano = 1_000_000_000

// formatNano prints v/1e9 with up to nine decimals, trailing zeros
// trimmed: 3023457000 -> "3.023457", 2e9 -> "2".
func formatNano(v int64) string { return formatDecimal(v, 9) }

// parseNano parses a decimal with at most nine decimals into 1e-9 units.
func parseNano(s string) (int64, bool) {
	m, sc, ok := parseDecimal(s)
	if !ok || sc > 9 {
		return 0, false
	}
	v, err := rescale(m, sc, 9)
	return v, err == nil
}
