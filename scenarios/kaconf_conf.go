package scenarios

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// A node may give its VRRP instances (and sync groups, virtual servers,
// static routes) as the keepalived.conf it deploys instead of inline:
//
//	r1:
//	  kind: router
//	  interfaces: {eth0: {segment: lan, address: 10.0.0.1/24}}
//	  keepalived_conf: r1/keepalived.conf   # relative to the scenario file
//	  config_id: r1                         # keepalived -i: selects @r1 lines
//
// The config is read by package scenarios/keepalived, which imports this
// package and so cannot be imported by it: it registers its reader here
// when it is linked in (RegisterKeepalivedReader), as image.RegisterFormat
// does for decoders.

// ConfRef is a node's keepalived_conf: and config_id: keys.
type ConfRef struct {
	Pos         Pos    // of the keepalived_conf: value
	Path        string // as written, relative to the scenario file
	ConfigID    string
	HasConfigID bool
}

// KeepalivedSource is one node's keepalived.conf as the loader hands it
// to the reader: FS is rooted at the scenario file's directory, so
// includes cannot leave it.
type KeepalivedSource struct {
	Node        string
	FS          fs.FS
	Path        string // inside FS, slash-separated and clean
	Display     func(string) string
	ConfigID    string
	HasConfigID bool
}

// KeepalivedConf is what a keepalived.conf gives a node: the same values
// the inline blocks produce, with the reader's findings at their
// FILE:LINE:COL in the config (errors fail the load; warnings and notes,
// the fix-ups keepalived applies silently, become scenario warnings).
type KeepalivedConf struct {
	VRRP           []*Instance
	SyncGroups     []*SyncGroup
	VirtualServers []*VirtualServer
	Routes         []*Route
	Scripts        []*Script
	LVSSync        *LVSSync // global_defs lvs_sync_daemon
	Errors         []*Error
	Warnings       []Warning
}

// KeepalivedReader reads one node's config.
type KeepalivedReader func(KeepalivedSource) *KeepalivedConf

// keepalivedReader is set once, at init, by package scenarios/keepalived.
var keepalivedReader KeepalivedReader

// RegisterKeepalivedReader installs the keepalived.conf reader; package
// scenarios/keepalived calls it from its init.
func RegisterKeepalivedReader(r KeepalivedReader) { keepalivedReader = r }

// confRoot is where keepalived_conf: paths are read: an fs.FS (the
// embedded built-ins) shown under dir, or, when fs is nil, the scenario
// file's directory on disk (opened as an os.Root, so symbolic links
// cannot leave it either).
type confRoot struct {
	fs  fs.FS
	dir string
}

// diskRoot is the directory of a scenario file on disk.
func diskRoot(filename string) confRoot { return confRoot{dir: filepath.Dir(filename)} }

// embeddedRoot is a directory of the embedded built-in library.
func embeddedRoot(dir string) confRoot {
	sub, err := fs.Sub(builtinFS, dir)
	if err != nil {
		return confRoot{fs: builtinFS, dir: "."} // dir is ours and valid: not reached
	}
	return confRoot{fs: sub, dir: dir}
}

// confPath cleans a keepalived.conf path as written; false when it is
// empty or leaves the scenario's directory.
func confPath(p string) (string, bool) {
	clean := path.Clean(filepath.ToSlash(p))
	return clean, p != "" && clean != "." && fs.ValidPath(clean)
}

// open returns r with its directory opened (an os.Root) when it is on
// disk, and the closer the caller defers.
func (r confRoot) open() (confRoot, func(), error) {
	if r.fs != nil {
		return r, func() {}, nil
	}
	or, err := os.OpenRoot(r.dir)
	if err != nil {
		return r, nil, err
	}
	r.fs = or.FS()
	return r, func() { or.Close() }, nil
}

// read reads one node's keepalived.conf from an opened r, positions shown
// under r's directory.
func (r confRoot) read(node, p, configID string, hasConfigID bool) *KeepalivedConf {
	shown := filepath.ToSlash(r.dir)
	return keepalivedReader(KeepalivedSource{Node: node, FS: r.fs, Path: p,
		Display:  func(name string) string { return path.Join(shown, name) },
		ConfigID: configID, HasConfigID: hasConfigID})
}

// keepalivedKeys decodes keepalived_conf: and config_id: of a node.
func (d *decoder) keepalivedKeys(o *object, nd *Node) {
	p, ok := o.str("keepalived_conf")
	if !ok {
		if o.has("config_id") {
			d.add(o.keyAt("config_id"), "config_id in node %s without keepalived_conf; valid: keepalived_conf: PATH and config_id: ID together", nd.Name)
		}
		return
	}
	ref := &ConfRef{Pos: o.at("keepalived_conf"), Path: p}
	if id, ok := o.str("config_id"); ok {
		ref.ConfigID, ref.HasConfigID = id, true
	}
	if nd.Kind != KindRouter && nd.Kind != "" {
		d.add(o.keyAt("keepalived_conf"), "keepalived_conf in node %s of kind %s; valid: only on kind router", nd.Name, nd.Kind)
		return
	}
	for _, k := range []string{"vrrp", "sync_groups", "virtual_server"} {
		if o.has(k) {
			d.add(o.keyAt(k), "%s in node %s, which also has keepalived_conf: the config gives them; valid: keepalived_conf: or inline %s:, not both", k, nd.Name, k)
		}
	}
	clean, ok := confPath(p)
	if !ok {
		d.add(ref.Pos, "keepalived_conf %q of node %s leaves the scenario's directory; valid: a relative path to a file inside it, like r1/keepalived.conf", p, nd.Name)
		return
	}
	ref.Path = clean
	nd.Keepalived = ref
}

// readConfs reads every node's keepalived_conf: and fills in what the
// config gives, before validation sees the scenario (so a timeline's
// fail_script may name a vrrp_script of the config).
func (d *decoder) readConfs(s *Scenario, root confRoot) {
	var refs []*Node
	for _, n := range s.Nodes {
		if n.Keepalived != nil {
			refs = append(refs, n)
		}
	}
	if len(refs) == 0 {
		return
	}
	if keepalivedReader == nil {
		d.add(refs[0].Keepalived.Pos, "keepalived_conf needs the keepalived.conf reader, which this program does not include; valid: import github.com/vrrpsim/vrrpsim/scenarios/keepalived")
		return
	}
	root, closeRoot, err := root.open()
	if err != nil {
		d.add(refs[0].Keepalived.Pos, "cannot open the scenario's directory %s: %v", root.dir, err)
		return
	}
	defer closeRoot()
	byName := map[string]*Script{}
	for _, sc := range s.Scripts {
		byName[sc.Name] = sc
	}
	for _, n := range refs {
		ref := n.Keepalived
		kc := root.read(n.Name, ref.Path, ref.ConfigID, ref.HasConfigID)
		for _, e := range kc.Errors {
			d.add(e.Pos, "%s [node %s]", e.Msg, n.Name)
		}
		d.warnings = append(d.warnings, kc.Warnings...)
		n.VRRP = append(n.VRRP, kc.VRRP...)
		n.SyncGroups = append(n.SyncGroups, kc.SyncGroups...)
		n.VirtualServers = append(n.VirtualServers, kc.VirtualServers...)
		n.Routes = append(n.Routes, kc.Routes...)
		if kc.LVSSync != nil {
			if n.LVSSync != nil {
				d.add(n.LVSSync.Pos, "lvs_sync_daemon in node %s, which also has it in keepalived_conf (%s); valid: one of them", n.Name, kc.LVSSync.Pos)
			} else {
				n.LVSSync = kc.LVSSync
				d.ref(kc.LVSSync.Pos, refInterface, kc.LVSSync.Interface, n.Name, "lvs_sync_daemon of "+n.Name)
				d.ref(kc.LVSSync.Pos, refInstance, kc.LVSSync.Instance, n.Name, "lvs_sync_daemon of "+n.Name)
			}
		}
		d.confRefs(n)
		// The scenario has one scripts block: a vrrp_script joins it; the
		// same script written in scripts: too is not an error, a
		// different one is a warning and the first is kept.
		for _, sc := range kc.Scripts {
			prev, ok := byName[sc.Name]
			if !ok {
				byName[sc.Name] = sc
				s.Scripts = append(s.Scripts, sc)
				continue
			}
			if prev.Interval != sc.Interval || prev.Weight != sc.Weight || prev.Rise != sc.Rise || prev.Fall != sc.Fall {
				d.warn(sc.Pos, "vrrp_script %s of node %s differs from the one at %s (interval, weight, rise or fall); the scenario keeps that one", sc.Name, n.Name, prev.Pos)
			}
		}
	}
}

// confRefs records the names a config's instances use, for validation to
// resolve as it does the inline ones.
func (d *decoder) confRefs(n *Node) {
	for _, in := range n.VRRP {
		what := "vrrp instance " + in.Name + " of " + n.Name
		d.ref(in.Pos, refInterface, in.Interface, n.Name, what)
		for _, t := range in.TrackInterfaces {
			d.ref(t.Pos, refInterface, t.Name, n.Name, "track_interface of "+what)
		}
		for _, t := range in.TrackScripts {
			d.ref(t.Pos, refScript, t.Name, "", "track_script of "+what)
		}
	}
	for _, g := range n.SyncGroups {
		for i, m := range g.Instances {
			p := g.Pos
			if i < len(g.MemberPos) {
				p = g.MemberPos[i]
			}
			d.ref(p, refInstance, m, n.Name, "vrrp_sync_group "+g.Name)
		}
	}
}

// BuiltinKeepalived loads builtin/keepalived/NAME.yaml: a built-in
// scenario whose routers read keepalived.conf files from the embedded
// library (see docs/keepalived.md).
func BuiltinKeepalived(name string) (*Scenario, error) {
	filename, data, ok := builtinKeepalivedSource(name)
	if !ok {
		return nil, &Error{Pos: Pos{File: "builtin/keepalived/" + name + ".yaml", Line: 1, Col: 1}, Msg: "no such keepalived.conf built-in; valid: " + quoteList(BuiltinKeepalivedNames())}
	}
	return loadWithin(embeddedRoot(path.Dir(filename)), filename, data, nil, DefaultLimits())
}

func builtinKeepalivedSource(name string) (string, []byte, bool) {
	if name == "" || strings.ContainsAny(name, "/\\") {
		return "", nil, false
	}
	filename := path.Join("builtin", "keepalived", name+".yaml")
	data, err := builtinFS.ReadFile(filename)
	return filename, data, err == nil
}

// BuiltinKeepalivedNames are the built-in scenarios also shipped as
// keepalived.conf files, sorted.
func BuiltinKeepalivedNames() []string { return yamlNames("builtin/keepalived") }
