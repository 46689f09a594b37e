package keepalived

import (
	"io/fs"
	"sort"

	"github.com/vrrpsim/vrrpsim/scenarios"
)

// Source names one node's keepalived.conf: a path inside FS (FS is rooted
// at the directory the user named; nothing outside it is read).
type Source struct {
	Node string
	FS   fs.FS
	Path string
	// Display turns a path inside FS into the name shown in positions.
	Display     func(string) string
	ConfigID    string
	HasConfigID bool
	Limits      Limits // zero: DefaultLimits
}

// Load reads, preprocesses and parses one source. The findings of every
// layer are in cfg.Findings, in file order within each layer.
func Load(src Source, opts Options) *Config {
	r := &Reader{FS: src.FS, Display: src.Display, ConfigID: src.ConfigID, HasConfigID: src.HasConfigID, Limits: src.Limits}
	lines, finds := r.ReadConfig(src.Path)
	stmts, tfinds := Tree(lines)
	cfg := Parse(stmts, opts)
	cfg.Findings = append(append(finds, tfinds...), cfg.Findings...)
	sortFindings(cfg.Findings)
	return cfg
}

// Node maps a parsed config onto a router node of the scenario model:
// instances, sync groups, virtual servers, static routes and
// lvs_sync_daemon. Interfaces
// are left to the caller (a topology, or Import's guess); their names are
// those the config mentions (Interfaces()).
func (c *Config) Node(name string) *scenarios.Node {
	nd := &scenarios.Node{Name: name, Kind: scenarios.KindRouter, Forwarding: true, ARP: scenarios.DefaultARP()}
	for _, in := range c.Instances {
		if in.VRID == 0 || in.Interface == "" {
			continue // keepalived drops it; the finding says so
		}
		nd.VRRP = append(nd.VRRP, in.Instance)
	}
	nd.SyncGroups = append(nd.SyncGroups, c.SyncGroups...)
	for _, vs := range c.VirtualServers {
		nd.VirtualServers = append(nd.VirtualServers, vs.VirtualServer)
	}
	nd.LVSSync = c.Global.LVSSyncDaemon
	for _, r := range c.StaticRoutes {
		nd.Routes = append(nd.Routes, &scenarios.Route{Pos: r.Pos, To: r.To, Via: r.Via})
	}
	return nd
}

// Interfaces are the interface names the config uses, sorted: VRRP
// interfaces, tracked interfaces, static address and route devices, the
// sync daemon's interface.
func (c *Config) Interfaces() []string {
	seen := map[string]bool{}
	for _, in := range c.Instances {
		seen[in.Interface] = true
		for _, t := range in.TrackInterfaces {
			seen[t.Name] = true
		}
	}
	for _, a := range c.StaticAddrs {
		seen[a.Dev] = true
	}
	if ls := c.Global.LVSSyncDaemon; ls != nil {
		seen[ls.Interface] = true
	}
	for _, r := range c.StaticRoutes {
		seen[r.Dev] = true
	}
	delete(seen, "")
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Nodes reads every source and maps each onto a node; scripts are merged
// by name (the scenario has one scripts block), a script defined
// differently on two nodes being a warning. This is the entry point for
// a scenario's keepalived_conf: key and for lint.
func Nodes(srcs []Source, opts Options) ([]*scenarios.Node, []*Script, []*Config, []Finding) {
	var nodes []*scenarios.Node
	var scripts []*Script
	var cfgs []*Config
	var finds []Finding
	byName := map[string]*Script{}
	for _, src := range srcs {
		cfg := Load(src, opts)
		if len(srcs) > 1 {
			for i := range cfg.Findings {
				cfg.Findings[i].Node = src.Node
			}
		}
		cfgs = append(cfgs, cfg)
		finds = append(finds, cfg.Findings...)
		nodes = append(nodes, cfg.Node(src.Node))
		for _, sc := range cfg.Scripts {
			prev, ok := byName[sc.Name]
			if !ok {
				byName[sc.Name] = sc
				scripts = append(scripts, sc)
				continue
			}
			if prev.Interval != sc.Interval || prev.Weight != sc.Weight || prev.Rise != sc.Rise || prev.Fall != sc.Fall {
				finds = append(finds, Finding{Pos: sc.Pos, Severity: SevWarning,
					Msg: "vrrp_script " + sc.Name + " differs from the one at " + prev.Pos.String() + "; the scenario keeps the first"})
			}
		}
	}
	return nodes, scripts, cfgs, finds
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SevError {
			return true
		}
	}
	return false
}
