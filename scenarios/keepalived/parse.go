package keepalived

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// SevNote marks something keepalived does that the simulator does not
// model; the rest of the config still maps.
const SevNote Severity = "note"

// Config is one keepalived.conf as keepalived 2.2.7 would run it, after
// the fix-ups of vrrp_complete_instance (each one recorded in Findings).
type Config struct {
	Global         Global
	Scripts        []*Script
	TrackFiles     []*TrackFile
	Instances      []*Instance
	SyncGroups     []*scenarios.SyncGroup
	VirtualServers []*VirtualServer
	StaticAddrs    []StaticAddr
	StaticRoutes   []StaticRoute
	Findings       []Finding
}

// Global is what the mapping uses from global_defs.
type Global struct {
	RouterID       string
	Version        int  // vrrp_version, default 2
	Strict         bool // vrrp_strict
	ScriptSecurity bool // enable_script_security
	ScriptUser     string
	// LVSSyncDaemon is lvs_sync_daemon IF INSTANCE [id N] [maxlen N]
	// [port N] [ttl N] [group ADDR], nil when not written.
	LVSSyncDaemon *scenarios.LVSSync
	// vrrp_garp_* defaults for every instance (global_parser.c).
	GARPMasterDelay, GARPMasterRefresh, GARPInterval time.Duration
	GARPMasterRepeat, GARPMasterRefreshRepeat        int
	// NotifyFIFO is notify_fifo (or vrrp_notify_fifo): every instance and
	// sync group writes its transitions there (traced, never written).
	NotifyFIFO string
	set        map[string]scenarios.Pos
}

// Script is a vrrp_script: never run; Argv is what keepalived would exec.
type Script struct {
	*scenarios.Script
	Argv    []string
	Timeout time.Duration
	User    string
	Src     map[string]scenarios.Pos
}

// TrackFile is a vrrp_track_file (not modelled by the simulator).
type TrackFile struct {
	Pos    scenarios.Pos
	Name   string
	File   string
	Weight int
}

// Instance is a vrrp_instance with where each value was written.
type Instance struct {
	*scenarios.Instance
	Src    map[string]scenarios.Pos // keyword -> where it was written
	Notify []Notify
	strict bool
	wanted string // state as written, "" if not
	prioOK bool   // priority written and valid
}

// Notify is a notify_* command: never run, shown as its argv.
type Notify struct {
	Pos  scenarios.Pos
	Kind string
	Argv []string
}

// StaticAddr is a static_ipaddress line.
type StaticAddr struct {
	Pos    scenarios.Pos
	Prefix netip.Prefix
	Dev    string
}

// StaticRoute is a static_routes line.
type StaticRoute struct {
	Pos scenarios.Pos
	To  netip.Prefix
	Via netip.Addr
	Dev string
}

// Options change how strictly a config is read.
type Options struct {
	// Strict makes unknown keywords errors (keepalived only warns).
	Strict bool
}

type parser struct {
	cfg    *Config
	opts   Options
	vsgs   map[string][]vsgEntry   // virtual_server_group by name
	laddrs map[string][]netip.Addr // local_address_group by name
}

// Parse reads the statement tree of one config.
func Parse(stmts []*Stmt, opts Options) *Config {
	p := &parser{cfg: &Config{Global: Global{Version: scenarios.DefaultVersion,
		GARPMasterDelay: scenarios.DefaultGARPMasterDelay, GARPMasterRepeat: scenarios.DefaultGARPMasterRepeat,
		GARPMasterRefreshRepeat: scenarios.DefaultGARPMasterRefreshRepeat, set: map[string]scenarios.Pos{}}}, opts: opts}
	// global_defs applies wherever it is written: read it first.
	// keepalived resolves a virtual_server's group after the whole
	// config is read (check_data.c): read the groups first too.
	for _, s := range stmts {
		switch s.Key.Text {
		case "global_defs":
			p.globalDefs(s)
		case "virtual_server_group":
			p.virtualServerGroup(s)
		case "local_address_group":
			p.localAddressGroup(s)
		}
	}
	for _, s := range stmts {
		switch s.Key.Text {
		case "global_defs", "virtual_server_group", "local_address_group":
		case "vrrp_script":
			p.script(s)
		case "vrrp_track_file":
			p.trackFile(s)
		case "vrrp_instance":
			p.instance(s)
		case "vrrp_sync_group":
			p.syncGroup(s)
		case "virtual_server":
			p.virtualServer(s)
		case "static_ipaddress":
			p.staticAddrs(s)
		case "static_routes":
			p.staticRoutes(s)
		default:
			p.other(s, topNotModelled)
		}
	}
	for _, in := range p.cfg.Instances {
		p.complete(in)
		in.Instance.Notify.FIFO = p.cfg.Global.NotifyFIFO
	}
	for _, g := range p.cfg.SyncGroups {
		g.Notify.FIFO = p.cfg.Global.NotifyFIFO
	}
	return p.cfg
}

func (p *parser) add(pos scenarios.Pos, sev Severity, format string, args ...any) {
	p.cfg.Findings = append(p.cfg.Findings, Finding{Pos: pos, Severity: sev, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) addAt(s *Stmt, sev Severity, format string, args ...any) {
	p.cfg.Findings = append(p.cfg.Findings, Finding{Pos: s.Key.Pos, Severity: sev, Msg: fmt.Sprintf(format, args...), Via: s.Line.Via})
}

// other reports a keyword this block does not map: known to keepalived
// (a note: not modelled) or unknown (process_stream's "Unknown keyword";
// its block is skipped), with the valid keywords when given.
func (p *parser) other(s *Stmt, known string, valid ...string) {
	if hasWord(known, s.Key.Text) {
		p.addAt(s, SevNote, "%s is not modelled by the simulator; ignored", s.Key.Text)
		return
	}
	sev := SevWarning
	if p.opts.Strict {
		sev = SevError
	}
	what := "unknown keyword '" + s.Key.Text + "'"
	if s.HasBlock {
		what += "; its block is skipped"
	}
	if len(valid) > 0 {
		what += "; valid: " + strings.Join(valid, " ")
	}
	p.addAt(s, sev, "%s", what)
}

func hasWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}

// arg is the n-th argument, or a finding and false.
func (p *parser) arg(s *Stmt, n int) (Word, bool) {
	if n < len(s.Args) {
		return s.Args[n], true
	}
	p.addAt(s, SevError, "%s needs a value", s.Key.Text)
	return Word{}, false
}

// intArg is read_int_strvec/read_unsigned_strvec: a whole number in
// [min, max].
// garpFields are where the gratuitous-ARP keywords land: an instance's own
// fields, or global_defs' defaults for every instance.
type garpFields struct {
	delay, refresh, interval *time.Duration
	repeat, refreshRepeat    *int
}

// garp parses a gratuitous-ARP keyword by its instance name (global_defs
// spells it with a vrrp_ prefix): the same ranges in both places, as
// vrrp_parser.c's garp handlers check them. An invalid value is ignored.
func (p *parser) garp(s *Stmt, key string, f garpFields) {
	switch key {
	case "garp_master_delay":
		if v, ok := p.intArg(s, 0, 0, 255); ok {
			*f.delay = time.Duration(v) * time.Second
		}
	case "garp_master_repeat":
		if v, ok := p.intArg(s, 0, 0, 255); ok {
			*f.repeat = v
		}
	case "garp_master_refresh":
		if v, ok := p.intArg(s, 0, 0, math.MaxInt32); ok {
			*f.refresh = time.Duration(v) * time.Second
		}
	case "garp_master_refresh_repeat":
		if v, ok := p.intArg(s, 0, 0, 255); ok {
			*f.refreshRepeat = v
		}
	case "garp_interval":
		if v, ok := p.secondsArg(s, 0, 0, time.Second); ok {
			*f.interval = v
		}
	}
}

func (p *parser) intArg(s *Stmt, n, min, max int) (int, bool) {
	w, ok := p.arg(s, n)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(w.Text)
	if err != nil || v < min || v > max {
		p.add(w.Pos, SevError, "%s %q is not valid; valid: %d..%d", s.Key.Text, w.Text, min, max)
		return 0, false
	}
	return v, true
}

// secondsArg is read_decimal_unsigned_strvec with TIMER_HZ_DIGITS (6):
// seconds with up to 6 decimals, in [min, max].
func (p *parser) secondsArg(s *Stmt, n int, min, max time.Duration) (time.Duration, bool) {
	w, ok := p.arg(s, n)
	if !ok {
		return 0, false
	}
	d, ok := parseSeconds(w.Text)
	if !ok || d < min || d > max {
		p.add(w.Pos, SevError, "%s %q is not valid; valid: seconds from %s to %s", s.Key.Text, w.Text,
			strconv.FormatFloat(min.Seconds(), 'f', -1, 64), strconv.FormatFloat(max.Seconds(), 'f', -1, 64))
		return 0, false
	}
	return d, true
}

// parseSeconds reads "1", "0.5", "2.000001" (at most 6 decimals).
func parseSeconds(s string) (time.Duration, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 6 || strings.ContainsAny(whole+frac, "+-") {
		return 0, false
	}
	w := int64(0)
	if whole != "" {
		v, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || v > math.MaxInt32 {
			return 0, false
		}
		w = v
	}
	f := int64(0)
	if frac != "" {
		v, err := strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64)
		if err != nil {
			return 0, false
		}
		f = v
	}
	return time.Duration(w)*time.Second + time.Duration(f)*time.Microsecond, true
}

const globalNotModelled = `linkbeat_use_polling net_namespace net_namespace_ipvs namespace_with_ipsets use_pid_dir instance child_wait_time process_names process_name vrrp_process_name checker_process_name lvs_process_name bfd_process_name notification_email_from smtp_server smtp_helo_name smtp_connect_timeout notification_email smtp_alert startup_script startup_script_timeout shutdown_script shutdown_script_timeout max_auto_priority min_auto_priority_delay smtp_alert_vrrp smtp_alert_checker checker_log_all_failures dynamic_interfaces no_email_faults default_interface disable_local_igmp lvs_timeouts lvs_flush lvs_flush_on_stop lvs_flush_onstop vrrp_mcast_group4 vrrp_mcast_group6 vrrp_garp_lower_prio_delay vrrp_garp_lower_prio_repeat vrrp_down_timer_adverts vrrp_gna_interval vrrp_min_garp vrrp_garp_extra_if vrrp_vmac_garp_intvl vrrp_lower_prio_no_advert vrrp_higher_prio_send_advert vrrp_iptables vrrp_ipsets nftables nftables_priority nftables_ifindex nftables_ipvs nftables_ipvs_priority nftables_ipvs_start_fwmark nftables_counters vrrp_check_unicast_src vrrp_skip_check_adv_addr vrrp_priority vrrp_no_swap vrrp_rt_priority vrrp_cpu_affinity vrrp_rlimit_rttime vrrp_rlimit_rtime notify_fifo notify_fifo_script vrrp_notify_fifo vrrp_notify_fifo_script vrrp_notify_priority_changes fifo_write_vrrp_states_on_reload lvs_notify_fifo lvs_notify_fifo_script checker_priority checker_no_swap checker_rt_priority checker_cpu_affinity checker_rlimit_rttime checker_rlimit_rtime bfd_priority bfd_no_swap bfd_rt_priority bfd_cpu_affinity bfd_rlimit_rttime bfd_rlimit_rtime snmp_socket enable_traps enable_snmp_vrrp enable_snmp_keepalived enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3 enable_snmp_checker enable_dbus dbus_service_name vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force vrrp_netlink_monitor_rcv_bufs vrrp_netlink_monitor_rcv_bufs_force process_monitor_rcv_bufs process_monitor_rcv_bufs_force lvs_netlink_cmd_rcv_bufs lvs_netlink_cmd_rcv_bufs_force lvs_netlink_monitor_rcv_bufs lvs_netlink_monitor_rcv_bufs_force rs_init_notifies no_checker_emails vrrp_rx_bufs_policy vrrp_rx_bufs_multiplier vrrp_startup_delay log_unknown_vrids vmac_prefix vmac_addr_prefix umask random_seed reload_check_config reload_time_file reload_repeat reload_file include_check config_save_dir tmp_config_directory data_use_instance`

// globalDefs follows global_parser.c for the keys the simulator uses.
func (p *parser) globalDefs(b *Stmt) {
	g := &p.cfg.Global
	for _, s := range b.Block {
		k := s.Key.Text
		switch k {
		case "router_id":
			if w, ok := p.arg(s, 0); ok {
				g.RouterID = w.Text
			}
		case "vrrp_version":
			if v, ok := p.intArg(s, 0, 2, 3); ok {
				g.Version = v
			}
		case "vrrp_strict":
			g.Strict = true
		case "enable_script_security":
			g.ScriptSecurity = true
		case "script_user":
			if w, ok := p.arg(s, 0); ok {
				g.ScriptUser = w.Text
			}
		case "lvs_sync_daemon":
			if g.LVSSyncDaemon != nil {
				p.addAt(s, SevError, "lvs_sync_daemon is already given at %s; keepalived ignores this one", g.set[k])
				continue
			}
			g.LVSSyncDaemon = p.lvsSyncDaemon(s)
		case "notify_fifo", "vrrp_notify_fifo":
			if w, ok := p.arg(s, 0); ok && g.NotifyFIFO == "" {
				g.NotifyFIFO = w.Text
				p.addAt(s, SevNote, "%s %s is never written by the simulator; each line keepalived would write is traced", k, w.Text)
			}
		case "vrrp_garp_master_delay", "vrrp_garp_master_repeat", "vrrp_garp_master_refresh", "vrrp_garp_master_refresh_repeat", "vrrp_garp_interval":
			p.garp(s, strings.TrimPrefix(k, "vrrp_"), garpFields{&g.GARPMasterDelay, &g.GARPMasterRefresh, &g.GARPInterval, &g.GARPMasterRepeat, &g.GARPMasterRefreshRepeat})
		default:
			p.other(s, globalNotModelled)
			continue
		}
		g.set[k] = s.Key.Pos
	}
}

const scriptNotModelled = "init_fail"

// script is vrrp_script (vrrp_parser.c vrrp_script_handler and its
// sub-keywords); defaults interval 1 s, weight 0, rise 1, fall 1.
func (p *parser) script(b *Stmt) {
	name, ok := p.arg(b, 0)
	if !ok {
		return
	}
	sc := &Script{Script: &scenarios.Script{Pos: b.Key.Pos, Name: name.Text, Interval: time.Second, Rise: 1, Fall: 1},
		Src: map[string]scenarios.Pos{"name": b.Key.Pos}}
	for _, s := range b.Block {
		k := s.Key.Text
		switch k {
		case "script":
			argv, user, ok := scriptArgv(s.Line.Text)
			if !ok {
				p.addAt(s, SevError, "script: unterminated quote or escape; keepalived ignores it")
			}
			sc.Argv = argv
			if len(user) > 0 {
				sc.User = strings.Join(user, " ")
			}
		case "interval":
			if v, ok := p.secondsArg(s, 0, time.Microsecond, math.MaxInt32*time.Second); ok {
				sc.Interval = v
			}
		case "timeout":
			if v, ok := p.secondsArg(s, 0, time.Microsecond, math.MaxInt32*time.Second); ok {
				sc.Timeout = v
			}
		case "weight":
			// vrrp_vscript_weight_handler: -253..253, "reverse" flips it.
			if v, ok := p.intArg(s, 0, -253, 253); ok {
				sc.Weight = v
			}
			if len(s.Args) > 1 && s.Args[1].Text == "reverse" {
				p.add(s.Args[1].Pos, SevNote, "weight ... reverse is not modelled; the weight is used as written")
			}
		case "rise":
			if v, ok := p.intArg(s, 0, 1, math.MaxInt32); ok {
				sc.Rise = v
			}
		case "fall":
			if v, ok := p.intArg(s, 0, 1, math.MaxInt32); ok {
				sc.Fall = v
			}
		case "user":
			if w, ok := p.arg(s, 0); ok {
				sc.User = w.Text
			}
		default:
			p.other(s, scriptNotModelled)
			continue
		}
		sc.Src[k] = s.Key.Pos
	}
	if sc.Argv == nil {
		p.addAt(b, SevWarning, "vrrp_script %s has no script; keepalived ignores it", name.Text)
	}
	if p.cfg.Global.ScriptSecurity && len(sc.Argv) > 0 && !strings.HasPrefix(sc.Argv[0], "/") {
		p.add(sc.Pos, SevWarning, "vrrp_script %s: %q is not an absolute path; with enable_script_security keepalived refuses scripts it cannot resolve safely", name.Text, sc.Argv[0])
	}
	p.cfg.Scripts = append(p.cfg.Scripts, sc)
}

// trackFile is vrrp_track_file: read, not modelled.
func (p *parser) trackFile(b *Stmt) {
	name, ok := p.arg(b, 0)
	if !ok {
		return
	}
	tf := &TrackFile{Pos: b.Key.Pos, Name: name.Text}
	for _, s := range b.Block {
		switch s.Key.Text {
		case "file":
			if w, ok := p.arg(s, 0); ok {
				tf.File = w.Text
			}
		case "weight":
			if v, ok := p.intArg(s, 0, -254, 254); ok {
				tf.Weight = v
			}
		default:
			p.other(s, "init_file")
		}
	}
	p.addAt(b, SevNote, "vrrp_track_file %s is not modelled by the simulator", name.Text)
	p.cfg.TrackFiles = append(p.cfg.TrackFiles, tf)
}

const syncNotModelled = "track_interface track_script track_file track_process track_bfd notify_backup notify_master notify_fault notify_stop notify smtp_alert global_tracking sync_group_tracking_weight notify_priority_changes"

func (p *parser) syncGroup(b *Stmt) {
	name, ok := p.arg(b, 0)
	if !ok {
		return
	}
	sg := &scenarios.SyncGroup{Pos: b.Key.Pos, Name: name.Text}
	for _, s := range b.Block {
		if argv, _, _ := scriptArgv(s.Line.Text); sg.Notify.Set(s.Key.Text, argv) { // traced when fired, never run
			p.addAt(s, SevNote, "%s is never run by the simulator; argv %q", s.Key.Text, argv)
			continue
		}
		if s.Key.Text != "group" {
			p.other(s, syncNotModelled)
			continue
		}
		for _, w := range append(append([]Word{}, s.Args...), blockWords(s)...) {
			sg.Instances = append(sg.Instances, w.Text)
			sg.MemberPos = append(sg.MemberPos, w.Pos)
		}
	}
	if len(sg.Instances) == 0 {
		p.addAt(b, SevError, "vrrp_sync_group %s has no group { ... } of instances", name.Text)
	}
	p.cfg.SyncGroups = append(p.cfg.SyncGroups, sg)
}

// blockWords is every word of a value block (read_value_block): each line
// may hold several.
func blockWords(s *Stmt) []Word {
	var out []Word
	for _, l := range s.Block {
		out = append(out, l.Key)
		out = append(out, l.Args...)
	}
	return out
}

// prefixArg reads "A.B.C.D[/LEN]" (a bare address is /32, as keepalived
// parse_ipaddress does).
func parsePrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		pf, err := netip.ParsePrefix(s)
		return pf, err == nil && pf.Addr().Is4()
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, 32), true
}

func (p *parser) staticAddrs(b *Stmt) {
	for _, l := range b.Block {
		pf, ok := parsePrefix(l.Key.Text)
		if !ok {
			p.addAt(l, SevError, "static_ipaddress %q is not an IPv4 address; valid: 10.0.0.1/24 dev eth0", l.Key.Text)
			continue
		}
		p.cfg.StaticAddrs = append(p.cfg.StaticAddrs, StaticAddr{Pos: l.Key.Pos, Prefix: pf, Dev: option(l.Args, "dev")})
	}
}

func (p *parser) staticRoutes(b *Stmt) {
	for _, l := range b.Block {
		to, ok := parsePrefix(l.Key.Text)
		if l.Key.Text == "default" {
			to, ok = netip.MustParsePrefix("0.0.0.0/0"), true
		}
		via, err := netip.ParseAddr(option(l.Args, "via", "gw"))
		if !ok || err != nil {
			p.addAt(l, SevError, "static_routes line is not modelled unless it is PREFIX via ADDRESS [dev IF]; ignored")
			continue
		}
		p.cfg.StaticRoutes = append(p.cfg.StaticRoutes, StaticRoute{Pos: l.Key.Pos, To: to.Masked(), Via: via, Dev: option(l.Args, "dev")})
	}
}

// option is the word after the first of names, or "".
func option(args []Word, names ...string) string {
	for i := 0; i+1 < len(args); i++ {
		for _, n := range names {
			if args[i].Text == n {
				return args[i+1].Text
			}
		}
	}
	return ""
}

// scriptArgv is notify_script_init: the line is split with quoted and
// escaped strings, then its second word (the command) is split the same
// way again into argv (set_script_params_array); words after it are the
// user and group.
func scriptArgv(line string) (argv, user []string, ok bool) {
	words, ok := quotedEscaped(line)
	if !ok || len(words) < 2 {
		return nil, nil, false
	}
	argv, ok = quotedEscaped(words[1])
	if !ok || len(argv) == 0 {
		return nil, nil, false
	}
	return argv, words[2:], true
}
