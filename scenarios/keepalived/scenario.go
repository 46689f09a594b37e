package keepalived

import (
	"github.com/vrrpsim/vrrpsim/scenarios"
)

// A scenario node's keepalived_conf: is read by this package; scenarios
// cannot import it (this package imports scenarios), so it is installed
// there when this package is linked in.
func init() { scenarios.RegisterKeepalivedReader(ForScenario) }

// ForScenario reads one node's keepalived_conf: for the scenario loader:
// the node's instances, sync groups, virtual servers, static routes and
// lvs_sync_daemon, and the config's vrrp_scripts. Errors fail the load at their
// FILE:LINE:COL; warnings and notes (fix-ups keepalived applies, keywords
// the simulator does not model) become scenario warnings.
func ForScenario(src scenarios.KeepalivedSource) *scenarios.KeepalivedConf {
	cfg := Load(Source{Node: src.Node, FS: src.FS, Path: src.Path, Display: src.Display,
		ConfigID: src.ConfigID, HasConfigID: src.HasConfigID}, Options{})
	nd := cfg.Node(src.Node)
	kc := &scenarios.KeepalivedConf{VRRP: nd.VRRP, SyncGroups: nd.SyncGroups,
		VirtualServers: nd.VirtualServers, Routes: nd.Routes, LVSSync: nd.LVSSync}
	for _, sc := range cfg.Scripts {
		kc.Scripts = append(kc.Scripts, sc.Script)
	}
	for _, a := range cfg.StaticAddrs {
		cfg.Findings = append(cfg.Findings, Finding{Pos: a.Pos, Severity: SevWarning,
			Msg: "static_ipaddress " + a.Prefix.String() + " is not added: in a scenario the node's interfaces: give its addresses"})
	}
	for _, f := range cfg.Findings {
		msg := f.Msg
		if f.Via != "" {
			msg += " (via " + f.Via + ")"
		}
		switch f.Severity {
		case SevError:
			kc.Errors = append(kc.Errors, &scenarios.Error{Pos: f.Pos, Msg: msg})
		case SevNote:
			kc.Warnings = append(kc.Warnings, scenarios.Warning{Pos: f.Pos, Msg: "note: " + msg})
		default:
			kc.Warnings = append(kc.Warnings, scenarios.Warning{Pos: f.Pos, Msg: msg})
		}
	}
	return kc
}
