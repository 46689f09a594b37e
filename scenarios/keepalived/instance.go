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

const topNotModelled = "linkbeat_use_polling net_namespace net_namespace_ipvs namespace_with_ipsets use_pid_dir instance child_wait_time track_group static_rules garp_group vrrp_track_process vrrp_track_bfd bfd_instance SSL"

const instanceNotModelled = "use_vmac_addr vmac_xmit_base use_ipvlan unicast_fault_no_peer check_unicast_src old_unicast_checksum native_ipv6 vrf dont_track_primary track_file track_process track_bfd mcast_src_ip mcast_dst_ip track_src_ip unicast_ttl virtual_ipaddress_excluded promote_secondaries linkbeat_use_polling virtual_routes virtual_rules accept no_accept skip_check_adv_addr debug notify_backup notify_master notify_fault notify_stop notify_deleted notify notify_master_rx_lower_pri smtp_alert notify_priority_changes lvs_sync_daemon_interface garp_lower_prio_delay garp_lower_prio_repeat down_timer_adverts garp_extra_if vmac_garp_intvl lower_prio_no_advert higher_prio_send_advert kernel_rx_buf_size"

// instance reads a vrrp_instance (vrrp_parser.c vrrp_handler and the
// handlers installed after it). Defaults are applied in complete.
func (p *parser) instance(b *Stmt) {
	name, ok := p.arg(b, 0)
	if !ok {
		return
	}
	g := p.cfg.Global
	in := &Instance{Instance: &scenarios.Instance{Pos: b.Key.Pos, Name: name.Text,
		GARPMasterDelay: g.GARPMasterDelay, GARPMasterRepeat: g.GARPMasterRepeat,
		GARPMasterRefresh: g.GARPMasterRefresh, GARPMasterRefreshRepeat: g.GARPMasterRefreshRepeat,
		GARPInterval: g.GARPInterval},
		Src: map[string]scenarios.Pos{}, strict: g.Strict}
	for _, s := range b.Block {
		k := s.Key.Text
		switch k {
		case "state":
			// vrrp_state_handler: exactly MASTER or BACKUP; anything else
			// (even "Master") is BACKUP; BACKUP after MASTER is ignored.
			w, ok := p.arg(s, 0)
			if !ok {
				continue
			}
			switch {
			case w.Text == "MASTER":
				in.wanted = "MASTER"
			case w.Text == "BACKUP" && in.wanted == "MASTER":
				p.add(w.Pos, SevWarning, "(%s) state previously set as MASTER - ignoring BACKUP (vrrp_state_handler)", in.Name)
			case w.Text == "BACKUP":
				in.wanted = "BACKUP"
			default:
				p.add(w.Pos, SevWarning, "(%s) unknown state '%s', read as BACKUP (vrrp_state_handler: only MASTER and BACKUP, case-sensitive)", in.Name, w.Text)
				in.wanted = "BACKUP"
			}
		case "interface":
			if w, ok := p.arg(s, 0); ok {
				in.Interface = w.Text
			}
		case "virtual_router_id":
			if v, ok := p.intArg(s, 0, 1, 255); ok {
				in.VRID = v
			}
		case "priority":
			// vrrp_prio_handler: 1..255, else the default 100 (a
			// warning, not an error: keepalived runs with it).
			w, ok := p.arg(s, 0)
			if !ok {
				continue
			}
			if v, err := strconv.Atoi(w.Text); err == nil && v >= 1 && v <= 255 {
				in.Priority, in.prioOK = v, true
			} else {
				in.Priority, in.prioOK = scenarios.DefaultPriority, true
				p.add(w.Pos, SevWarning, "(%s) priority %q not valid (1..255): keepalived uses the default %d (vrrp_prio_handler)", in.Name, w.Text, scenarios.DefaultPriority)
			}
		case "advert_int":
			// vrrp_adv_handler: 0.01 .. 255 s; an invalid value is ignored.
			if v, ok := p.secondsArg(s, 0, 10*time.Millisecond, 255*time.Second); ok {
				in.AdvertInt = v
			}
		case "version":
			if v, ok := p.intArg(s, 0, 2, 3); ok {
				in.Version = v
			}
		case "nopreempt":
			in.NoPreempt = true
		case "preempt":
			in.NoPreempt = false
		case "preempt_delay":
			if v, ok := p.secondsArg(s, 0, 0, 1000*time.Second); ok {
				in.PreemptDelay = v
			}
		case "strict_mode":
			in.strict = len(s.Args) == 0 || checkTrue(s.Args[0].Text)
		case "virtual_ipaddress":
			p.vips(in, s)
		case "authentication":
			p.auth(in, s)
		case "use_vmac":
			in.UseVMAC = true
			if len(s.Args) > 0 {
				p.add(s.Args[0].Pos, SevNote, "use_vmac interface name %q is not modelled", s.Args[0].Text)
			}
		case "garp_master_delay", "garp_master_repeat", "garp_master_refresh", "garp_master_refresh_repeat", "garp_interval":
			p.garp(s, k, garpFields{&in.GARPMasterDelay, &in.GARPMasterRefresh, &in.GARPInterval, &in.GARPMasterRepeat, &in.GARPMasterRefreshRepeat})
		case "unicast_src_ip":
			if w, ok := p.arg(s, 0); ok {
				if a, err := netip.ParseAddr(w.Text); err == nil && a.Is4() {
					in.UnicastSrcIP = a
				} else {
					p.add(w.Pos, SevError, "unicast_src_ip %q is not an IPv4 address", w.Text)
				}
			}
		case "unicast_peer":
			for _, l := range s.Block {
				if a, err := netip.ParseAddr(l.Key.Text); err == nil && a.Is4() {
					in.UnicastPeers = append(in.UnicastPeers, a)
				} else {
					p.addAt(l, SevError, "unicast_peer %q is not an IPv4 address", l.Key.Text)
				}
			}
		case "track_interface":
			in.TrackInterfaces = append(in.TrackInterfaces, p.tracks(s)...)
		case "track_script":
			in.TrackScripts = append(in.TrackScripts, p.tracks(s)...)
		case "notify_backup", "notify_master", "notify_fault", "notify_stop", "notify", "notify_deleted", "notify_master_rx_lower_pri":
			argv, _, _ := scriptArgv(s.Line.Text)
			in.Notify = append(in.Notify, Notify{Pos: s.Key.Pos, Kind: k, Argv: argv})
			in.Instance.Notify.Set(k, argv) // traced when fired (scenarios/notify.go)
			p.addAt(s, SevNote, "%s is never run by the simulator; argv %q", k, argv)
			continue
		default:
			p.other(s, instanceNotModelled)
			continue
		}
		in.Src[k] = s.Key.Pos
	}
	p.cfg.Instances = append(p.cfg.Instances, in)
}

func checkTrue(s string) bool {
	switch strings.ToLower(s) {
	case "true", "on", "yes":
		return true
	}
	return false
}

// vipOptions are what may follow a VIP (keepalived.conf(5)
// virtual_ipaddress); vipFlags take no value.
const (
	vipOptions = "brd broadcast dev scope label peer metric preferred_lft valid_lft home nodad noprefixroute autojoin no_track track_group"
	vipFlags   = "home nodad noprefixroute autojoin no_track"
)

// vips reads virtual_ipaddress lines: "ADDR[/LEN] [dev IF] [label L] ...".
func (p *parser) vips(in *Instance, s *Stmt) {
	for _, l := range s.Block {
		pf, ok := parsePrefix(l.Key.Text)
		if !ok {
			p.addAt(l, SevError, "(%s) virtual_ipaddress %q is not modelled (IPv4 only); valid: 10.0.0.254/24 [dev eth0]", in.Name, l.Key.Text)
			continue
		}
		for i := 0; i < len(l.Args); i++ {
			if opt := l.Args[i].Text; hasWord(vipOptions, opt) {
				if !hasWord(vipFlags, opt) {
					i++ // the option's value
				}
			} else {
				// parse_ipaddress: one address per line, then options.
				p.add(l.Args[i].Pos, SevWarning, "(%s) %q after VIP %s is not an address option: keepalived reads one address per line; valid: one VIP per line", in.Name, opt, pf)
				break
			}
		}
		if dev := option(l.Args, "dev"); dev != "" && dev != in.Interface && in.Interface != "" {
			p.addAt(l, SevNote, "(%s) VIP %s on dev %s: the simulator puts every VIP on %s", in.Name, pf, dev, in.Interface)
		}
		in.VirtualIPs = append(in.VirtualIPs, pf)
	}
}

// auth reads authentication { auth_type PASS|AH auth_pass X }.
func (p *parser) auth(in *Instance, b *Stmt) {
	a := &scenarios.Auth{Pos: b.Key.Pos, Type: "PASS"}
	for _, s := range b.Block {
		switch s.Key.Text {
		case "auth_type":
			if w, ok := p.arg(s, 0); ok {
				switch w.Text {
				case "PASS":
				case "AH":
					a.Type = "AH"
					p.add(w.Pos, SevError, "(%s) auth_type AH is not modelled; valid: PASS", in.Name)
				default:
					p.add(w.Pos, SevError, "(%s) unknown auth_type %q; valid: PASS or AH", in.Name, w.Text)
				}
			}
		case "auth_pass":
			if w, ok := p.arg(s, 0); ok {
				// vrrp_auth_pass_handler: cut to sizeof(auth_data), 8.
				pass := w.Text
				if len(pass) > 8 {
					p.add(w.Pos, SevWarning, "(%s) auth_pass %q truncated to 8 characters %q (vrrp_auth_pass_handler): a peer configured with the full string must use the same first 8", in.Name, pass, pass[:8])
					pass = pass[:8]
				}
				a.Pass = pass
			}
		default:
			p.other(s, "")
		}
	}
	in.Auth = a
}

// tracks reads track_interface / track_script lines "NAME [weight N
// [reverse]]"; a script without its own weight takes the vrrp_script's.
func (p *parser) tracks(s *Stmt) []*scenarios.Track {
	var out []*scenarios.Track
	for _, l := range s.Block {
		t := &scenarios.Track{Pos: l.Key.Pos, Name: l.Key.Text, Weight: noWeight}
		if len(l.Args) >= 2 && l.Args[0].Text == "weight" {
			var w int
			if _, err := fmt.Sscan(l.Args[1].Text, &w); err != nil || w < -253 || w > 253 {
				p.add(l.Args[1].Pos, SevError, "weight %q is not valid; valid: -253..253", l.Args[1].Text)
			} else {
				t.Weight = w
			}
			if len(l.Args) > 2 && l.Args[2].Text == "reverse" {
				p.add(l.Args[2].Pos, SevNote, "weight ... reverse is not modelled; the weight is used as written")
			}
		} else if len(l.Args) > 0 {
			p.add(l.Args[0].Pos, SevWarning, "%s %s: unexpected %q; valid: NAME [weight N]", s.Key.Text, l.Key.Text, l.Args[0].Text)
		}
		out = append(out, t)
	}
	return out
}

// noWeight marks a track line without "weight".
const noWeight = math.MinInt32

// complete is vrrp_complete_instance's part that the simulator sees, in
// its order; each fix-up is a warning naming what keepalived will do.
func (p *parser) complete(in *Instance) {
	pos := in.Pos
	if in.VRID == 0 {
		p.add(pos, SevError, "(%s) the virtual router id must be set; keepalived drops this instance", in.Name)
	}
	if in.Interface == "" {
		p.add(pos, SevError, "(%s) no interface: the simulator needs one (keepalived would use default_interface)", in.Name)
	}
	if len(in.VirtualIPs) == 0 {
		p.add(pos, SevWarning, "(%s) No VIP specified; at least one is sensible", in.Name)
	}
	if in.Version == 0 {
		in.Version = p.cfg.Global.Version
	}
	// If no priority has been set, derive it from the initial state.
	if !in.prioOK {
		in.Priority = scenarios.DefaultPriority
		if in.wanted == "MASTER" {
			in.Priority = 255
			p.add(pos, SevWarning, "(%s) state MASTER without priority: keepalived uses priority 255 (the address owner)", in.Name)
		}
	}
	// If no initial state has been set, derive it from the priority.
	switch {
	case in.wanted == "":
		in.State = "BACKUP"
		if in.Priority == 255 {
			in.State = "MASTER"
			p.add(pos, SevWarning, "(%s) priority 255 without state: keepalived starts it as MASTER", in.Name)
		}
	case in.strict && (in.wanted == "MASTER") != (in.Priority == 255):
		in.State = map[bool]string{true: "MASTER", false: "BACKUP"}[in.Priority == 255]
		p.add(pos, SevWarning, "(%s) State MASTER must match being address owner (vrrp_strict): started as %s", in.Name, in.State)
	default:
		in.State = in.wanted
	}
	if in.Auth != nil {
		why := ""
		switch {
		case in.strict:
			why = "strict mode does not support authentication"
		case in.Version == 3:
			why = "VRRP version 3 does not support authentication"
		case in.Auth.Pass == "":
			why = "authentication specified but no password given"
		}
		if why != "" {
			p.add(in.Auth.Pos, SevWarning, "(%s) %s: ignored, adverts carry none", in.Name, why)
			in.Auth = nil
		}
	}
	if in.Priority == 255 && in.NoPreempt {
		p.add(pos, SevWarning, "(%s) nopreempt is incompatible with priority 255: cleared", in.Name)
		in.NoPreempt = false
	}
	if in.State == "MASTER" {
		if in.NoPreempt {
			p.add(pos, SevWarning, "(%s) nopreempt will not work with initial state MASTER: cleared", in.Name)
			in.NoPreempt = false
		}
		if in.PreemptDelay > 0 {
			p.add(pos, SevWarning, "(%s) preempt_delay will not work with initial state MASTER: cleared", in.Name)
			in.PreemptDelay = 0
		}
	}
	if in.PreemptDelay > 0 && (in.strict || in.NoPreempt) {
		p.add(pos, SevWarning, "(%s) preempt_delay is incompatible with %s: reset", in.Name, map[bool]string{true: "strict mode", false: "nopreempt"}[in.strict])
		in.PreemptDelay = 0
	}
	in.AdvertInt = effectiveAdvert(in, p)
	for _, t := range in.TrackScripts {
		if t.Weight == noWeight {
			t.Weight = 0
			for _, sc := range p.cfg.Scripts {
				if sc.Name == t.Name {
					t.Weight = sc.Weight
				}
			}
		}
	}
	for _, t := range in.TrackInterfaces {
		if t.Weight == noWeight {
			t.Weight = 0
		}
	}
}

// effectiveAdvert is vrrp_complete_instance's advert_int check: VRRPv2
// carries whole seconds (rounded to nearest, at least 1, at most 255);
// VRRPv3 centiseconds (at most 40.95 s).
func effectiveAdvert(in *Instance, p *parser) time.Duration {
	d := in.AdvertInt
	if d == 0 {
		return scenarios.DefaultAdvertInt
	}
	unit, max := time.Second, 255*time.Second
	if in.Version == 3 {
		unit, max = 10*time.Millisecond, 4095*10*time.Millisecond
	}
	got := d
	if d > max {
		got = max
	} else if d%unit != 0 {
		got = (d + unit/2) / unit * unit
		if got == 0 {
			got = unit
		}
	}
	if got != d {
		p.add(in.Src["advert_int"], SevWarning, "(%s) VRRPv%d advert_int %gs is sent as %gs", in.Name, in.Version, d.Seconds(), got.Seconds())
	}
	return got
}
