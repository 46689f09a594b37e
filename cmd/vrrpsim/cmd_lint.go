package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/vrrpsim/vrrpsim/reports"
	"github.com/vrrpsim/vrrpsim/scenarios/keepalived"
)

const lintUsage = `usage: vrrpsim lint NODE=PATH[@CONFIG_ID] ... [--json]
       vrrpsim lint SCENARIO.yaml|BUILTIN [--json]

Reads every node's keepalived.conf together, as keepalived 2.2.7 would,
and reports what no single-host check sees: one VRID used by two groups
on a LAN; VIP lists, advert_int, version, authentication or unicast peers
that differ between the routers of one VRID (the receiver discards the
adverts and both become master); two address owners; nopreempt with state
MASTER; track weights that cannot change who is master or that cross 1 or
254; sync groups whose members have different masters; notify scripts
that race; and every fix-up keepalived applies silently.

With a scenario file, its nodes' keepalived_conf: files (and inline vrrp:
blocks) are linted, on the LANs its interfaces give; otherwise instances
on the same interface name share a LAN.

Findings: FILE:LINE:COL: warning|error: message [node N]; also F:L:C ...
Exit 0 when clean, 1 when anything is found, 2 for usage or input errors.

flags:
`

func cmdLint(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("lint", stdout, lintUsage)
	asJSON := fs.Bool("json", false, "findings as JSON on stdout")
	root := fs.String("root", "", "directory that includes may read (default: each PATH's directory)")
	strict := fs.Bool("strict", false, "unknown keywords are errors (keepalived only warns)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("lint needs NODE=PATH[@CONFIG_ID] ... or a scenario file")
	}
	opts := keepalived.Options{Strict: *strict}
	var finds []keepalived.Finding
	if fs.NArg() == 1 && !strings.Contains(fs.Arg(0), "=") {
		f, err := lintScenario(fs.Arg(0), opts)
		if err != nil {
			return err
		}
		finds = f
	} else {
		srcs, err := nodeSources(fs.Args(), *root)
		if err != nil {
			return err
		}
		finds = keepalived.LintSources(srcs, opts, nil)
	}
	if *asJSON {
		if err := writeLintJSON(stdout, finds); err != nil {
			return err
		}
	} else {
		tw := reports.NewTerminalWriter(stdout)
		for _, f := range finds {
			fmt.Fprintln(tw, f.String())
		}
	}
	if len(finds) > 0 {
		return &lintFound{n: len(finds)}
	}
	return nil
}

// nodeSources reads NODE=PATH[@CONFIG_ID] arguments (import and lint),
// each node once.
func nodeSources(args []string, root string) ([]keepalived.Source, error) {
	var srcs []keepalived.Source
	seen := map[string]bool{}
	for _, a := range args {
		src, err := importSource(a, root)
		if err != nil {
			return nil, err
		}
		if seen[src.Node] {
			return nil, usagef("node %q named twice", src.Node)
		}
		seen[src.Node] = true
		srcs = append(srcs, src)
	}
	return srcs, nil
}

// lintScenario lints the nodes of a scenario file: keepalived_conf: nodes
// read from their files (with every finding of the reader), inline ones
// from the loaded instances, each interface on the scenario's LAN.
func lintScenario(file string, opts keepalived.Options) ([]keepalived.Finding, error) {
	// A file or a built-in's name, told apart and refused as run does.
	sc, err := loadScenario(file)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(file)
	var nodes []keepalived.LintNode
	var rootFS *os.Root
	defer func() {
		if rootFS != nil {
			rootFS.Close()
		}
	}()
	for _, nd := range sc.Nodes {
		segs := map[string]string{}
		addrs := map[string]netip.Addr{}
		for _, it := range nd.Interfaces {
			segs[it.Name] = it.Segment
			if len(it.Addresses) > 0 {
				addrs[it.Name] = it.Addresses[0].Addr()
			}
		}
		seg := func(iface string) string {
			if s, ok := segs[iface]; ok {
				return s
			}
			return iface
		}
		var cfg *keepalived.Config
		switch {
		case nd.Keepalived != nil:
			if rootFS == nil {
				r, err := os.OpenRoot(dir)
				if err != nil {
					return nil, err
				}
				rootFS = r
			}
			ref := nd.Keepalived
			cfg = keepalived.Load(keepalived.Source{Node: nd.Name, FS: rootFS.FS(), Path: ref.Path,
				Display:  func(n string) string { return path.Join(filepath.ToSlash(dir), n) },
				ConfigID: ref.ConfigID, HasConfigID: ref.HasConfigID}, opts)
		case len(nd.VRRP) > 0:
			cfg = keepalived.FromNode(nd)
		default:
			continue
		}
		nodes = append(nodes, keepalived.LintNode{Name: nd.Name, Config: cfg, Segment: seg,
			Address: func(iface string) netip.Addr { return addrs[iface] }})
	}
	return keepalived.Lint(nodes), nil
}

// lintFound is exit 1: the configs were read and something was found.
type lintFound struct{ n int }

func (e *lintFound) Error() string { return fmt.Sprintf("lint: %d finding(s)", e.n) }

// Unwrap makes exitCode map it to exitFailed.
func (e *lintFound) Unwrap() error { return &failedError{n: e.n} }

type lintPlace struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Node string `json:"node,omitempty"`
}

type lintJSON struct {
	lintPlace
	Severity string      `json:"severity"`
	Message  string      `json:"message"`
	Via      string      `json:"via,omitempty"`
	Also     []lintPlace `json:"also,omitempty"`
}

func writeLintJSON(w io.Writer, finds []keepalived.Finding) error {
	out := make([]lintJSON, 0, len(finds))
	for _, f := range finds {
		j := lintJSON{lintPlace: lintPlace{File: f.Pos.File, Line: f.Pos.Line, Col: f.Pos.Col, Node: f.Node},
			Severity: string(f.Severity), Message: f.Msg, Via: f.Via}
		for _, a := range f.Also {
			j.Also = append(j.Also, lintPlace{File: a.Pos.File, Line: a.Pos.Line, Col: a.Pos.Col, Node: a.Node})
		}
		out = append(out, j)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"findings": out})
}
