package keepalived

import (
	"encoding/hex"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/model/lb/check"
	"github.com/vrrpsim/vrrpsim/scenarios"
)

const vsNotModelled = "ip_family hashed flag-1 flag-2 flag-3 persistence_engine ha_suspend smtp_alert virtualhost snmp_name sorry_server_lvs_method weight"

const rsNotModelled = "lvs_method notify_up notify_down smtp_alert virtualhost snmp_name SMTP_CHECK DNS_CHECK BFD_CHECK UDP_CHECK PING_CHECK FILE_CHECK"

// checkerNotModelled are the checkers' keywords the simulator reads but
// does not use (check_api.c install_checker_common_keywords, check_http.c).
const checkerNotModelled = "bind_port bind_if fwmark log_all_failures http_protocol enable_sni"

const urlNotModelled = "virtualhost regex regex_no_match regex_options regex_min_offset regex_max_offset regex_stack"

// The keywords each block maps, for an unknown keyword's warning.
var (
	timingWords = []string{"delay_loop", "connect_timeout", "retry", "delay_before_retry", "warmup", "alpha"}
	vsKeys      = append([]string{"lb_algo", "lvs_sched", "lb_kind", "lvs_method", "protocol", "persistence_timeout", "persistence_granularity",
		"ops", "sh-port", "sh-fallback", "mh-port", "mh-fallback", "sorry_server", "sorry_server_inhibit", "inhibit_on_failure", "omega",
		"quorum", "hysteresis", "quorum_up", "quorum_down", "laddr_group_name", "real_server"}, timingWords...)
	rsKeys       = append([]string{"weight", "uthreshold", "lthreshold", "inhibit_on_failure", "TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK"}, timingWords...)
	connWords    = append([]string{"connect_ip", "connect_port", "bindto"}, timingWords...)
	httpWords    = append([]string{"url", "nb_get_retry", "virtualhost", "fast_recovery"}, connWords...)
	checkerWords = map[check.Kind][]string{
		check.KindTCP:  connWords,
		check.KindHTTP: httpWords,
		check.KindSSL:  httpWords,
		// install_checker_common_keywords(false): no connection keywords.
		check.KindMisc: {"misc_path", "misc_timeout", "misc_dynamic", "user", "delay_loop", "retry", "delay_before_retry", "warmup", "alpha"},
	}
)

// maxTimer is read_timer's bound: whole seconds fit an int32 here.
const maxTimer = math.MaxInt32 * time.Second

// VirtualServer is a virtual_server with where each value was written.
type VirtualServer struct {
	*scenarios.VirtualServer
	Src map[string]scenarios.Pos
	// Group is the virtual_server_group this one was expanded from.
	Group string
	// Misc are the MISC_CHECK scripts: never run, shown as argv.
	Misc []MiscScript
}

// MiscScript is a MISC_CHECK's misc_path (check_misc.c misc_path_handler:
// split with quotes and escapes, never run) and its other keys.
type MiscScript struct {
	Pos     scenarios.Pos
	Real    string // the real server's name
	Argv    []string
	Timeout time.Duration // misc_timeout; 0: delay_loop
	Dynamic bool
	User    string
}

// vsgEntry is one line of a virtual_server_group after expansion: an
// address and port, or a fwmark.
type vsgEntry struct {
	Pos    scenarios.Pos
	AP     netip.AddrPort
	FWMark uint32
}

// maxGroupMembers bounds a group's expansion (a /16 range would be 65536
// services).
const maxGroupMembers = 256

// virtualServerGroup reads virtual_server_group NAME { ... }
// (check_parser.c vsg_handler, check_data.c alloc_vsg_entry): lines
// "ADDR PORT", "ADDR-LAST PORT" (a range on the last octet),
// "ADDR-ADDR PORT", "ADDR/LEN PORT" and "fwmark N".
func (p *parser) virtualServerGroup(b *Stmt) {
	name, ok := p.arg(b, 0)
	if !ok {
		return
	}
	if p.vsgs == nil {
		p.vsgs = map[string][]vsgEntry{}
	}
	if _, dup := p.vsgs[name.Text]; dup {
		p.addAt(b, SevError, "virtual_server_group %s is defined twice", name.Text)
		return
	}
	var out []vsgEntry
	for _, s := range b.Block {
		if s.Key.Text == "fwmark" {
			if v, ok := p.intArg(s, 0, 1, math.MaxInt32); ok {
				out = append(out, vsgEntry{Pos: s.Key.Pos, FWMark: uint32(v)})
			}
			continue
		}
		addrs, ok := groupRange(s.Key.Text)
		if !ok {
			p.addAt(s, SevError, "virtual_server_group %s: bad entry %q; valid: ADDR PORT, ADDR-LAST PORT (10.0.0.1-10 80), ADDR-ADDR PORT, ADDR/LEN PORT or fwmark N", name.Text, s.Key.Text)
			continue
		}
		if len(s.Args) == 0 {
			p.addAt(s, SevError, "virtual_server_group %s: %s has no port; valid: ADDR PORT (a service on every port is not modelled)", name.Text, s.Key.Text)
			continue
		}
		port, err := strconv.ParseUint(s.Args[0].Text, 10, 16)
		if err != nil || port == 0 {
			p.add(s.Args[0].Pos, SevError, "virtual_server_group %s: port %q is not valid; valid: 1..65535", name.Text, s.Args[0].Text)
			continue
		}
		if len(out)+len(addrs) > maxGroupMembers {
			p.addAt(s, SevError, "virtual_server_group %s expands to more than %d services; refused", name.Text, maxGroupMembers)
			break
		}
		for _, a := range addrs {
			out = append(out, vsgEntry{Pos: s.Key.Pos, AP: netip.AddrPortFrom(a, uint16(port))})
		}
	}
	if len(out) == 0 {
		// vsg_handler: "virtual server group %s has no entries - removing"
		p.addAt(b, SevWarning, "virtual_server_group %s has no entries; keepalived removes it", name.Text)
	}
	p.vsgs[name.Text] = out
}

// groupRange expands a virtual_server_group address as alloc_vsg_entry
// reads it: A, A-N (last octet from A's to N), A-B (a full end address),
// A/LEN (every address of the prefix; its host bits must be 0). Only
// IPv4, as the rest of the LB model; at most maxGroupMembers+1 addresses.
func groupRange(s string) ([]netip.Addr, bool) {
	if pfx, bits, ok := strings.Cut(s, "/"); ok {
		a, err := netip.ParseAddr(pfx)
		n, err2 := strconv.Atoi(bits)
		if err != nil || err2 != nil || !a.Is4() || n < 1 || n > 32 {
			return nil, false
		}
		pr := netip.PrefixFrom(a, n)
		if pr.Masked().Addr() != a {
			return nil, false // "Address mask bits not empty"
		}
		var out []netip.Addr
		for x := a; pr.Contains(x) && len(out) <= maxGroupMembers; x = x.Next() {
			out = append(out, x)
		}
		return out, true
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := netip.ParseAddr(lo)
	if err != nil || !a.Is4() {
		return nil, false
	}
	if !isRange {
		return []netip.Addr{a}, true
	}
	var end netip.Addr
	if strings.Contains(hi, ".") {
		if end, err = netip.ParseAddr(hi); err != nil || !end.Is4() || end.Less(a) {
			return nil, false // "Address range end is less than address range start"
		}
	} else {
		n, err := strconv.Atoi(hi)
		b := a.As4()
		if err != nil || n > 255 || int(b[3]) >= n {
			return nil, false // "Address range end is not greater than address range start"
		}
		b[3] = byte(n)
		end = netip.AddrFrom4(b)
	}
	var out []netip.Addr
	for x := a; !end.Less(x) && len(out) <= maxGroupMembers; x = x.Next() {
		out = append(out, x)
	}
	return out, true
}

// localAddressGroup reads local_address_group NAME { ADDR [IFNAME] ... }:
// not keepalived 2.2.7's but the FULLNAT keepalived's (Alibaba's LVS
// tools, DPVS), whose lb_kind FNAT rewrites the source to these
// addresses. An address may be a range as in virtual_server_group.
func (p *parser) localAddressGroup(b *Stmt) {
	name, ok := p.arg(b, 0)
	if !ok {
		return
	}
	if p.laddrs == nil {
		p.laddrs = map[string][]netip.Addr{}
	}
	p.addAt(b, SevNote, "local_address_group is not keepalived 2.2.7's: it is read as the FULLNAT keepalived (Alibaba LVS, DPVS) reads it, for lb_kind FNAT")
	var out []netip.Addr
	for _, s := range b.Block {
		addrs, ok := groupRange(s.Key.Text)
		if !ok || len(out)+len(addrs) > maxGroupMembers {
			p.addAt(s, SevError, "local_address_group %s: bad entry %q; valid: ADDR, ADDR-LAST or ADDR/LEN, at most %d addresses", name.Text, s.Key.Text, maxGroupMembers)
			continue
		}
		out = append(out, addrs...)
	}
	p.laddrs[name.Text] = out
}

// virtualServer reads virtual_server (check_parser.c vs_handler and its
// sub-keywords) onto scenarios.VirtualServer, with keepalived's defaults
// (lb_algo wlc, lb_kind NAT, TCP, weight 1).
func (p *parser) virtualServer(b *Stmt) {
	vs := &VirtualServer{VirtualServer: &scenarios.VirtualServer{Pos: b.Key.Pos, Protocol: "TCP",
		LBAlgo: scenarios.DefaultLBAlgo, LBKind: scenarios.DefaultLBKind, PersistenceGranularity: 32},
		Src: map[string]scenarios.Pos{}}
	args := words(b.Args)
	vs.Name = strings.Join(args, " ")
	var group []vsgEntry
	switch {
	case len(args) == 2 && args[0] == "fwmark":
		v, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil || v == 0 {
			p.addAt(b, SevError, "bad fwmark %q; valid: 1..4294967295", args[1])
		}
		vs.FWMark = uint32(v)
	case len(args) == 2 && args[0] == "group":
		g, ok := p.vsgs[args[1]]
		if !ok {
			p.addAt(b, SevError, "virtual_server group %s: no virtual_server_group %[1]s; valid: %s", args[1], strings.Join(sortedKeys(p.vsgs), " "))
			return
		}
		if len(g) == 0 {
			return
		}
		vs.Group = args[1]
		group = g
	case len(args) == 2:
		ap, ok := addrPort(args[0], args[1])
		if !ok {
			p.addAt(b, SevError, "virtual_server %q: valid: IPV4-ADDRESS PORT or fwmark N", vs.Name)
			return
		}
		vs.VIP = ap
	default:
		p.addAt(b, SevError, "virtual_server %q: valid: IPV4-ADDRESS PORT, fwmark N or group NAME", vs.Name)
		return
	}
	h := &vs.Health
	for _, s := range b.Block {
		k := s.Key.Text
		switch k {
		case "lb_algo", "lvs_sched":
			if w, ok := p.arg(s, 0); ok {
				if !slices.Contains(scenarios.LBAlgos(), w.Text) {
					p.add(w.Pos, SevError, "unknown scheduler %q; valid: %s", w.Text, strings.Join(scenarios.LBAlgos(), " "))
				} else {
					vs.LBAlgo = w.Text
				}
			}
			k = "lb_algo"
		case "lb_kind", "lvs_method":
			if w, ok := p.arg(s, 0); ok {
				up := strings.ToUpper(w.Text)
				if up == "FNAT" {
					up = "FULLNAT" // the FULLNAT keepalived's name (Alibaba LVS, DPVS)
				}
				if slices.Contains(scenarios.LBKinds(), up) {
					vs.LBKind = up
				} else {
					p.add(w.Pos, SevError, "unknown lb_kind %q; valid: %s", w.Text, strings.Join(scenarios.LBKinds(), " "))
				}
			}
			k = "lb_kind"
		case "laddr_group_name":
			// Not keepalived 2.2.7's: the FULLNAT keepalived's source
			// addresses (local_address_group).
			if w, ok := p.arg(s, 0); ok {
				g, found := p.laddrs[w.Text]
				if !found {
					p.add(w.Pos, SevError, "laddr_group_name %s: no local_address_group %[1]s; valid: %s", w.Text, strings.Join(sortedKeys(p.laddrs), " "))
					continue
				}
				vs.LocalAddrs = append(vs.LocalAddrs, g...)
			}
			k = "local_address"
		case "protocol":
			if w, ok := p.arg(s, 0); ok {
				if up := strings.ToUpper(w.Text); up == "TCP" || up == "UDP" {
					vs.Protocol = up
				} else {
					p.add(w.Pos, SevError, "protocol %q is not modelled; valid: TCP UDP", w.Text)
				}
			}
		case "persistence_timeout":
			vs.PersistenceTimeout = 6 * time.Minute // check_parser.c: no value means 360 s
			if len(s.Args) > 0 {
				if v, ok := p.intArg(s, 0, 1, 1<<31-1); ok {
					vs.PersistenceTimeout = time.Duration(v) * time.Second
				}
			}
		case "persistence_granularity":
			if w, ok := p.arg(s, 0); ok {
				a, err := netip.ParseAddr(w.Text)
				bits, okm := scenarios.MaskBits(a)
				if err != nil || !okm {
					p.add(w.Pos, SevError, "persistence_granularity %q is not a netmask", w.Text)
				} else {
					vs.PersistenceGranularity = bits
				}
			}
		case "ops":
			vs.OPS = true
		case "sh-port", "sh-fallback", "mh-port", "mh-fallback":
			vs.Flags = append(vs.Flags, k)
		case "sorry_server":
			if len(s.Args) >= 2 {
				if ap, ok := addrPort(s.Args[0].Text, s.Args[1].Text); ok {
					// check_data.c alloc_ssvr: the sorry server's weight is 1.
					vs.Sorry = &scenarios.RealServer{Pos: s.Key.Pos, Name: s.Args[0].Text + " " + s.Args[1].Text, Addr: ap, Weight: 1}
					break
				}
			}
			p.addAt(s, SevError, "sorry_server: valid: IPV4-ADDRESS PORT")
		case "sorry_server_inhibit":
			// ssvri_handler: only after the sorry_server.
			if vs.Sorry == nil {
				p.addAt(s, SevWarning, "sorry_server_inhibit before or without sorry_server; keepalived ignores it")
				continue
			}
			h.SorryInhibit = true
		case "inhibit_on_failure":
			h.Inhibit = true // vs_inhibit_handler: a flag
		case "alpha":
			h.Timing.Alpha = check.Some(true) // vs_alpha_handler: a flag
		case "omega":
			h.Omega = true
		case "quorum":
			if v, ok := p.intArg(s, 0, 1, math.MaxInt32); ok {
				h.Quorum = v
			}
		case "hysteresis":
			if v, ok := p.intArg(s, 0, 0, math.MaxInt32); ok {
				h.Hysteresis = v
			}
		case "quorum_up", "quorum_down":
			cmd := p.command(s)
			if k == "quorum_up" {
				h.QuorumUp = cmd
			} else {
				h.QuorumDown = cmd
			}
		case "real_server":
			p.realServer(vs, s)
			continue
		default:
			if p.timing(s, &h.Timing, timingVS) {
				break
			}
			p.other(s, vsNotModelled, vsKeys...)
			continue
		}
		vs.Src[k] = s.Key.Pos
	}
	if len(vs.Reals) == 0 {
		p.addAt(b, SevWarning, "virtual_server %s has no real_server", vs.Name)
	}
	if group == nil {
		p.cfg.VirtualServers = append(p.cfg.VirtualServers, vs)
		return
	}
	p.addAt(b, SevNote, "virtual_server group %s: expanded into %d virtual servers, each with its own checkers (keepalived runs one checker per real server for the whole group: the simulator sends %[2]d times its probes)", vs.Group, len(group))
	for _, e := range group {
		p.cfg.VirtualServers = append(p.cfg.VirtualServers, vs.member(e))
	}
}

// member is a copy of a group's virtual_server for one of its entries.
func (vs *VirtualServer) member(e vsgEntry) *VirtualServer {
	c := *vs.VirtualServer
	c.Pos, c.VIP, c.FWMark = e.Pos, e.AP, e.FWMark
	if e.FWMark != 0 {
		c.Name = "fwmark " + strconv.FormatUint(uint64(e.FWMark), 10)
	} else {
		c.Name = e.AP.Addr().String() + " " + strconv.Itoa(int(e.AP.Port()))
	}
	c.Reals = make([]*scenarios.RealServer, len(vs.Reals))
	for i, rs := range vs.Reals {
		r := *rs
		r.Health.Checkers = slices.Clone(rs.Health.Checkers)
		c.Reals[i] = &r
	}
	if vs.Sorry != nil {
		s := *vs.Sorry
		c.Sorry = &s
	}
	c.Flags = slices.Clone(vs.Flags)
	return &VirtualServer{VirtualServer: &c, Src: vs.Src, Group: vs.Group, Misc: vs.Misc}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Where a timing keyword is read: its range and form differ.
type timingLevel int

const (
	timingVS      timingLevel = iota // check_parser.c vs_*_handler
	timingRS                         // check_parser.c rs_*_handler
	timingChecker                    // check_api.c install_checker_common_keywords
)

// timing reads delay_loop, connect_timeout, retry, delay_before_retry,
// warmup and alpha at one level; false when s is none of them. Times are
// read_timer's: seconds with up to 6 decimals.
func (p *parser) timing(s *Stmt, t *check.Timing, lvl timingLevel) bool {
	switch s.Key.Text {
	case "delay_loop":
		if v, ok := p.secondsArg(s, 0, time.Microsecond, maxTimer); ok {
			t.DelayLoop = check.Some(v)
		}
	case "connect_timeout":
		if v, ok := p.secondsArg(s, 0, time.Microsecond, maxTimer); ok {
			t.ConnectTimeout = check.Some(v)
		}
	case "delay_before_retry":
		if v, ok := p.secondsArg(s, 0, 0, maxTimer); ok {
			t.DelayBeforeRetry = check.Some(v)
		}
	case "warmup":
		if v, ok := p.secondsArg(s, 0, 0, maxTimer); ok {
			t.Warmup = check.Some(v)
		}
	case "retry":
		// vs_retry_handler, rs_retry_handler: 1..; retry_handler: 0..
		lo := 1
		if lvl == timingChecker {
			lo = 0
		}
		if v, ok := p.intArg(s, 0, lo, math.MaxInt32); ok {
			t.Retry = check.Some(v)
		}
	case "alpha":
		// rs_alpha_handler, alpha_handler: an optional true/false.
		if v, ok := p.boolArg(s); ok {
			t.Alpha = check.Some(v)
		}
	default:
		return false
	}
	return true
}

// boolArg is check_true_false on an optional argument (none: true).
func (p *parser) boolArg(s *Stmt) (bool, bool) {
	if len(s.Args) == 0 {
		return true, true
	}
	switch strings.ToLower(s.Args[0].Text) {
	case "true", "on", "yes":
		return true, true
	case "false", "off", "no":
		return false, true
	}
	p.add(s.Args[0].Pos, SevError, "%s %q is not valid; valid: true or false (or nothing: true)", s.Key.Text, s.Args[0].Text)
	return false, false
}

// command is a notify-type line (quorum_up, quorum_down) as the text the
// simulator traces: its argv as notify_script_init builds it, joined.
func (p *parser) command(s *Stmt) string {
	argv, _, ok := scriptArgv(s.Line.Text)
	if !ok {
		p.addAt(s, SevError, "%s: no command, or an unterminated quote or escape", s.Key.Text)
		return ""
	}
	return strings.Join(argv, " ")
}

func (p *parser) realServer(vs *VirtualServer, b *Stmt) {
	if len(b.Args) < 2 {
		p.addAt(b, SevError, "real_server: valid: IPV4-ADDRESS PORT { ... }")
		return
	}
	ap, ok := addrPort(b.Args[0].Text, b.Args[1].Text)
	if !ok {
		p.addAt(b, SevError, "real_server %s %s: valid: IPV4-ADDRESS PORT", b.Args[0].Text, b.Args[1].Text)
		return
	}
	rs := &scenarios.RealServer{Pos: b.Key.Pos, Name: b.Args[0].Text + " " + b.Args[1].Text, Addr: ap, Weight: 1}
	for _, s := range b.Block {
		switch s.Key.Text {
		case "weight":
			// check_parser.c weight_handler: 0..65535 (IPVS_WEIGHT_MAX).
			if v, ok := p.intArg(s, 0, 0, 65535); ok {
				rs.Weight = v
			}
		case "uthreshold":
			if v, ok := p.intArg(s, 0, 0, 1<<31-1); ok {
				rs.UThreshold = v
			}
		case "lthreshold":
			if v, ok := p.intArg(s, 0, 0, 1<<31-1); ok {
				rs.LThreshold = v
			}
		case "inhibit_on_failure":
			if v, ok := p.boolArg(s); ok { // rs_inhibit_handler
				rs.Health.Inhibit = check.Some(v)
			}
		case "TCP_CHECK", "HTTP_GET", "SSL_GET", "MISC_CHECK":
			p.checker(vs, rs, s)
		default:
			if p.timing(s, &rs.Health.Timing, timingRS) {
				continue
			}
			p.other(s, rsNotModelled, rsKeys...)
		}
	}
	vs.Reals = append(vs.Reals, rs)
}

// checker reads one checker block of a real_server: check_tcp.c
// install_tcp_check_keyword, check_http.c install_http_ssl_check_keyword
// (HTTP_GET, SSL_GET: url, nb_get_retry, virtualhost, fast_recovery),
// check_misc.c install_misc_check_keyword, and check_api.c's common
// keywords (no connection keywords for MISC_CHECK).
func (p *parser) checker(vs *VirtualServer, rs *scenarios.RealServer, b *Stmt) {
	kind := map[string]check.Kind{"TCP_CHECK": check.KindTCP, "HTTP_GET": check.KindHTTP, "SSL_GET": check.KindSSL, "MISC_CHECK": check.KindMisc}[b.Key.Text]
	c := scenarios.Checker{Pos: b.Key.Pos, Cfg: check.CheckerConfig{Kind: kind, MiscOK: true}}
	http := kind == check.KindHTTP || kind == check.KindSSL
	// install_checker_common_keywords(connection_keywords): MISC_CHECK has
	// no connect_ip, connect_port, bindto, connect_timeout.
	conn := kind != check.KindMisc
	misc := MiscScript{Pos: b.Key.Pos, Real: rs.Name}
	for _, s := range b.Block {
		k := s.Key.Text
		if (conn || k != "connect_timeout") && p.timing(s, &c.Cfg.Timing, timingChecker) {
			continue
		}
		switch {
		case conn && (k == "connect_ip" || k == "bindto"):
			if w, ok := p.arg(s, 0); ok {
				a, err := netip.ParseAddr(w.Text)
				if err != nil || !a.Is4() {
					p.add(w.Pos, SevError, "%s %q is not an IPv4 address", k, w.Text)
					continue
				}
				if k == "connect_ip" {
					c.Cfg.ConnectIP = a
				} else {
					c.Cfg.BindTo = a
				}
			}
		case conn && k == "connect_port":
			if v, ok := p.intArg(s, 0, 1, 65535); ok {
				c.Cfg.ConnectPort = uint16(v)
			}
		case http && k == "nb_get_retry":
			// http_get_retry_handler: the old name of retry.
			if v, ok := p.intArg(s, 0, 0, math.MaxInt32); ok {
				c.Cfg.Retry = check.Some(v)
			}
		case http && k == "virtualhost":
			if w, ok := p.arg(s, 0); ok {
				c.Cfg.Virtualhost = w.Text
			}
		case http && k == "fast_recovery":
			if v, ok := p.boolArg(s); ok {
				c.Cfg.FastRecovery = v
			}
		case http && k == "url":
			c.Cfg.URLs = append(c.Cfg.URLs, p.url(s))
		case !conn && k == "misc_path":
			// misc_path_handler splits the line as notify_script_init does.
			argv, _, ok := scriptArgv(s.Line.Text)
			if !ok {
				p.addAt(s, SevError, "misc_path: no command, or an unterminated quote or escape")
				continue
			}
			misc.Argv = argv
		case !conn && k == "misc_timeout":
			// misc_timeout_handler: whole seconds.
			if v, ok := p.intArg(s, 0, 0, math.MaxInt32); ok {
				misc.Timeout = time.Duration(v) * time.Second
			}
		case !conn && k == "misc_dynamic":
			misc.Dynamic, c.Cfg.MiscDynamic = true, true
		case !conn && k == "user":
			if _, ok := p.arg(s, 0); ok {
				misc.User = strings.Join(words(s.Args), " ")
			}
		default:
			p.other(s, checkerNotModelled, checkerWords[kind]...)
		}
	}
	if http && len(c.Cfg.URLs) == 0 {
		// http_get_check_end / ssl: a checker without url is removed.
		p.addAt(b, SevError, "%s has no url; valid: url { path /health status_code 200 }", b.Key.Text)
	}
	if kind == check.KindMisc {
		if misc.Argv == nil {
			// misc_end_handler: "No script path has been specified for MISC_CHECKER - skipping"
			p.addAt(b, SevWarning, "MISC_CHECK has no misc_path; keepalived skips it")
			return
		}
		p.addAt(b, SevNote, "MISC_CHECK %s is never run: it passes until the timeline's misc_check action sets its result", strings.Join(misc.Argv, " "))
		vs.Misc = append(vs.Misc, misc)
	}
	rs.Health.Checkers = append(rs.Health.Checkers, c)
}

// url reads url { path, status_code, digest } (check_http.c url_handler,
// path_handler, status_code_handler, digest_handler).
func (p *parser) url(b *Stmt) check.URL {
	var u check.URL
	hasPath := false
	for _, s := range b.Block {
		switch s.Key.Text {
		case "path":
			if w, ok := p.arg(s, 0); ok {
				u.Path, hasPath = w.Text, true
			}
		case "status_code":
			// status_code_handler: each word a code or MIN-MAX in
			// 100..599; a bad one is reported and skipped.
			if len(s.Args) == 0 {
				p.addAt(s, SevError, "status_code needs a value")
			}
			for _, w := range s.Args {
				r, ok := scenarios.ParseStatusRange(w.Text)
				if !ok {
					p.add(w.Pos, SevError, "status_code %q is not valid; valid: a code or range in 100..599 like 200 or 200-299", w.Text)
					continue
				}
				u.StatusCode = append(u.StatusCode, r)
			}
		case "digest":
			if w, ok := p.arg(s, 0); ok {
				d, err := hex.DecodeString(w.Text)
				if err != nil || len(d) != 16 {
					p.add(w.Pos, SevError, "digest %q is not valid; valid: an MD5 sum as 32 hex digits (genhash prints it)", w.Text)
					continue
				}
				copy(u.Digest[:], d)
				u.HasDigest = true
			}
		default:
			p.other(s, urlNotModelled, "path", "status_code", "digest")
		}
	}
	if !hasPath {
		p.addAt(b, SevError, "url has no path; valid: url { path /health status_code 200 }")
	}
	return u
}

func words(ws []Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

func addrPort(a, port string) (netip.AddrPort, bool) {
	return scenarios.ParseAddrPort(a + " " + port)
}

// lvsSyncDaemon reads global_defs lvs_sync_daemon (global_parser.c
// lvs_syncd_handler): INTERFACE, then the vrrp instance (positional, or
// after "inst"), then id, maxlen, port, ttl and group with their values.
// It maps onto the node key lvs_sync_daemon: of the scenario.
func (p *parser) lvsSyncDaemon(s *Stmt) *scenarios.LVSSync {
	if len(s.Args) == 0 {
		p.addAt(s, SevError, "lvs_sync_daemon requires interface; valid: lvs_sync_daemon eth1 VI_1 [id N] [maxlen N] [port N] [ttl N] [group ADDR]")
		return nil
	}
	ls := &scenarios.LVSSync{Pos: s.Key.Pos, Interface: s.Args[0].Text}
	for i := 1; i < len(s.Args); i++ {
		w := s.Args[i]
		opt := func(min, max int) (int, bool) {
			if i+1 >= len(s.Args) {
				p.add(w.Pos, SevError, "lvs_sync_daemon %s has no value", w.Text)
				return 0, false
			}
			i++
			v, err := strconv.Atoi(s.Args[i].Text)
			if err != nil || v < min || v > max {
				p.add(s.Args[i].Pos, SevError, "lvs_sync_daemon %s %q is not valid; valid: %d..%d", w.Text, s.Args[i].Text, min, max)
				return 0, false
			}
			return v, true
		}
		switch w.Text {
		case "inst":
			if i+1 < len(s.Args) {
				i++
				ls.Instance = s.Args[i].Text
			}
		case "id":
			if v, ok := opt(0, 255); ok {
				ls.ID = v
			}
		case "maxlen":
			if v, ok := opt(1, 65535-20-8); ok {
				ls.MaxLen = v
			}
		case "port":
			if v, ok := opt(1, 65535); ok {
				ls.Port = v
			}
		case "ttl":
			if v, ok := opt(1, 255); ok {
				ls.TTL = v
			}
		case "group":
			if i+1 >= len(s.Args) {
				p.add(w.Pos, SevError, "lvs_sync_daemon group has no value")
				continue
			}
			i++
			a, err := netip.ParseAddr(s.Args[i].Text)
			if err != nil || !a.Is4() || !a.IsMulticast() {
				p.add(s.Args[i].Pos, SevError, "lvs_sync_daemon group %q is not an IPv4 multicast address; keepalived ignores it", s.Args[i].Text)
				continue
			}
			ls.Group = a
		default:
			// The old form: lvs_sync_daemon IF INSTANCE [SYNC_ID].
			if i == 1 && ls.Instance == "" {
				ls.Instance = w.Text
				continue
			}
			if i == 2 {
				if v, err := strconv.Atoi(w.Text); err == nil && v >= 0 && v <= 255 {
					p.add(w.Pos, SevWarning, "lvs_sync_daemon: write \"id %s\"; keepalived takes a bare sync id but asks for the keyword", w.Text)
					ls.ID = v
					continue
				}
			}
			p.add(w.Pos, SevError, "unknown option %q for lvs_sync_daemon; valid: inst, id, maxlen, port, ttl, group", w.Text)
		}
	}
	if ls.Instance == "" {
		p.addAt(s, SevError, "lvs_sync_daemon %s has no vrrp instance; valid: lvs_sync_daemon %[1]s VI_1", ls.Interface)
		return nil
	}
	return ls
}
